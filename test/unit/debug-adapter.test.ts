// The `backprop` debug adapter against the DAP message sequence, driven by a recorded client through
// handleMessage, with the engine in the real worker (dist/worker.js) through the engine client.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { BackpropDebugSession, tensorSummary, type LaunchArguments } from '../../src/debug/adapter';
import { DEFAULT_THRESHOLDS } from '../../src/engine/health-thresholds';
import { fromNested } from '../../src/engine/tensor';
import { EngineClient, type JobMessage } from '../../src/extension/engine-client';
import { TrainSession } from '../../src/extension/train-session';
import { openDebugRun, type DebugRunView } from '../../src/extension/debug-run';
import type { Language } from '../../src/message';
import type { HostToTrainView } from '../../src/protocol';
import { TINY_SPEC } from './debug-spec';

const folder = mkdtempSync(join(tmpdir(), 'backprop-debug-'));
const specPath = join(folder, 'tiny.backprop.yaml');
writeFileSync(specPath, TINY_SPEC);

const engineWith = (limitMs: number) => new EngineClient({ workerPath: resolve('dist/worker.js'), mnistPath: resolve('dist/mnist-digits.bin'), userCodeLimitMs: () => limitMs, trusted: () => true });
const engine = engineWith(10_000);
after(() => engine.dispose());

