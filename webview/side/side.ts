// Entry point of the side view bundle (dist/webview/side.js). esbuild writes the stylesheets imported
// here, in this order, to dist/webview/side.css, which the sidebar page loads.
import '../shared/base.css';
import '../shared/heatmap.css';
import '../shared/histogram.css';
import 'uplot/dist/uPlot.min.css';
import '../shared/charts.css';
import './side.css';
import { startSide } from './side-view';

startSide();
