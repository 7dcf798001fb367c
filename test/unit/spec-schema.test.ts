// The shipped JSON Schema agrees with the parser: same keys, same names, a description everywhere.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { GRAPH_OPS, GRAPH_SPEC_KEYS } from '../../src/spec/parse-graph';
import { LAYER_KEYS, LAYER_TYPES, LOSS_TYPES, NETWORK_KEYS, PYTHON_LAYER_KEYS } from '../../src/spec/parse-network';
import { PYTHON_KEYS } from '../../src/spec/parse-python';
import { COMPARE_KEYS } from '../../src/spec/parse-compare';

interface SchemaNode {
  description?: string;
  properties?: Record<string, SchemaNode>;
  [key: string]: unknown;
}

const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'schemas', 'backprop.schema.json'), 'utf8'));
const defs: Record<string, SchemaNode> = schema.definitions;

test('draft-07, with the network or graph form chosen by the graph key', () => {
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.deepEqual(schema.if, { required: ['graph'] });
  assert.deepEqual([schema.then.$ref, schema.else.$ref], ['#/definitions/graphSpec', '#/definitions/networkSpec']);
});

test('every property has a description, and every $ref resolves', () => {
  const missing: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) return node.forEach((item, i) => walk(item, `${path}[${i}]`));
    if (!node || typeof node !== 'object') return;
    const n = node as SchemaNode;
    if (typeof n.$ref === 'string') assert.ok(n.$ref.replace('#/definitions/', '') in defs, `${path}: ${n.$ref}`);
    for (const [key, value] of Object.entries(n.properties ?? {})) {
      if (!value.description) missing.push(`${path}.${key}`);
    }
    for (const [key, value] of Object.entries(n)) walk(value, `${path}.${key}`);
  };
  walk(schema, '#');
  assert.deepEqual(missing, []);
});

test('keys and names match the parser', () => {
  const keys = (node: SchemaNode) => Object.keys(node.properties ?? {}).sort();
  assert.deepEqual(keys(defs.networkSpec), [...NETWORK_KEYS].sort());
  assert.deepEqual(keys(defs.graphSpec), [...GRAPH_SPEC_KEYS].sort());
  const layerObject = (defs.layer.anyOf as SchemaNode[])[1];
  assert.deepEqual(keys(layerObject), [...LAYER_KEYS].sort());
  assert.deepEqual(defs.layerType.enum, LAYER_TYPES);
  assert.deepEqual((defs.networkSpec.properties!.loss.anyOf as SchemaNode[])[0].enum, [...LOSS_TYPES, null]);
  assert.deepEqual(keys(defs.pythonLayer), [...PYTHON_LAYER_KEYS].sort());
  assert.deepEqual(keys(defs.pythonLoss), ['type', ...PYTHON_KEYS].sort());
  assert.deepEqual(keys(defs.pythonNode), ['name', 'op', 'in', ...PYTHON_KEYS].sort());
  assert.deepEqual(defs.node.properties!.op.enum, GRAPH_OPS);
  assert.deepEqual(keys(defs.input), ['count', 'data', 'dataset', 'file', 'offset', 'random', 'shape', 'split']);
  assert.deepEqual(keys(defs.target), ['data', 'dataset', 'file', 'labels', 'random']);
  assert.deepEqual(keys(defs.weights), ['W', 'b', 'beta', 'gamma']);
  assert.deepEqual(keys(defs.networkSpec.properties!.compare), [...COMPARE_KEYS].sort());
  // A custom layer's params take any name but dx, each valued like a weight.
  assert.deepEqual([defs.customParams.additionalProperties, defs.customParams.propertyNames], [{ $ref: '#/definitions/param' }, { not: { const: 'dx' } }]);
  assert.equal((layerObject.properties!.params as SchemaNode).$ref, '#/definitions/customParams');
});
