// Entry point of the Train panel bundle (dist/webview/train.js). esbuild writes the stylesheets imported
// here, in this order, to dist/webview/train.css, which the Train panel's page loads.
import '../shared/base.css';
import '../shared/page.css';
import '../shared/heatmap.css';
import 'uplot/dist/uPlot.min.css';
import '../shared/charts.css';
import './train.css';
import { startTrain } from './train-view';

startTrain();
