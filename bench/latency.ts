// `npm run bench`, part 2: in a real VS Code (code-server in Chromium, the packaged .vsix), the time
// from "Run Backprop" in the palette to the first painted heatmap of TwoLayerNet with batch 100.
import { rmSync } from 'node:fs';
import { defaultVsix, startVSCode } from '../test/e2e/harness';
import { medianLatency } from '../test/e2e/latency';
import { scratchExamples } from '../test/e2e/workspace';

async function main(): Promise<void> {
  const folder = scratchExamples();
  const session = await startVSCode({ folder, vsix: [defaultVsix] });
  try {
    const spec = 'two-layer-net-batch100.backprop.yaml';
    const opening = await medianLatency(session.workbench, spec, true, 5);
    const rerun = await medianLatency(session.workbench, spec, false, 5);
    console.log(`Run Backprop → first painted heatmap (TwoLayerNet, batch 100, code-server in Chromium), median of 5:`);
    console.log(`  ${opening} ms opening the panel, ${rerun} ms in an open panel (target < 300 ms)`);
  } finally {
    await session.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`latency bench failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
