// Entry point of the run panel bundle (dist/webview/panel.js). esbuild writes the stylesheets imported
// here, in this order, to dist/webview/panel.css, which the panel's page loads.
import '../shared/base.css';
import '../shared/page.css';
import '../shared/heatmap.css';
import '../shared/histogram.css';
import './panel.css';
import { start } from './main';

start();
