// English templates of what the engine tells people (findings, gradient-check summaries, custom and
// Python layer errors), by message id. The Korean is in l10n/engine.ko.json, with the same ids and
// placeholders (test/unit/messages.test.ts). Each sentence shape is a template of its own, so a
// translation orders the words its own way; numbers come formatted, as text.
import { fillTemplate, type Catalogue, type Message, type MessageArgs } from '../message';

/** What a custom layer's module must be, as messages say it. */
const CONTRACT = 'export a class or an object with forward(x) and backward(dout)';
/** How to pick another Python, as messages say it. */
const CHOOSE = 'set backprop.python.path (or BACKPROP_PYTHON for the CLI) to another interpreter';
/** An example train: section, as messages give it. */
const TRAIN_EXAMPLE = 'train: { iterations: 1000, batch: 100, optimizer: { type: sgd, lr: 0.1 } }';

export const ENGINE_MESSAGES = {
  // Gradient-health findings (src/engine/health.ts).
  'engine.nan.input': "{value} first appears in {layer}'s input ({bad} of {total} values)",
  'engine.nan.input.both': "NaN and Infinity first appear in {layer}'s input ({bad} of {total} values)",
  'engine.nan.tensor': "{value} first appears in {layer}'s {tensor} ({bad} of {total} values)",
  'engine.nan.tensor.both': "NaN and Infinity first appear in {layer}'s {tensor} ({bad} of {total} values)",
  'engine.nan.activation': "{value} first appears in {layer}'s activation ({bad} of {total} values)",
  'engine.nan.activation.both': "NaN and Infinity first appear in {layer}'s activation ({bad} of {total} values)",
  'engine.nan.prediction': "{value} first appears in the loss {loss}'s prediction ({bad} of {total} values)",
  'engine.nan.prediction.both': "NaN and Infinity first appear in the loss {loss}'s prediction ({bad} of {total} values)",
  'engine.nan.loss': '{value} first appears in the loss {loss}',
  'engine.deadRelu.units': '{layer}: {dead} of {total} units ({percent}) are dead for the whole batch',
  'engine.deadRelu.filters': '{layer}: {dead} of {total} filters ({percent}) are dead for the whole batch',
  'engine.deadRelu.units.bias':
    "{layer}: {dead} of {total} units ({percent}) are dead for the whole batch; {affine}'s bias {bias} holds them below 0: without it, {revived} of the {masked} would fire",
  'engine.deadRelu.units.biases':
    "{layer}: {dead} of {total} units ({percent}) are dead for the whole batch; {affine}'s negative biases (down to {bias}) hold them below 0: without them, {revived} of the {masked} would fire",
  'engine.saturated': '{layer}: {saturated} of {total} outputs ({percent}) are saturated ({slope} < {epsilon})',
  'engine.exploding': '{layer}: {grad} has L2 norm {norm}, above {limit}: the gradient is exploding',
  'engine.exploding.init':
    "{layer}: {grad} has L2 norm {norm}, above {limit}: the gradient is exploding; {cause}'s init widens the spread of its input {gain}× (W std {std}, fan-in {fanIn})",
  'engine.vanishing': '{layer}: {grad} has L2 norm {norm}, below {limit}: the gradient is vanishing',
  'engine.vanishing.init':
    "{layer}: {grad} has L2 norm {norm}, below {limit}: the gradient is vanishing; {cause}'s init shrinks the spread of its input to {gain}× (W std {std}, fan-in {fanIn})",
  'engine.vanishing.batchnorm':
    '{layer}: {grad} has L2 norm {norm}, below {limit}: {batchnorm} gets the same dout on every row (a network without a loss backpropagates ones), and BatchNorm passes that back as 0; a loss gives real gradients',

  // A failed gradient check's summary (the check-failed finding).
  'engine.check.failed': '{layer}.{param}: gradient check failed at {failures} of {total} elements (max rel error {error})',
  'engine.check.failed.kink': '{layer}.{param}: gradient check failed at {failures} of {total} elements (max rel error {error}); {kinks} non-differentiable point not counted',
  'engine.check.failed.kinks': '{layer}.{param}: gradient check failed at {failures} of {total} elements (max rel error {error}); {kinks} non-differentiable points not counted',
  'engine.check.failed.worst':
    '{layer}.{param}: gradient check failed at {failures} of {total} elements (max rel error {error}); worst {param}[{index}]: backprop {analytic}, numerical {numerical}',
  'engine.check.failed.worst.kink':
    '{layer}.{param}: gradient check failed at {failures} of {total} elements (max rel error {error}); worst {param}[{index}]: backprop {analytic}, numerical {numerical}; {kinks} non-differentiable point not counted',
  'engine.check.failed.worst.kinks':
    '{layer}.{param}: gradient check failed at {failures} of {total} elements (max rel error {error}); worst {param}[{index}]: backprop {analytic}, numerical {numerical}; {kinks} non-differentiable points not counted',

  // A custom (JavaScript or Python) layer's code, as it is constructed (src/engine/layers/custom.ts).
  'engine.custom.exportThrew': "{layer}: reading the module's export threw: {reason}",
  'engine.custom.constructThrew': "{layer}: constructing the module's class threw: {reason}",
  'engine.custom.methodsThrew': "{layer}: reading the layer's methods threw: {reason}",
  'engine.custom.paramsThrew': '{layer}: reading this.params threw: {reason}',
  'engine.custom.paramsNotObject': '{layer}: this.params must be an object of tensors, got {value}',
  'engine.custom.paramNamedDx': "{layer}: a parameter cannot be named dx, which names the layer's input gradient",
  'engine.custom.exportNotClass': `{layer}: the module exports a function that is not a class; ${CONTRACT}`,
  'engine.custom.exportNotLayer': `{layer}: the module exports {value}; ${CONTRACT}`,
  'engine.custom.methodNotFunction': "{layer}: the module's {method} is {value}, not a function {signature}",
  'engine.custom.moduleNoMethod': `{layer}: the module has no {signature}; ${CONTRACT}`,
  'engine.custom.moduleNoMethod.near': "{layer}: the module has no {signature} — did you mean '{near}'?",
  'engine.custom.classNoMethod': `{layer}: the class has no {signature}; ${CONTRACT}`,
  'engine.custom.classNoMethod.near': "{layer}: the class has no {signature} — did you mean '{near}'?",

  // A custom layer's calls, and what they give back.
  'engine.custom.threw': '{layer}.{method} threw: {reason}',
  'engine.custom.resultThrew': '{layer}.{method} returned a value that threw as it was read: {reason}',
  'engine.custom.checkThrew': "{layer}: the gradient check's calls threw: {reason}",
  'engine.custom.dxShape': '{layer}.backward returned dx of shape {shape}; its input x had shape {inShape}',
  'engine.custom.gradsNotObject': '{layer}.backward set this.grads to {value}; leave it an object and set this.grads.NAME',
  'engine.custom.noGrad': '{layer}.backward set no gradient for {param}: set this.grads.{param}',
  'engine.custom.gradShape': '{layer}.backward set this.grads.{param} of shape {shape}; {param} has shape {paramShape}',

  // Something a custom layer's code gave that is not a tensor: one template per place and fault.
  'engine.custom.param.notTensor': '{layer}: this.params.{param} is {value}, not a tensor { shape, data }',
  'engine.custom.param.badShape': '{layer}: this.params.{param} is a tensor whose shape is {value}, not a list of sizes such as [2, 3]',
  'engine.custom.param.badData': '{layer}: this.params.{param} is a tensor whose data is {value}, not a Float64Array',
  'engine.custom.param.overLimit': '{layer}: this.params.{param} is a tensor of shape {shape}: {count} elements, over the limit of {limit} (limits.maxElements)',
  'engine.custom.param.wrongSize': '{layer}: this.params.{param} is a tensor of shape {shape} with {count} values; it needs {size}',
  'engine.custom.forward.notTensor': '{layer}.forward returned {value}, not a tensor { shape, data }',
  'engine.custom.forward.badShape': '{layer}.forward returned a tensor whose shape is {value}, not a list of sizes such as [2, 3]',
  'engine.custom.forward.badData': '{layer}.forward returned a tensor whose data is {value}, not a Float64Array',
  'engine.custom.forward.overLimit': '{layer}.forward returned a tensor of shape {shape}: {count} elements, over the limit of {limit} (limits.maxElements)',
  'engine.custom.forward.wrongSize': '{layer}.forward returned a tensor of shape {shape} with {count} values; it needs {size}',
  'engine.custom.backward.notTensor': '{layer}.backward returned {value}, not a tensor { shape, data }',
  'engine.custom.backward.badShape': '{layer}.backward returned a tensor whose shape is {value}, not a list of sizes such as [2, 3]',
  'engine.custom.backward.badData': '{layer}.backward returned a tensor whose data is {value}, not a Float64Array',
  'engine.custom.backward.overLimit': '{layer}.backward returned a tensor of shape {shape}: {count} elements, over the limit of {limit} (limits.maxElements)',
  'engine.custom.backward.wrongSize': '{layer}.backward returned a tensor of shape {shape} with {count} values; it needs {size}',
  'engine.custom.grad.notTensor': '{layer}.backward set this.grads.{param} to {value}, not a tensor { shape, data }',
  'engine.custom.grad.badShape': '{layer}.backward set this.grads.{param} to a tensor whose shape is {value}, not a list of sizes such as [2, 3]',
  'engine.custom.grad.badData': '{layer}.backward set this.grads.{param} to a tensor whose data is {value}, not a Float64Array',
  'engine.custom.grad.overLimit': '{layer}.backward set this.grads.{param} to a tensor of shape {shape}: {count} elements, over the limit of {limit} (limits.maxElements)',
  'engine.custom.grad.wrongSize': '{layer}.backward set this.grads.{param} to a tensor of shape {shape} with {count} values; it needs {size}',

  // Warnings: the code wrote into a copy it was handed (the book's in-place dout bug).
  'engine.custom.changedInput.one': '{layer}.{method} changed its input {name} at {count} element; return a new tensor',
  'engine.custom.changedInput.many': '{layer}.{method} changed its input {name} at {count} elements; return a new tensor',
  'engine.custom.changedParam.one': '{layer}.{method} changed its parameter {name} at {count} element; return a new tensor',
  'engine.custom.changedParam.many': '{layer}.{method} changed its parameter {name} at {count} elements; return a new tensor',
  'engine.python.changedInput.one': '{layer}.{method} changed its input {name} at {count} element; return a new array',
  'engine.python.changedInput.many': '{layer}.{method} changed its input {name} at {count} elements; return a new array',
  'engine.python.changedParam.one': '{layer}.{method} changed its parameter {name} at {count} element; return a new array',
  'engine.python.changedParam.many': '{layer}.{method} changed its parameter {name} at {count} elements; return a new array',
  'engine.loss.changedInput.one': '{layer}.{method} changed its input {name} at {count} element; work on a copy',
  'engine.loss.changedInput.many': '{layer}.{method} changed its input {name} at {count} elements; work on a copy',

  // Loading modules and Python classes (src/worker).
  'engine.module.noFile': 'there is no file {file}',
  'engine.module.unprintable': 'it threw a value that cannot be shown as text',
  'engine.python.noClass': '{module} has no class {className}',
  'engine.python.noClass.near': "{module} has no class {className} — did you mean '{near}'?",
  'engine.python.noClass.others': '{module} has no class {className}; it has {classes}',
  'engine.python.noMethod': '{className} has no {signature}',
  'engine.python.noMethod.near': "{className} has no {signature} — did you mean '{near}'?",
  'engine.python.gradients.one': '{className}.backward returned {count} gradient; its forward took {inputs} inputs',
  'engine.python.gradients.many': '{className}.backward returned {count} gradients; its forward took {inputs} inputs',
  'engine.python.nodeFailed': '{node} ({call}): {reason}',
  'engine.python.needsPosix': 'Python layers need Linux or macOS for now (the bridge talks over FIFOs)',
  'engine.python.notFound': `cannot start Python: '{python}' was not found; install Python 3 with numpy, or ${CHOOSE}`,
  'engine.python.exitedAtStart': `'{python}' exited as it started; ${CHOOSE}`,
  'engine.python.exitedAtStart.said': `'{python}' exited as it started ({said}); ${CHOOSE}`,
  'engine.python.startTimeout': `'{python}' did not start within {seconds} s; ${CHOOSE}`,
  'engine.python.startTimeout.said': `'{python}' did not start within {seconds} s ({said}); ${CHOOSE}`,
  'engine.python.noNumpy': `'{python}' (Python {version}, {executable}) has no numpy; install it (pip install numpy), or ${CHOOSE}`,
  'engine.python.closed': 'the Python process was closed',
  'engine.python.ended': 'the Python process stopped: it ended',
  'engine.python.ended.said': 'the Python process stopped: it ended; its last output: {said}',
  'engine.python.writeFailed': 'the Python process stopped: writing to it failed ({code})',
  'engine.python.writeFailed.said': 'the Python process stopped: writing to it failed ({code}); its last output: {said}',

  // Jobs the spec cannot do (src/worker/train.ts, src/worker/debug.ts).
  'engine.train.noSection': `This spec has no train: section. Add one, such as ${TRAIN_EXAMPLE}`,
  'engine.train.noLoss': 'Training needs a loss: add loss: softmax-with-loss (or mse) to the spec',
  'engine.debug.noSection': `This spec has no train: section to debug. Add one, such as ${TRAIN_EXAMPLE}`,
  'engine.debug.noLoss': 'Training needs a loss and targets: add loss: softmax-with-loss (or mse) and a target: to the spec',

  // A call into user code that overran, or ended the engine's thread (src/call-clock.ts). {call} is
  // the call, as "Loop1.forward", "Loop1 (check)", or one of the phrases here.
  'engine.call.loading': 'loading {module}',
  'engine.call.loadingModule': "loading {layer}'s module",
  'engine.call.constructing': 'constructing {layer}',
  'engine.call.overrun': '{call} did not return within {seconds} s, so the engine was stopped',
  'engine.call.exit': "{call} called process.exit({code}), which ended the engine's thread",
  'engine.call.exit.after': "custom code, after {call} had returned, called process.exit({code}), which ended the engine's thread",
  'engine.call.stalled': '{call} never finished: it awaits a promise that nothing settles (a top-level await?)',
  'engine.call.memory': 'the engine ran out of memory while {call} ran',
  'engine.call.memory.after': 'the engine ran out of memory after {call} had returned',
  'engine.call.error': 'custom code failed while {call} ran, with an error nothing caught (a rejected promise nobody handled, or a throw in a timer): {error}',
  'engine.call.error.after': 'custom code failed after {call} had returned, with an error nothing caught (a rejected promise nobody handled, or a throw in a timer): {error}',
} as const satisfies Catalogue;

