// `npm run bench`, part 2: in a real VS Code (code-server in Chromium, the packaged .vsix), the time
// from "Run Backprop" in the palette to the first painted heatmap of TwoLayerNet with batch 100,
// beside VS Code's own floors: the same from a command whose new webview only paints one canvas, and
// from one whose message to that webview, open, paints another.
import { rmSync } from 'node:fs';
import { defaultVsix, startVSCode } from '../test/e2e/harness';
import { FLOOR_COMMAND, OPEN_FLOOR_COMMAND, commandToFirstHeatmap, floorExtension, medianLatency } from '../test/e2e/latency';
import { scratchExamples } from '../test/e2e/workspace';

const RUNS = Number(process.env.LATENCY_RUNS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const folder = scratchExamples();
  const session = await startVSCode({ folder, vsix: [defaultVsix], extensionFolders: [floorExtension] });
  try {
    const spec = 'two-layer-net-batch100.backprop.yaml';
    // In turns, so load from the machine's other work falls on both alike.
    const floor: number[] = [];
    const opening: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      floor.push(await commandToFirstHeatmap(session.workbench, spec, true, 60_000, FLOOR_COMMAND));
      opening.push(await commandToFirstHeatmap(session.workbench, spec, true));
    }
    // The open panel's floor: the floor's webview open beside the spec, as the run panel is.
    await commandToFirstHeatmap(session.workbench, spec, true, 60_000, FLOOR_COMMAND);
    const openFloor = await medianLatency(session.workbench, spec, false, RUNS, OPEN_FLOOR_COMMAND);
    await commandToFirstHeatmap(session.workbench, spec, true);
    const rerun = await medianLatency(session.workbench, spec, false, RUNS);
    const [f, o] = [median(floor), median(opening)];
    console.log(`Run Backprop → first painted heatmap (TwoLayerNet, batch 100, code-server in Chromium), median of ${RUNS}:`);
    console.log(`  VS Code's floor (a new webview that paints one canvas): ${f} ms   [runs: ${floor.join(', ')}]`);
    console.log(`  opening the panel: ${o} ms, floor + ${o - f} ms (target: floor + 150 ms)   [runs: ${opening.join(', ')}]`);
    console.log(`  VS Code's floor for an open panel (a message to that webview that paints another canvas): ${openFloor} ms`);
    console.log(`  in an open panel:  ${rerun} ms, floor + ${rerun - openFloor} ms (target < 150 ms)`);
  } finally {
    await session.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`latency bench failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
