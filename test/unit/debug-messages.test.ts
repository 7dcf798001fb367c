// The debug adapter's own sentences in the session's language: a Korean session's filters, breakpoint
// messages, stop descriptions, stack frames, tensor summaries and expression errors are Korean, an
// English one's are as before, and every debug.* message is one src/debug says.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { BackpropDebugSession, tensorSummary, type LaunchArguments } from '../../src/debug/adapter';
import { evaluateExpression } from '../../src/debug/expression';
import { DEBUG_MESSAGES } from '../../src/debug/messages';
import { parseHitCondition } from '../../src/debug/stepper';
import { DEFAULT_THRESHOLDS } from '../../src/engine/health-thresholds';
import { fromNested } from '../../src/engine/tensor';
import { EngineClient } from '../../src/extension/engine-client';
import { openDebugRun } from '../../src/extension/debug-run';
import type { Language } from '../../src/message';
import { TINY_SPEC } from './debug-spec';
import { sourcesOf, unwritten } from './catalogue-use';

const folder = mkdtempSync(join(tmpdir(), 'backprop-debug-messages-'));
const specPath = join(folder, 'tiny.backprop.yaml');
writeFileSync(specPath, TINY_SPEC);
// Affine2 doubles row 1's 1e308 in its second column: Infinity in its out[1, 1].
const overflowPath = join(folder, 'overflow.backprop.yaml');
writeFileSync(overflowPath, TINY_SPEC.replace('[[1, -2, 0.5], [0, 3, 1]]', '[[1, -2, 0.5], [1e308, 3, 1]]'));

const engine = new EngineClient({ workerPath: resolve('dist/worker.js'), mnistPath: resolve('dist/mnist-digits.bin'), userCodeLimitMs: () => 10_000, trusted: () => true });
after(() => engine.dispose());

/** A DAP client of an adapter session in `language`, recording what it sends. */
class Client {
  readonly session: BackpropDebugSession;
  private seq = 1;
  private readonly seen: DebugProtocol.ProtocolMessage[] = [];
  private waiters: (() => void)[] = [];

