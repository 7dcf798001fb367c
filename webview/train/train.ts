// Entry point of the Train panel bundle (dist/webview/train.js). esbuild writes the uPlot stylesheet
// imported here to dist/webview/train.css, which the Train panel and the side view load with media/panel.css.
import 'uplot/dist/uPlot.min.css';
import { startTrain } from './train-view';

startTrain();
