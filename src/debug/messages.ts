// English templates of what the debug adapter says (src/debug/**): its stop texts and error
// responses, the Call Stack's frame names, the Variables view's tensor summary, the exception
// breakpoint filters and the expression parser's errors, by message id. The Korean is in
// l10n/debug.ko.json, with the same ids and placeholders (test/unit/messages.test.ts). Layer,
// tensor and parameter names, and numbers (formatted), come as arguments.
import type { Catalogue } from '../message';

export const DEBUG_MESSAGES = {
  // The adapter (src/debug/adapter.ts): the launch's console line, breakpoints, evaluate requests.
  'debug.training':
    'Debugging the training of {name}: {iterations} steps. Steps no breakpoint chooses run unseen; the run panel shows each step the session stops in, and the Train panel the losses up to it, with that step as its snapshot.',
  'debug.breakpoint.otherSpec': 'Only the spec being debugged stops',
  'debug.breakpoint.notLayer': 'Breakpoints stop only on a layer line or the loss line',
  'debug.notStopped': 'The run is not stopped: there are no tensors to read',
  'debug.expressionError': '{message} (column {column})',
  'debug.paused': 'Paused: {where}',

  // Where the session is (the top frame, the run panel's "paused at"), and the frames below it.
  'debug.event.forward': 'forward {layer}',
  'debug.event.loss': 'loss {layer}',
  'debug.event.backward': 'backward {layer}',
  'debug.event.check': 'check {layer}.{param}',
  'debug.frame.forward': 'forward pass',
  'debug.frame.backward': 'backward pass',
  'debug.frame.check': 'gradient check',
  'debug.frame.iteration': '{spec} · iteration {iteration}',

  // A tensor in the Variables view: its type and figures (non-finite counts follow as NaN 3, +Inf 1).
  'debug.summary': '{type}  mean {mean}  std {std}  min {min}  max {max}',

  // The exception breakpoint filters (src/debug/stepper.ts), as the Breakpoints view lists them.
  'debug.filter.nonFinite': 'NaN or Inf',
  'debug.filter.nonFinite.description': 'Stop at the first tensor holding NaN or ±Infinity',
  'debug.filter.exploding': 'Exploding gradient',
  'debug.filter.exploding.description': 'Stop where a gradient norm exceeds backprop.health.explodingNorm',
  'debug.filter.deadRelu': 'Dead ReLU',
  'debug.filter.deadRelu.description': 'Stop at a ReLU whose units are dead for the whole batch',
  'debug.filter.checkFailed': 'Gradient check failure',
  'debug.filter.checkFailed.description': 'Stop at a parameter whose gradient check fails',

  // Hit counts and conditions of breakpoints.
  'debug.hit.notCount': "The hit count '{text}' is not a count: write 5, >= 3 or % 10",
  'debug.hit.divideByZero': "The hit count '{text}' divides by 0: write % 1 or more",
  'debug.condition.error': "The condition '{condition}' cannot be evaluated here: {message} (column {column})",
  'debug.condition.notBoolean': "The condition '{condition}' is not true or false here",

  // The NaN-or-Inf filter's stop texts: {value} is NaN, Infinity or -Infinity; {at} an element such as [0, 3], or nothing.
  'debug.nonFinite.tensor': "{value} in {owner}'s {tensor}{at} ({bad} of {count} values are not finite)",
  'debug.nonFinite.owner.check': '{layer}.{param} check',
  'debug.nonFinite.loss': 'The loss {loss} is {value}',
  'debug.nonFinite.loss.overflow': 'The loss {loss} is {value}, from finite scores: the largest is y[{index}] = {largest}',
  'debug.nonFinite.iteration': '{found} (iteration {iteration})',

  // Watch, Debug Console and condition expressions (src/debug/expression.ts): what they are and why they do not parse or evaluate.
  'debug.expr.type.number': 'a number',
  'debug.expr.type.condition': 'a condition',
  'debug.expr.type.tensor': 'a tensor [{shape}]',
  'debug.expr.type.shape': 'a shape',
  'debug.expr.end': 'end of expression',
  'debug.expr.controlCharacter': 'control character U+{code}',
  'debug.expr.unexpected': 'unexpected {token}',
  'debug.expr.expected': "expected '{expected}', found {found}",
  'debug.expr.expectedOperand': "expected a number, a name or '(', found {found}",
  'debug.expr.expectedProperty': "expected a property after '.', found {found}",
  'debug.expr.tooDeep': 'the expression nests deeper than {depth} levels',
  'debug.expr.tooLongChain': 'the expression chains more than {depth} indexings and properties',
  'debug.expr.tooLong': 'the expression is longer than {length} characters',
  'debug.expr.empty': 'empty expression',
  'debug.expr.emptyReduction': '{reduction}() of an empty tensor',
  'debug.expr.undefined': "'{name}' is not defined here",
  'debug.expr.undefined.scope': "'{name}' is not defined here (in scope: {names})",
  'debug.expr.notNeedsCondition': "'!' needs a condition, got {type}",
  'debug.expr.signNeedsNumber': "'{op}' needs a number or a tensor, got {type}",
  'debug.expr.logicLeft': "'{op}' needs conditions, got {type} on its left",
  'debug.expr.logicRight': "'{op}' needs conditions, got {type} on its right",
  'debug.expr.compareNumbers': "'{op}' compares numbers, got {left} and {right}: reduce a tensor first, e.g. dout.absmax() > 1",
  'debug.expr.sameShape': "'{op}' needs tensors of one shape, got [{left}] and [{right}]",
  'debug.expr.arithmetic': "'{op}' needs numbers or tensors, got {left} and {right}",
  'debug.expr.notIndexable': 'only a tensor or a shape can be indexed, got {type}',
  'debug.expr.tooManyIndices': '{count} indices for {axes} axes',
  'debug.expr.tooManyIndices.oneAxis': '{count} indices for {axes} axis',
  'debug.expr.indexNotWhole': 'an index must be a whole number, got {value}',
  'debug.expr.indexOutOfRange': 'index {index} is out of range for axis {axis} of size {size}',
  'debug.expr.shapeNotMethod': 'shape is not a method: write .shape',
  'debug.expr.noShape': '{type} has no shape',
  'debug.expr.unknownProperty': "unknown property '{name}': try {names}",
  'debug.expr.isMethod': '{reduction} is a method: write .{reduction}()',
  'debug.expr.reductionNeedsTensor': '{reduction}() needs a tensor or a number, got {type}',
} as const satisfies Catalogue;

export type DebugMessageId = keyof typeof DEBUG_MESSAGES;