/** Resolves once `done()` holds, checked every 10 ms (5 s at most). */
async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 10) {
    if (waited > 5000) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A DAP client that records what the adapter sends and waits for responses and events. */
class Client {
  readonly session: BackpropDebugSession;
  private seq = 1;
  private readonly seen: DebugProtocol.ProtocolMessage[] = [];
  private waiters: (() => void)[] = [];

  constructor(client = engine, view?: DebugRunView, language: Language = 'en') {
    this.session = new BackpropDebugSession(
      {
        open: (args) => openDebugRun(client, { text: readFileSync(args.spec, 'utf8'), fileName: basename(args.spec), folder: dirname(args.spec) }, { check: args.check === true, train: args.train === true }, DEFAULT_THRESHOLDS, view),
      },
      language,
    );
    this.session.onDidSendMessage((msg) => {
      this.seen.push(msg as DebugProtocol.ProtocolMessage);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Sends a request; resolves with its response (failed ones too). */
  request<R extends DebugProtocol.Response>(command: string, args?: unknown): Promise<R> {
    const seq = this.seq++;
    this.session.handleMessage({ seq, type: 'request', command, arguments: args } as DebugProtocol.Request);
    return this.until((m): m is R => m.type === 'response' && (m as DebugProtocol.Response).request_seq === seq);
  }

  /** The next event named `event` after the `from`-th message seen. */
  event<E extends DebugProtocol.Event>(event: string, from = 0): Promise<E> {
    return this.until((m): m is E => m.type === 'event' && (m as DebugProtocol.Event).event === event, from);
  }

  /** How many events named `event` came after the `from`-th message. */
  count(event: string, from: number): number {
    return this.seen.slice(from).filter((m) => m.type === 'event' && (m as DebugProtocol.Event).event === event).length;
  }

  /** How many messages came so far: an event awaited from here is a new one. */
  mark(): number {
    return this.seen.length;
  }

  private until<M extends DebugProtocol.ProtocolMessage>(match: (m: DebugProtocol.ProtocolMessage) => m is M, from = 0): Promise<M> {
    return new Promise((resolveMatch, rejectMatch) => {
      const timer = setTimeout(() => rejectMatch(new Error(`timed out; seen: ${JSON.stringify(this.seen.map((m) => (m as DebugProtocol.Event).event ?? (m as DebugProtocol.Response).command))}`)), 20_000);
      const look = () => {
        const found = this.seen.slice(from).find(match);
        if (found) {
          clearTimeout(timer);
          resolveMatch(found);
        } else this.waiters.push(look);
      };
      look();
    });
  }
}

/** Launches with breakpoints on `lines`; resolves at the first stop. */
async function launch(client: Client, lines: DebugProtocol.SourceBreakpoint[], launchArgs: Partial<LaunchArguments> = {}, filters: string[] = []) {
  const spec = launchArgs.spec ?? specPath;
  const init = await client.request<DebugProtocol.InitializeResponse>('initialize', { adapterID: 'backprop', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  assert.deepEqual(
    init.body?.exceptionBreakpointFilters?.map((f) => [f.filter, f.label, f.default]),
    [['nonFinite', 'NaN or Inf', true], ['exploding', 'Exploding gradient', false], ['deadRelu', 'Dead ReLU', false], ['checkFailed', 'Gradient check failure', false]],
  );
  const launched = client.request<DebugProtocol.LaunchResponse>('launch', { spec, ...launchArgs });
  await client.event('initialized');
  const set = await client.request<DebugProtocol.SetBreakpointsResponse>('setBreakpoints', { source: { path: spec }, breakpoints: lines });
  await client.request('setExceptionBreakpoints', { filters });
  const mark = client.mark();
  await client.request('configurationDone');
  assert.equal((await launched).success, true);
  return { init, set, stopped: await client.event<DebugProtocol.StoppedEvent>('stopped', mark) };
}

async function frames(client: Client): Promise<string[]> {
  const r = await client.request<DebugProtocol.StackTraceResponse>('stackTrace', { threadId: 1 });
  return r.body.stackFrames.map((f) => `${f.name} @${f.line}`);
}

async function variables(client: Client): Promise<DebugProtocol.Variable[]> {
  const scopes = await client.request<DebugProtocol.ScopesResponse>('scopes', { frameId: 1 });
  const r = await client.request<DebugProtocol.VariablesResponse>('variables', { variablesReference: scopes.body.scopes[0].variablesReference });
  return r.body.variables;
}

async function step(client: Client, command: 'next' | 'stepIn' | 'stepOut' | 'continue'): Promise<DebugProtocol.StoppedEvent | DebugProtocol.TerminatedEvent> {
  const mark = client.mark();
  await client.request(command, { threadId: 1 });
  return Promise.race([client.event<DebugProtocol.StoppedEvent>('stopped', mark), client.event<DebugProtocol.TerminatedEvent>('terminated', mark)]);
}

test('tensorSummary: dtype, shape and the figures at three significant digits', () => {
  // numpy: a.mean() 0.071367, a.std() 0.078714.
  assert.equal(tensorSummary(fromNested([[0, 0.232, 0.0362], [0.05, 0.1, 0.01]])), 'float64[2, 3]  mean 0.0714  std 0.0787  min 0  max 0.232');
  assert.equal(tensorSummary(fromNested([1, NaN, Infinity, -Infinity])), 'float64[4]  mean 1  std 0  min 1  max 1  NaN 1  +Inf 1  −Inf 1');
});

test('DAP: breakpoints on the Relu1 line stop before its forward and its backward; stack, variables, evaluate, step, continue', async () => {
  const client = new Client();
  const { set, stopped } = await launch(client, [{ line: 6 }, { line: 2 }]);
  assert.deepEqual(
    set.body.breakpoints.map((b) => [b.line, b.verified, b.message]),
    [[6, true, undefined], [2, false, 'Breakpoints stop only on a layer line or the loss line']],
  );
  assert.equal(stopped.body.reason, 'breakpoint');
  assert.deepEqual(await frames(client), ['forward Relu1 @6', 'forward pass @5', 'tiny @1']);
  const before = await variables(client);
  assert.deepEqual(before.map((v) => [v.name, v.value, v.indexedVariables]), [['x', 'float64[2, 2]  mean 0.2  std 3.91  min -5.2  max 5.8', 2]]);

  // Expanding x: its rows, then a row's values, paged by start and count.
  const rows = await client.request<DebugProtocol.VariablesResponse>('variables', { variablesReference: before[0].variablesReference });
  assert.deepEqual(rows.body.variables.map((v) => [v.name, v.value]), [['[0]', 'float64[2]  mean -2.8  std 2.4  min -5.2  max -0.4'], ['[1]', 'float64[2]  mean 3.2  std 2.6  min 0.6  max 5.8']]);
  const page = await client.request<DebugProtocol.VariablesResponse>('variables', { variablesReference: rows.body.variables[1].variablesReference, start: 1, count: 1 });
  assert.deepEqual(page.body.variables.map((v) => [v.name, v.value]), [['[1]', '5.8']]);

  // Step Into reveals the forward's result: out and mask.
  await step(client, 'stepIn');
  assert.deepEqual(await frames(client), ['forward Relu1 · out, mask @6', 'forward pass @5', 'tiny @1']);
  assert.deepEqual((await variables(client)).map((v) => v.name), ['x', 'out', 'mask']);
  const mask = await client.request<DebugProtocol.EvaluateResponse>('evaluate', { expression: 'mask.sum()', context: 'repl' });
  assert.equal(mask.body.result, '2');

  // Step Over: Affine2, the loss, then backward Affine2. A second Step Over sent before the first
  // stopped is dropped: one stop, at Affine2.
  const mark = client.mark();
  await client.request('next', { threadId: 1 });
  await client.request('next', { threadId: 1 });
  await client.event('stopped', mark);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(client.count('stopped', mark), 1);
  assert.deepEqual((await frames(client))[0], 'forward Affine2 @7');
  await step(client, 'next');
  assert.deepEqual(await frames(client), ['loss SoftmaxWithLoss @8', 'forward pass @5', 'tiny @1']);
  assert.deepEqual((await variables(client)).map((v) => v.name), ['y', 't', 'loss']);
  await step(client, 'next');
  assert.deepEqual(await frames(client), ['backward Affine2 @7', 'backward pass @7', 'tiny @1']);
  // Step Into: dW, db and dx in turn.
  await step(client, 'stepIn');
  assert.equal((await frames(client))[0], 'backward Affine2 · dW @7');
  await step(client, 'stepIn');
  assert.equal((await frames(client))[0], 'backward Affine2 · db @7');
  await step(client, 'stepIn');
  assert.equal((await frames(client))[0], 'backward Affine2 · dx @7');

  // Continue reaches the breakpoint before Relu1's backward: dout and mask side by side.
  const hit = await step(client, 'continue');
  assert.equal(hit.event, 'stopped');
  assert.deepEqual(await frames(client), ['backward Relu1 @6', 'backward pass @7', 'tiny @1']);
  assert.deepEqual((await variables(client)).map((v) => v.name), ['dout', 'mask', 'loss']);
  // Row 0 reaches Affine2 as scores [0, 0]: y = [0.5, 0.5], t = [0, 1], so Affine2's dout row is
  // (y − t)/2 = [0.25, −0.25], and Relu1's dout row is that times W2ᵀ: [0.25 − 0.5, −0.25 − 0.125].
  const dout = await client.request<DebugProtocol.EvaluateResponse>('evaluate', { expression: 'dout[0, 0] + dout[0, 1]', context: 'watch' });
  assert.equal(dout.body.result, '-0.625');
  const bad = await client.request<DebugProtocol.EvaluateResponse>('evaluate', { expression: 'dout[2]', context: 'watch' });
  assert.equal(bad.success, false);
  assert.equal(bad.message, 'index 2 is out of range for axis 0 of size 2 (column 6)');
  const tensor = await client.request<DebugProtocol.EvaluateResponse>('evaluate', { expression: 'dout * mask', context: 'repl' });
  assert.equal(tensor.body.indexedVariables, 2);
  assert.match(tensor.body.result, /^float64\[2, 2\] {2}mean/);
  // Show as Heatmap reads a tensor by its reference: a variable, a row of one, a watch's result.
  const maskRef = (await variables(client)).find((v) => v.name === 'mask')!.variablesReference;
  const shown = client.session.tensorAt(maskRef);
  assert.deepEqual([shown?.tensor.shape, shown?.where], [[2, 2], 'backward Relu1']);
  const row = await client.request<DebugProtocol.VariablesResponse>('variables', { variablesReference: maskRef });
  assert.deepEqual(client.session.tensorAt(row.body.variables[1].variablesReference)?.tensor.shape, [2]);
  const watched = await client.request<DebugProtocol.EvaluateResponse>('evaluate', { expression: 'dout * mask', context: 'watch' });
  assert.deepEqual(client.session.tensorAt(watched.body.variablesReference)?.tensor.shape, [2, 2]);
  assert.equal(client.session.tensorAt(dout.body.variablesReference), undefined);

  const end = await step(client, 'continue');
  assert.equal(client.session.tensorAt(maskRef), undefined);
  assert.equal(end.event, 'terminated');
  await client.request('disconnect', {});
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(engine.workers().filter((w) => w.key.startsWith('debug:')), []);
});

test('DAP: stop on entry, a conditional breakpoint, Step Out, disconnect ends the worker job', async () => {
  const client = new Client();
  const { stopped } = await launch(client, [{ line: 7, condition: 'dout.absmax() > 0' }], { stopOnEntry: true });
  assert.equal(stopped.body.reason, 'entry');
  assert.deepEqual((await frames(client))[0], 'forward Affine1 @5');
  // The condition reads dout, which only the backward has.
  const hit = await step(client, 'continue');
  assert.equal(hit.event, 'stopped');
  assert.equal((await frames(client))[0], 'backward Affine2 @7');
  assert.equal((await step(client, 'stepOut')).event, 'terminated');
  assert.deepEqual(engine.workers().filter((w) => w.key.startsWith('debug:') && w.running), []);

  const again = new Client();
  await launch(again, [{ line: 5 }]);
  assert.deepEqual(engine.workers().filter((w) => w.key.startsWith('debug:')).map((w) => w.running), [true]);
  await again.request('disconnect', {});
  assert.deepEqual(engine.workers().filter((w) => w.key.startsWith('debug:')), []);

  // A session VS Code drops without a disconnect ends its job when the adapter is disposed.
  const dropped = new Client();
  await launch(dropped, [{ line: 5 }]);
  dropped.session.dispose();
  assert.deepEqual(engine.workers().filter((w) => w.key.startsWith('debug:')), []);
});

test('DAP: hit counts choose which hits stop; one that does not parse is unverified with its message', async () => {
  const client = new Client();
  // Relu1's line (6) is hit before its forward and before its backward: the second hit is the backward.
  const { init, set, stopped } = await launch(client, [{ line: 6, hitCondition: '2' }, { line: 5, hitCondition: 'sometimes' }]);
  assert.deepEqual(
    set.body.breakpoints.map((b) => [b.line, b.verified, b.message]),
    [[6, true, undefined], [5, false, "The hit count 'sometimes' is not a count: write 5, >= 3 or % 10"]],
  );
  assert.equal(init.body?.supportsHitConditionalBreakpoints, true);
  assert.equal(stopped.body.reason, 'breakpoint');
  assert.equal((await frames(client))[0], 'backward Relu1 @6');
  assert.equal((await step(client, 'continue')).event, 'terminated');
});

test('DAP: restart runs the spec again from the start, to the same breakpoint', async () => {
  const client = new Client();
  await launch(client, [{ line: 7 }]);
  assert.equal((await frames(client))[0], 'forward Affine2 @7');
  await step(client, 'continue');
  assert.equal((await frames(client))[0], 'backward Affine2 @7');
  const mark = client.mark();
  assert.equal((await client.request('restart', {})).success, true);
  await client.event('stopped', mark);
  assert.equal((await frames(client))[0], 'forward Affine2 @7');
  await client.request('disconnect', {});
});

test('DAP: a spec with errors fails the launch with its message', async () => {
  const broken = join(folder, 'broken.backprop.yaml');
  writeFileSync(broken, 'name: broken\ninput: { data: [[1, 2]] }\nlayers:\n  - { type: affine }\n');
  const client = new Client();
  const launched = await client.request<DebugProtocol.LaunchResponse>('launch', { spec: broken });
  assert.equal(launched.success, false);
  assert.match(launched.message!, /^broken\.backprop\.yaml has errors: /);
  // In Korean, the sentence and the spec's problem in it.
  const korean = await new Client(engine, undefined, 'ko').request<DebugProtocol.LaunchResponse>('launch', { spec: broken });
  assert.match(korean.message!, /^broken\.backprop\.yaml에 오류가 있습니다: .*[\uac00-\ud7a3]/);
});

test('DAP: a custom layer that loops is stopped by the user-code clock, and the session ends with its message', async () => {
  writeFileSync(join(folder, 'loop.js'), `let calls = 0;
module.exports = {
  forward(x) { if (++calls >= 2) for (;;) {} return { shape: x.shape, data: x.data.slice() }; },
  backward(d) { return { shape: d.shape, data: d.data.slice() }; },
};
`);
  const looping = join(folder, 'loop.backprop.yaml');
  // The first call is the shape probe at load; the second, the run's forward, loops.
  writeFileSync(looping, 'input: { data: [[1, -2, 0.5], [0, 3, 1]] }\ntarget: { labels: [0, 1] }\nlayers:\n  - { type: affine, units: 3 }\n  - { type: custom, module: ./loop.js }\nloss: softmax-with-loss\n');
  const short = engineWith(300);
  try {
    const client = new Client(short);
    // A stop before a layer's forward is reached once the engine ran it: stop before Affine1, whose
    // Step Over runs the loop.
    await launch(client, [{ line: 4 }], { spec: looping });
    assert.equal((await frames(client))[0], 'forward Affine1 @4');
    const mark = client.mark();
    const ended = await step(client, 'next');
    assert.equal(ended.event, 'terminated');
    const output = await client.event<DebugProtocol.OutputEvent>('output', mark);
    assert.deepEqual([output.body.category, output.body.output], ['stderr', 'Backprop: Loop1.forward did not return within 0.3 s, so the engine was stopped\n']);
  } finally {
    short.dispose();
  }
});

test('DAP: a graph spec steps node by node, forward then backward, with the book figures', async () => {
  const client = new Client();
  const apples = resolve('examples/buy_apple.backprop.yaml');
  // Line 9: price = apple_price × tax.
  await launch(client, [{ line: 9 }], { spec: apples });
  assert.deepEqual(await frames(client), ['forward price @9', 'forward pass @8', 'buy-apple @1']);
  assert.deepEqual((await variables(client)).map((v) => [v.name, v.value]), [['apple_price', '200'], ['tax', '1.1']]);
  await step(client, 'stepIn');
  assert.deepEqual((await variables(client)).map((v) => [v.name, v.value]), [['apple_price', '200'], ['tax', '1.1'], ['value', '220.00000000000003']]);
  // Backward from the output: dout = 1, and price sends 1.1 to apple_price and 200 to tax.
  assert.equal((await step(client, 'continue')).event, 'stopped');
  assert.deepEqual(await frames(client), ['backward price @9', 'backward pass @9', 'buy-apple @1']);
  await step(client, 'stepIn');
  assert.deepEqual((await variables(client)).map((v) => [v.name, v.value]), [['dout', '1'], ['apple_price', '200'], ['tax', '1.1'], ['dapple_price', '1.1'], ['dtax', '200']]);
  await step(client, 'next');
  assert.equal((await frames(client))[0], 'backward apple_price @8');
  await step(client, 'stepIn');
  const dapple = await client.request<DebugProtocol.EvaluateResponse>('evaluate', { expression: 'dapple * 1', context: 'repl' });
  assert.equal(dapple.body.result, '2.2');
  assert.equal((await step(client, 'continue')).event, 'terminated');
});

test('DAP: the run panel follows the session: a start, each event as the session pulls it, the stopped layer, then findings and done', async () => {
  const seen: string[] = [];
  const view: DebugRunView = {
    event: (_runId, e) => seen.push(e.kind === 'forward' || e.kind === 'backward' ? `${e.kind} ${e.index}` : e.kind),
    stopped: (_runId, step, where) => seen.push(`stopped ${step.index} ${where}`),
    ended: () => seen.push('ended'),
  };
  const client = new Client(engine, view);
  await launch(client, [{ line: 6 }]);
  // Stopped before Relu1's forward, which the session has pulled: the panel has it too.
  assert.deepEqual(seen, ['start', 'forward 0', 'forward 1', 'stopped 1 forward Relu1']);
  assert.equal((await step(client, 'continue')).event, 'stopped');
  assert.deepEqual(seen.slice(4), ['forward 2', 'loss', 'backward 2', 'backward 1', 'stopped 1 backward Relu1']);
  assert.equal((await step(client, 'continue')).event, 'terminated');
  await until(() => seen.includes('ended'));
  assert.deepEqual(seen.slice(9), ['backward 0', 'findings', 'done', 'ended']);

  // A session stopped mid-run ends the view without a done.
  seen.length = 0;
  const early = new Client(engine, view);
  await launch(early, [{ line: 6 }]);
  await early.request('disconnect', {});
  await until(() => seen.includes('ended'));
  assert.deepEqual(seen, ['start', 'forward 0', 'forward 1', 'stopped 1 forward Relu1', 'ended']);
});

test('DAP: the TwoLayerNet example stops on its Relu1 line, before forward and before backward, with mask and dout', async () => {
  const client = new Client();
  const example = resolve('examples/two-layer-net.backprop.yaml');
  // Line 14: `- relu`.
  await launch(client, [{ line: 14 }], { spec: example });
  assert.deepEqual(await frames(client), ['forward Relu1 @14', 'forward pass @13', 'two-layer-net @1']);
  assert.equal((await step(client, 'continue')).event, 'stopped');
  assert.deepEqual(await frames(client), ['backward Relu1 @14', 'backward pass @15', 'two-layer-net @1']);
  const vars = await variables(client);
  assert.deepEqual(vars.map((v) => [v.name, v.type, v.indexedVariables]), [['dout', 'float64[3, 50]', 3], ['mask', 'float64[3, 50]', 3], ['loss', 'float64', undefined]]);
  const evaluate = async (expression: string) => (await client.request<DebugProtocol.EvaluateResponse>('evaluate', { expression, context: 'repl' })).body.result;
  assert.equal(await evaluate('mask.shape'), '[3, 50]');
  // The mask is 0/1: its ones and its zeros make up all 150 elements.
  assert.equal(await evaluate('mask.sum() + (1 - mask).sum()'), '150');
  // Step Into reveals dx, which ReLU zeroes where the mask is 1 and passes dout through elsewhere.
  await step(client, 'stepIn');
  assert.equal(await evaluate('(dx * mask).absmax()'), '0');
  assert.equal(await evaluate('(dx - dout * (1 - mask)).absmax()'), '0');
  assert.equal((await step(client, 'continue')).event, 'terminated');
});

test('DAP: train: true debugs the training run; a condition on iteration or a hit count chooses the step; the NaN filter stops the diverging example at its first Infinity', async () => {
  const diverging = resolve('examples/broken/diverging-lr.backprop.yaml');
  // Lines: 12 Affine1, 13 Tanh1, 14 Affine2, 15 the loss (MSE).
  const client = new Client();
  const said = client.mark();
  const { stopped } = await launch(client, [{ line: 12, condition: 'iteration == 1208' }], { spec: diverging, train: true }, ['nonFinite']);
  assert.equal(stopped.body.reason, 'breakpoint');
  const told = await client.event<DebugProtocol.OutputEvent>('output', said);
  assert.equal(told.body.output, 'Debugging the training of diverging-lr: 5000 steps. Steps no breakpoint chooses run unseen; the run panel shows each step the session stops in, and the Train panel the losses up to it, with that step as its snapshot.\n');
  assert.deepEqual(await frames(client), ['forward Affine1 @12', 'forward pass @12', 'diverging-lr · iteration 1208 @1']);
  assert.deepEqual((await variables(client)).map((v) => v.name), ['x', 'W', 'b', 'iteration']);
  const evaluate = async (expression: string) => (await client.request<DebugProtocol.EvaluateResponse>('evaluate', { expression, context: 'repl' })).body.result;
  assert.equal(await evaluate('iteration'), '1208');
  assert.equal(await evaluate('x.shape'), '[16, 8]');
  // Stepping walks that step: Tanh1, Affine2, the loss.
  await step(client, 'next');
  assert.equal((await frames(client))[0], 'forward Tanh1 @13');
  await step(client, 'next');
  assert.equal((await frames(client))[0], 'forward Affine2 @14');
  // Continue: the squared error of step 1208 overflows (the example says so), before the breakpoint's backward.
  const nan = await step(client, 'continue');
  assert.equal(nan.event, 'stopped');
  assert.equal((nan as DebugProtocol.StoppedEvent).body.reason, 'exception');
  assert.equal((nan as DebugProtocol.StoppedEvent).body.text, 'The loss MSE is Infinity, from finite scores: the largest is y[13, 0] = 1.64e154 (iteration 1208)');
  assert.deepEqual(await frames(client), ['loss MSE @15', 'forward pass @12', 'diverging-lr · iteration 1208 @1']);
  assert.equal(await evaluate('loss'), '+Infinity');
  // 1.64e154² is past the float64 maximum, 1.8e308.
  assert.equal(await evaluate('y[13, 0] * y[13, 0]'), '+Infinity');
  assert.equal(await evaluate('y[13, 0] == y.absmax()'), 'true');
  // Its update is not applied and training ends there; the breakpoint's backward of 1208 still stops.
  assert.equal((await step(client, 'continue')).event, 'stopped');
  assert.equal((await frames(client))[0], 'backward Affine1 @12');
  assert.equal((await step(client, 'continue')).event, 'terminated');

  // Hit counts: the loss line is hit once a step, a layer line twice (forward and backward).
  const counted = new Client();
  await launch(counted, [{ line: 15, hitCondition: '% 500' }, { line: 13, hitCondition: '3' }], { spec: diverging, train: true }, []);
  assert.deepEqual(await frames(counted), ['forward Tanh1 @13', 'forward pass @12', 'diverging-lr · iteration 2 @1']);
  assert.equal((await step(counted, 'continue')).event, 'stopped');
  assert.deepEqual(await frames(counted), ['loss MSE @15', 'forward pass @12', 'diverging-lr · iteration 500 @1']);
  assert.equal((await step(counted, 'continue')).event, 'stopped');
  assert.equal((await frames(counted))[2], 'diverging-lr · iteration 1000 @1');
  // Without the NaN filter the run ends at step 1208, where training stops.
  assert.equal((await step(counted, 'continue')).event, 'terminated');
  await counted.request('disconnect', {});

  // A condition on a tensor or the loss needs every step's events: each step is walked, unseen.
  const walked = new Client();
  await launch(walked, [{ line: 15, condition: 'loss > 1e300' }], { spec: diverging, train: true }, []);
  assert.deepEqual(await frames(walked), ['loss MSE @15', 'forward pass @12', 'diverging-lr · iteration 1200 @1']);
  const loss = (await variables(walked)).find((v) => v.name === 'loss')!;
  assert.equal(loss.value, '3.3066345360290875e+300');
  await walked.request('disconnect', {});

  // A spec without a train: section says so.
  const untrained = new Client();
  const launched = await untrained.request<DebugProtocol.LaunchResponse>('launch', { spec: specPath, train: true });
  assert.equal(launched.success, false);
  assert.equal(launched.message, 'This spec has no train: section to debug. Add one, such as train: { iterations: 1000, batch: 100, optimizer: { type: sgd, lr: 0.1 } }');
});

test('DAP: a debugged training feeds a Train session: losses up to each stop, the stopped step as its snapshot (only a stopped one), paused there, cancelled on disconnect', async () => {
  const diverging = resolve('examples/broken/diverging-lr.backprop.yaml');
  /** A view that follows the training as the host's does, and records what the Train panel would hear. */
  const follow = () => {
    const heard: HostToTrainView[] = [];
    let session: TrainSession | undefined;
    const view: DebugRunView = {
      event: () => undefined,
      stopped: (_runId, step, where) => step.iteration !== undefined && session?.pause(step.iteration, where),
      ended: () => undefined,
      training(job) {
        let receive: (msg: JobMessage) => void = () => undefined;
        session = new TrainSession((r) => ((receive = r), job), 'diverging-lr.backprop.yaml', 'file:///diverging-lr', { ringSize: 5, layers: [], onProblems: () => undefined });
        session.attach({ post: (m) => heard.push(m) });
        return (msg) => receive(msg);
      },
    };
    return { view, heard, session: () => session! };
  };
  const lastPosition = (heard: HostToTrainView[]) => heard.filter((m) => m.type === 'trainPosition').at(-1);
  const snapshots = (heard: HostToTrainView[]) => heard.filter((m) => m.type === 'trainSnapshots').at(-1)?.steps;

  // The loss line (15) every 500 steps.
  const counted = follow();
  const client = new Client(engine, counted.view);
  await launch(client, [{ line: 15, hitCondition: '% 500' }], { spec: diverging, train: true }, []);
  const session = counted.session();
  await until(() => snapshots(counted.heard)?.length === 1);
  assert.equal(session.info?.iterations, 5000);
  assert.deepEqual(snapshots(counted.heard), [500]);
  // Step 500's loss is the curve's last point: the losses came before the snapshot.
  const curve = session.history!.wire();
  assert.equal(new Float64Array(curve.lossSteps).at(-1), 500);
  assert.deepEqual(lastPosition(counted.heard), { type: 'trainPosition', runId: session.runId, step: 500, elapsedMs: session.position.elapsedMs, paused: 'loss MSE' });
  // Stepping inside the step stops again in it: the same snapshot, paused further on.
  assert.equal((await step(client, 'next')).event, 'stopped');
  assert.equal(lastPosition(counted.heard)?.type === 'trainPosition' && lastPosition(counted.heard)?.paused, 'backward Affine2');
  assert.equal((await step(client, 'continue')).event, 'stopped');
  await until(() => snapshots(counted.heard)?.length === 2);
  assert.deepEqual(snapshots(counted.heard), [500, 1000]);
  assert.equal(session.position.step, 1000);
  assert.equal(session.running, true);
  await client.request('disconnect', {});
  assert.equal((await session.ended).state, 'cancelled');

  // A condition on the loss walks every step; the Train panel gets only the one the session stops in.
  const walked = follow();
  const walking = new Client(engine, walked.view);
  await launch(walking, [{ line: 15, condition: 'loss > 1e300' }], { spec: diverging, train: true }, []);
  await until(() => snapshots(walked.heard) !== undefined);
  assert.deepEqual(snapshots(walked.heard), [1200]);
  // Without the breakpoint, Continue: step 1208's infinite loss ends the training, its step the snapshot of the first NaN/Inf.
  await walking.request('setBreakpoints', { source: { path: diverging }, breakpoints: [] });
  assert.equal((await step(walking, 'continue')).event, 'terminated');
  const ended = await walked.session().ended;
  assert.equal(ended.state, 'nonFinite');
  assert.deepEqual(snapshots(walked.heard), [1200, 1208]);
  assert.equal(walked.heard.filter((m) => m.type === 'trainNonFinite').length, 1);

  // Cancel in the Train panel (or a Train of the spec) ends the debug session too.
  const cancelled = follow();
  const stopping = new Client(engine, cancelled.view);
  await launch(stopping, [{ line: 15, hitCondition: '% 500' }], { spec: diverging, train: true }, []);
  const mark = stopping.mark();
  cancelled.session().cancel();
  await stopping.event('terminated', mark);
  assert.equal((await cancelled.session().ended).state, 'cancelled');
});
