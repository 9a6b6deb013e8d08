// The bounds of the date filters: a bare day is the whole local day, a moment is itself, and what is not a real date
// is refused at the API boundary (library.search) instead of matching nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequest } from '../../shared/api.ts';
import { isDateBound, rangeEnd, rangeStart } from '../../shared/date-range.ts';

test('a day runs from its local midnight to the next one', () => {
  assert.equal(rangeStart('2021-06-01'), new Date(2021, 5, 1).toISOString());
  assert.equal(rangeEnd('2021-06-01'), new Date(2021, 5, 2).toISOString());
  // the last day of a month and of a year roll over
  assert.equal(rangeEnd('2021-12-31'), new Date(2022, 0, 1).toISOString());
});

test('a moment is kept itself: from it inclusive, up to it inclusive', () => {
  assert.equal(rangeStart('2021-06-01T10:00:00Z'), '2021-06-01T10:00:00.000Z');
  assert.equal(rangeEnd('2021-06-01T10:00:00Z'), '2021-06-01T10:00:00.001Z');
  // zones with or without a colon (QuickTime writes +0200)
  assert.equal(rangeStart('2021-06-01T12:00:00+0200'), '2021-06-01T10:00:00.000Z');
  assert.equal(rangeStart('2021-06-01T12:00:00+02:00'), '2021-06-01T10:00:00.000Z');
});

test('impossible dates are not dates, and the API refuses them', () => {
  for (const bad of ['2021-02-30', '2021-13-01', 'yesterday', '']) assert.equal(isDateBound(bad), false, bad);
  for (const bad of ['2021-02-30', '2021-13-01', 'yesterday', '2021-6-1', '', '2021-06-01 10:00'])
    assert.throws(() => parseRequest('library.search', { recordedFrom: bad }), /date/, bad);
  const r = parseRequest('library.search', { recordedFrom: '2021-06-01', addedTo: '2024-01-10T08:00:00Z', minResolution: 1080 });
  assert.equal(r.recordedFrom, '2021-06-01');
  assert.equal(r.addedTo, '2024-01-10T08:00:00Z');
  assert.equal(r.minResolution, 1080);
  assert.equal(parseRequest('library.search', { sort: 'recorded' }).sort, 'recorded');
});