  constructor(language: Language) {
    this.session = new BackpropDebugSession(
      { open: (args) => openDebugRun(engine, { text: readFileSync(args.spec, 'utf8'), fileName: basename(args.spec), folder: dirname(args.spec) }, { check: false, train: args.train === true }, DEFAULT_THRESHOLDS) },
      language,
    );
    this.session.onDidSendMessage((msg) => {
      this.seen.push(msg as DebugProtocol.ProtocolMessage);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  request<R extends DebugProtocol.Response>(command: string, args?: unknown): Promise<R> {
    const seq = this.seq++;
    this.session.handleMessage({ seq, type: 'request', command, arguments: args } as DebugProtocol.Request);
    return this.until((m): m is R => m.type === 'response' && (m as DebugProtocol.Response).request_seq === seq);
  }

  event<E extends DebugProtocol.Event>(event: string, from = 0): Promise<E> {
    return this.until((m): m is E => m.type === 'event' && (m as DebugProtocol.Event).event === event, from);
  }

  mark(): number {
    return this.seen.length;
  }

  private until<M extends DebugProtocol.ProtocolMessage>(match: (m: DebugProtocol.ProtocolMessage) => m is M, from = 0): Promise<M> {
    return new Promise((resolveMatch, rejectMatch) => {
      const timer = setTimeout(() => rejectMatch(new Error('timed out')), 20_000);
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

/** Launches `spec` in `language` with `breakpoints` and exception `filters`; resolves at the first stop. */
async function launch(language: Language, breakpoints: DebugProtocol.SourceBreakpoint[], filters: string[] = [], spec = specPath, train = false) {
  const client = new Client(language);
  const init = await client.request<DebugProtocol.InitializeResponse>('initialize', { adapterID: 'backprop', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  const launched = client.request<DebugProtocol.LaunchResponse>('launch', { spec, train } satisfies LaunchArguments);
  await client.event('initialized');
  const set = await client.request<DebugProtocol.SetBreakpointsResponse>('setBreakpoints', { source: { path: spec }, breakpoints });
  const other = await client.request<DebugProtocol.SetBreakpointsResponse>('setBreakpoints', { source: { path: join(folder, 'other.backprop.yaml') }, breakpoints: [{ line: 5 }] });
  await client.request('setExceptionBreakpoints', { filters });
  const mark = client.mark();
  await client.request('configurationDone');
  assert.equal((await launched).success, true);
  const stopped = await client.event<DebugProtocol.StoppedEvent>('stopped', mark);
  const messages = [...set.body.breakpoints, ...other.body.breakpoints].map((b) => b.message);
  return { client, init, messages, stopped };
}

async function frames(client: Client): Promise<string[]> {
  const r = await client.request<DebugProtocol.StackTraceResponse>('stackTrace', { threadId: 1 });
  return r.body.stackFrames.map((f) => `${f.name} @${f.line}`);
}

async function variables(client: Client): Promise<string[]> {
  const scopes = await client.request<DebugProtocol.ScopesResponse>('scopes', { frameId: 1 });
  const r = await client.request<DebugProtocol.VariablesResponse>('variables', { variablesReference: scopes.body.scopes[0].variablesReference });
  return r.body.variables.map((v) => `${v.name}: ${v.value}`);
}

async function evaluate(client: Client, expression: string): Promise<string> {
  const r = await client.request<DebugProtocol.EvaluateResponse>('evaluate', { expression, context: 'watch' });
  return r.success ? r.body.result : `error: ${r.message}`;
}

async function resume(client: Client): Promise<DebugProtocol.StoppedEvent | DebugProtocol.TerminatedEvent> {
  const mark = client.mark();
  await client.request('continue', { threadId: 1 });
  return Promise.race([client.event<DebugProtocol.StoppedEvent>('stopped', mark), client.event<DebugProtocol.TerminatedEvent>('terminated', mark)]);
}

/** What a session in `language` says from launch to end, over breakpoints on Relu1, a blank line and a bad hit count. */
async function walk(language: Language) {
  const { client, init, messages, stopped } = await launch(language, [{ line: 6 }, { line: 2 }, { line: 7, hitCondition: '% 0' }]);
  const filters = init.body?.exceptionBreakpointFilters?.map((f) => `${f.label}: ${f.description}`);
  const forward = { description: stopped.body.description, frames: await frames(client), variables: await variables(client) };
  const errors = [await evaluate(client, 'dout[0]'), await evaluate(client, 'x > 1'), await evaluate(client, 'x[0].foo()')];
  assert.equal((await resume(client)).event, 'stopped');
  const backward = { frames: await frames(client) };
  assert.equal((await resume(client)).event, 'terminated');
  const notStopped = await evaluate(client, 'x');
  await client.request('disconnect', {});
  return { filters, messages, forward, errors, backward, notStopped };
}

test('a Korean session: filters, breakpoint messages, the stop description, frames, summaries and errors in Korean', async () => {
  const said = await walk('ko');
  assert.deepEqual(said.filters, [
    'NaN 또는 Inf: NaN이나 ±Infinity를 담은 첫 텐서에서 멈춥니다',
    '기울기 폭주: 기울기의 노름이 backprop.health.explodingNorm을 넘는 곳에서 멈춥니다',
    '죽은 ReLU: 미니배치 전체에서 유닛이 죽어 있는 ReLU 계층에서 멈춥니다',
    '기울기 확인 실패: 기울기 확인에 실패한 매개변수에서 멈춥니다',
  ]);
  assert.deepEqual(said.messages, [undefined, '중단점은 계층 줄이나 손실 함수 줄에서만 멈춥니다', "적중 횟수 '% 0'은(는) 0으로 나눕니다: % 1 이상으로 쓰세요", '디버깅 중인 스펙 파일에서만 멈춥니다']);
  assert.deepEqual(said.forward, {
    description: '일시 중지: Relu1 순전파',
    frames: ['Relu1 순전파 @6', '순전파 @5', 'tiny @1'],
    variables: ['x: float64[2, 2]  평균 0.2  표준편차 3.91  최솟값 -5.2  최댓값 5.8'],
  });
  assert.deepEqual(said.errors, [
    "error: 'dout'은(는) 여기서 정의되어 있지 않습니다 (사용할 수 있는 이름: x) (1열)",
    "error: '>'은(는) 숫자를 비교합니다 (받은 값: 텐서 [2, 2], 숫자). 텐서는 먼저 하나의 값으로 줄이세요. 예: dout.absmax() > 1 (3열)",
    "error: 알 수 없는 속성 'foo': shape, sum(), mean(), absmax(), norm(), min(), max() 중 하나를 쓰세요 (6열)",
  ]);
  assert.deepEqual(said.backward.frames, ['Relu1 역전파 @6', '역전파 @7', 'tiny @1']);
  assert.equal(said.notStopped, 'error: 실행이 멈춰 있지 않아 읽을 텐서가 없습니다');
});

test('an English session says what it said before', async () => {
  const said = await walk('en');
  assert.deepEqual(said.filters, [
    'NaN or Inf: Stop at the first tensor holding NaN or ±Infinity',
    'Exploding gradient: Stop where a gradient norm exceeds backprop.health.explodingNorm',
    'Dead ReLU: Stop at a ReLU whose units are dead for the whole batch',
    'Gradient check failure: Stop at a parameter whose gradient check fails',
  ]);
  assert.deepEqual(said.messages, [undefined, 'Breakpoints stop only on a layer line or the loss line', "The hit count '% 0' divides by 0: write % 1 or more", 'Only the spec being debugged stops']);
  assert.deepEqual(said.forward, {
    description: 'Paused: forward Relu1',
    frames: ['forward Relu1 @6', 'forward pass @5', 'tiny @1'],
    variables: ['x: float64[2, 2]  mean 0.2  std 3.91  min -5.2  max 5.8'],
  });
  assert.deepEqual(said.errors, [
    "error: 'dout' is not defined here (in scope: x) (column 1)",
    "error: '>' compares numbers, got a tensor [2, 2] and a number: reduce a tensor first, e.g. dout.absmax() > 1 (column 3)",
    "error: unknown property 'foo': try shape, sum(), mean(), absmax(), norm(), min(), max() (column 6)",
  ]);
  assert.deepEqual(said.backward.frames, ['backward Relu1 @6', 'backward pass @7', 'tiny @1']);
  assert.equal(said.notStopped, 'error: The run is not stopped: there are no tensors to read');
});

test("the stepper's stop texts in Korean: a condition that does not evaluate, the NaN-or-Inf filter", async () => {
  const condition = await launch('ko', [{ line: 6, condition: 'x.sum( > 0' }]);
  assert.equal(condition.stopped.body.text, "조건 'x.sum( > 0'을(를) 여기서 계산할 수 없습니다: ')'이(가) 와야 합니다 (찾은 것: '>') (8열)");
  const info = await condition.client.request<DebugProtocol.ExceptionInfoResponse>('exceptionInfo', { threadId: 1 });
  assert.equal(info.body.description, condition.stopped.body.text);
  await condition.client.request('disconnect', {});

  const nan = await launch('ko', [], ['nonFinite'], overflowPath);
  assert.equal(nan.stopped.body.reason, 'exception');
  assert.equal(nan.stopped.body.description, 'Affine2의 out[1, 1]에 Infinity 값이 있습니다 (값 4개 중 1개가 유한하지 않음)');
  assert.deepEqual(await frames(nan.client), ['Affine2 순전파 · out @7', '순전파 @5', 'tiny @1']);
  await nan.client.request('disconnect', {});
});

test("a Korean training session: the console line, the step's frame, the overflowing loss's stop text", async () => {
  // Lines: 12 Affine1, 13 Tanh1, 14 Affine2, 15 the loss (MSE); step 1208's squared error overflows.
  const diverging = resolve('examples/broken/diverging-lr.backprop.yaml');
  const { client, stopped } = await launch('ko', [{ line: 12, condition: 'iteration == 1208' }], ['nonFinite'], diverging, true);
  assert.equal(stopped.body.reason, 'breakpoint');
  const told = await client.event<DebugProtocol.OutputEvent>('output');
  assert.equal(
    told.body.output,
    'diverging-lr의 학습을 디버깅합니다: 5000단계. 어떤 중단점도 고르지 않은 단계는 보이지 않게 실행됩니다. 실행 패널은 세션이 멈추는 단계를 하나씩 보여 주고, 학습 패널은 그 단계까지의 손실과 그 단계의 스냅숏을 보여 줍니다.\n',
  );
  assert.deepEqual(await frames(client), ['Affine1 순전파 @12', '순전파 @12', 'diverging-lr · 반복 1208 @1']);
  const nan = await resume(client);
  assert.equal(nan.event, 'stopped');
  assert.equal((nan as DebugProtocol.StoppedEvent).body.text, '손실 함수 MSE의 손실 값이 Infinity입니다. 유한한 점수에서 나온 값이며, 가장 큰 점수는 y[13, 0] = 1.64e154입니다 (반복 1208)');
  assert.deepEqual((await frames(client))[0], 'MSE 손실 함수 @15');
  await client.request('disconnect', {});
});

test('the pure functions take a language, English by default', () => {
  const t = fromNested([1, NaN, Infinity, -Infinity]);
  assert.equal(tensorSummary(t), 'float64[4]  mean 1  std 0  min 1  max 1  NaN 1  +Inf 1  −Inf 1');
  assert.equal(tensorSummary(t, 'ko'), 'float64[4]  평균 1  표준편차 0  최솟값 1  최댓값 1  NaN 1  +Inf 1  −Inf 1');
  assert.deepEqual(parseHitCondition('often', 'ko'), { message: "적중 횟수 'often'은(는) 횟수가 아닙니다: 5, >= 3, % 10처럼 쓰세요" });
  assert.deepEqual(parseHitCondition('often'), { message: "The hit count 'often' is not a count: write 5, >= 3 or % 10" });
  const scope = new Map([['W', { kind: 'tensor' as const, tensor: fromNested([[1, 2], [3, 4]]) }]]);
  const failure = (source: string, language?: Language) => {
    const r = evaluateExpression(source, scope, language);
    return r.ok ? 'ok' : r.message;
  };
  assert.equal(failure('(1 + 2', 'ko'), "')'이(가) 와야 합니다 (찾은 것: 식의 끝)");
  assert.equal(failure('(1 + 2'), "expected ')', found end of expression");
  assert.equal(failure('W\n', 'ko'), '예상하지 못한 제어 문자 U+000A');
  assert.equal(failure('W[0, 1, 2]', 'ko'), '축 2개에 인덱스가 3개입니다');
  assert.equal(failure('W.shape.sum()', 'ko'), 'sum()에는 텐서나 숫자가 필요합니다 (받은 값: 형상)');
  assert.equal(failure('  ', 'ko'), '빈 식');
});

test('every debug.* message is one src/debug says', () => {
  assert.deepEqual(unwritten(Object.keys(DEBUG_MESSAGES), sourcesOf(['src/debug'])), []);
});