/** A message id of the engine's catalogue: a misspelt one does not compile. */
export type EngineMessageId = keyof typeof ENGINE_MESSAGES;

/** The `{name}` placeholders of template `T` (braces around other text, `{ shape, data }`, are not placeholders). */
type Placeholders<T extends string> = T extends `${string}{${infer Name}}${infer Rest}`
  ? (Name extends `${string}${' ' | ',' | ':' | '{'}${string}` | '' ? never : Name) | Placeholders<Rest>
  : never;

/** What fills message `K`'s placeholders: every one of them, as text. */
export type EngineArgs<K extends EngineMessageId> = Readonly<Record<Placeholders<(typeof ENGINE_MESSAGES)[K]>, string>>;

/** An engine message with its English text, as records and errors carry it. */
export interface EngineText extends Message {
  id: EngineMessageId;
  /** The message in English: what logs, tests and the fallback show. */
  message: string;
}

/** Message `id` with `args`, and its English text. */
export function engineMessage<K extends EngineMessageId>(id: K, args: EngineArgs<K>): EngineText {
  return engineMessageOf(id, args);
}

/** engineMessage for an id picked at run time, whose arguments the compiler cannot check. */
export function engineMessageOf(id: EngineMessageId, args: MessageArgs): EngineText {
  return { id, args, message: fillTemplate(ENGINE_MESSAGES[id], args) };
}

/** An error whose text is an engine message, so the edge can show it in the user's language. */
export class EngineError extends Error implements EngineText {
  readonly id: EngineMessageId;
  readonly args: MessageArgs;

  constructor(text: EngineText, options?: ErrorOptions) {
    super(text.message, options);
    this.id = text.id;
    this.args = text.args;
  }
}
