// Entry point of the webview bundle (dist/webview/panel.js), loaded by the page the extension builds.
import { start } from './main';

start();
