/**
 * The opaque `cursor` of library.search: where the page before ended (its last row's sort key and id), the total
 * counted on the first page, and a digest of the search it belongs to. A cursor only means something for the same
 * query, sort and filters, so one presented with another search is refused rather than silently misread.
 */
import { createHash } from 'node:crypto';
import type { ParsedRequestOf } from '../../shared/api.ts';
import type { SortPosition } from '../store/browse-repo.ts';
import { EngineError } from './errors.ts';

type SearchRequest = ParsedRequestOf<'library.search'>;

export interface SearchCursor {
  after: SortPosition;
  total: number;
}

/** Everything that decides the matches and their order (paging fields and facets left out): a filter added later counts too. */
function digest(r: SearchRequest): string {
  const { limit: _l, offset: _o, cursor: _c, facets: _f, ...search } = r;
  return createHash('sha256').update(JSON.stringify(search)).digest('base64url').slice(0, 16);
}

export function encodeCursor(r: SearchRequest, c: SearchCursor): string {
  return Buffer.from(JSON.stringify({ k: c.after.key, i: c.after.id, n: c.total, h: digest(r) })).toString('base64url');
}

export function decodeCursor(r: SearchRequest & { cursor: string }): SearchCursor {
  let v: { k?: unknown; i?: unknown; n?: unknown; h?: unknown };
  try {
    v = JSON.parse(Buffer.from(r.cursor, 'base64url').toString('utf8')) as typeof v;
  } catch {
    throw new EngineError('invalid', 'invalid cursor: pass the `next` of the page before, unchanged');
  }
  const keyOk = typeof v?.k === 'string' || (typeof v?.k === 'number' && Number.isFinite(v.k));
  if (!keyOk || !Number.isInteger(v.i) || !Number.isInteger(v.n) || typeof v.h !== 'string') {
    throw new EngineError('invalid', 'invalid cursor: pass the `next` of the page before, unchanged');
  }
  if (v.h !== digest(r))
    throw new EngineError(
      'invalid',
      'this cursor belongs to another search (query, sort or filters changed): start again from the first page',
    );
  return { after: { key: v.k as string | number, id: v.i as number }, total: v.n as number };
}
