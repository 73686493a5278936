// The client against docs/openapi.yaml: every operation a merchant or operator calls has a
// method, at the document's method and path. A route added to the document without its
// method here fails this test.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';

import { notClientOperations, operations, Payrail } from '../../src/index.js';
import { iteratorName } from '../../src/operations.js';

const document = parse(readFileSync(new URL('../../../../docs/openapi.yaml', import.meta.url), 'utf8'));
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

// operationId → {method, path} of every operation of the document's paths.
const documented = new Map();
for (const [path, item] of Object.entries(document.paths)) {
  for (const method of METHODS) {
    const op = item[method];
    if (op) documented.set(op.operationId, { method: method.toUpperCase(), path });
  }
}

test('every documented operation has a client method at its method and path', () => {
  assert.ok(documented.size > 30, 'the document was read');
  const missing = [...documented.keys()].filter(
    (id) => !notClientOperations.includes(id) && !(id in operations),
  );
  assert.deepEqual(missing, [], 'operations without a client method (add them to src/operations.js and index.d.ts)');
  for (const [id, op] of Object.entries(operations)) {
    const doc = documented.get(id);
    if (doc) assert.deepEqual({ method: op.method, path: op.path }, doc, id);
  }
});

test('an operation the document does not have yet does not stand in for one it has', () => {
  const routes = new Set([...documented.values()].map((d) => `${d.method} ${d.path}`));
  for (const [id, op] of Object.entries(operations)) {
    if (!documented.has(id)) {
      assert.ok(!routes.has(`${op.method} ${op.path}`), `${id}: the document names this route otherwise`);
    }
  }
});

test('the skipped operations exist, and none is one a merchant calls under /api/v1', () => {
  for (const id of notClientOperations) {
    const doc = documented.get(id);
    assert.ok(doc, `${id} is not in the document`);
    assert.ok(!doc.path.startsWith('/api/v1/'), `${id} is an API route`);
  }
});

test('each operation is a method with the document\'s body and pages, and each list an iterator', () => {
  const client = new Payrail({ fetch: async () => assert.fail('no request') });
  for (const [id, op] of Object.entries(operations)) {
    assert.equal(typeof client[id], 'function', id);
    if (documented.has(id)) {
      const spec = document.paths[op.path][op.method.toLowerCase()];
      const paged = (spec.parameters ?? []).some((p) => p.$ref === '#/components/parameters/Cursor');
      assert.equal(Boolean(op.page), paged, `${id}: page flag`);
      assert.equal(Boolean(op.body), Boolean(spec.requestBody), `${id}: body flag`);
    }
    if (op.page) assert.equal(typeof client[iteratorName(id)], 'function', iteratorName(id));
  }
});
