// The search language: parsing, precedence, resolution of bare words into tags or file-name text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatQuery, parseQuery, positiveTags, resolveQuery } from '../../shared/query.ts';

const tags = new Set(['person', 'dog', 'cat', 'cell phone']);
const q = (s: string) => formatQuery(resolveQuery(parseQuery(s), (v) => tags.has(v.toLowerCase())));

test('bare words become tags when the library knows them, else text', () => {
  assert.equal(q('person'), 'tag:person');
  assert.equal(q('holiday'), 'text:holiday');
  assert.equal(q('person holiday'), 'tag:person AND text:holiday');
  assert.equal(q('"cell phone"'), 'tag:"cell phone"');
});

test('AND, OR, NOT with the usual precedence', () => {
  assert.equal(q('person OR dog cat'), 'tag:person OR tag:dog AND tag:cat');
  assert.deepEqual(parseQuery('a OR b c'), {
    type: 'or',
    items: [
      { type: 'term', field: 'any', value: 'a' },
      {
        type: 'and',
        items: [
          { type: 'term', field: 'any', value: 'b' },
          { type: 'term', field: 'any', value: 'c' },
        ],
      },
    ],
  });
  assert.equal(q('(person OR dog) cat'), '(tag:person OR tag:dog) AND tag:cat');
  assert.equal(q('person -dog'), 'tag:person AND NOT tag:dog');
  assert.equal(q('person NOT dog'), 'tag:person AND NOT tag:dog');
  assert.equal(q('person AND !dog'), 'tag:person AND NOT tag:dog');
  assert.equal(q('NOT NOT dog'), 'tag:dog');
  assert.equal(q('person || dog'), 'tag:person OR tag:dog');
});

test('explicit fields win over resolution', () => {
  assert.equal(q('name:person'), 'text:person');
  assert.equal(q('tag:sunset'), 'tag:sunset');
  assert.equal(q('tag:"cell phone" -name:"my clip"'), 'tag:"cell phone" AND NOT text:"my clip"');
});

test('half-typed and hostile queries never throw', () => {
  for (const s of ['', '   ', '(', ')', 'person (', 'OR', 'AND AND', '-', 'NOT', '"unterminated', 'a ) b', '((((', 'tag:', '"""']) {
    assert.doesNotThrow(() => q(s), s);
  }
  assert.equal(parseQuery(''), null);
  assert.equal(q('person ('), 'tag:person');
  assert.equal(q('a ) b'), 'text:a AND text:b');
  assert.equal(q('person OR'), 'tag:person');
  assert.equal(q("x'; DROP TABLE videos; --"), "text:x'; AND text:DROP AND text:TABLE AND text:videos; AND NOT text:-");
});

test('positive tags ignore negated ones', () => {
  assert.deepEqual(positiveTags(resolveQuery(parseQuery('person -dog (cat OR NOT holiday)'), (v) => tags.has(v))), ['person', 'cat']);
});
