// Entry point of the side view bundle (dist/webview/side.js), loaded by the sidebar page the extension builds.
import { startSide } from './side-view';

startSide();
