// The spec language without the engine: parsing, validation and shape inference from the text
// alone. The extension host imports this entry and nothing that builds or runs a network (see
// test/unit/extension-bundle.test.ts); ./index adds the data and the network, for the worker and the CLI.
import type { NetworkSpec, Problem, Spec } from './model';
import { escapedPhrase, specError, thrown } from './problem';
import { parseSpec } from './parse';
import { inferShapes, sourceShape, type LayerShape } from './shapes';

export type * from './model';
export { defaultSpecName, parseSpec, type ParseResult } from './parse';
export { inferShapes, sourceShape, type LayerShape, type ShapeResult } from './shapes';

/** What analyseSpec found: always the problems; the later parts when every step before them succeeded. */
export interface AnalysedSpec {
  /** The parsed spec, or null when parsing found errors. */
  spec: Spec | null;
  /** Every problem from parsing and shape inference (and, with loadSpec's IO, data loading). */
  problems: Problem[];
  /** Layer shapes of a network spec, when they can be inferred (from a static input, or with IO). */
  shapes?: LayerShape[];
}

/**
 * Parses and checks a spec, and infers its layer shapes, which suits editor diagnostics. An input
 * read from a file, or a custom layer (whose output shape is known only by running it), leaves the
 * shapes unknown. Never throws.
 */
export function analyseSpec(text: string, fileName: string): AnalysedSpec {
  const { spec, problems } = parseSpec(text, fileName);
  if (!spec || spec.form === 'graph' || problems.some((p) => p.severity === 'error')) return { spec, problems };
  try {
    return { spec, ...staticShapes(spec, problems) };
  } catch (e) {
    return { spec, problems: [...problems, ...withEscapes([unexpectedProblem(e)])] };
  }
}

/**
 * `problems` and shape inference's, with every layer's shape when the input's shape is known
 * without reading data and inference reached the last layer.
 */
export function staticShapes(spec: NetworkSpec, problems: Problem[]): Pick<AnalysedSpec, 'problems' | 'shapes'> {
  const inputShape = sourceShape(spec.input, 'input');
  if (!inputShape) return { problems };
  const shapes = inferShapes(spec, inputShape);
  const complete = shapes.layers.length === spec.layers.length;
  return { problems: [...problems, ...withEscapes(shapes.problems)], ...(complete && { shapes: shapes.layers }) };
}

/** Problems with what the spec spelled (layer names, say) escaped, as the parser's own are (see escapeControls). */
export function withEscapes(problems: readonly Problem[]): Problem[] {
  return problems.map(escapedPhrase);
}

/** A throw that validation should have made unreachable (an engine constructor still objecting, say), as an error on line 1. */
export function unexpectedProblem(e: unknown): Problem {
  const start = { line: 0, character: 0 };
  return specError({ start, end: start }, 'spec.couldNotLoad', { error: thrown(e) });
}
