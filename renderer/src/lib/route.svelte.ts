/**
 * Hash-based navigation and view state: everything a person sees (view, query, sort, filters) lives in
 * `location.hash`, so a reload, the back button and a bookmark all bring back the same screen. Works the same
 * over file:// (Electron) and http:// (browser mode).
 */
import { isDateBound } from '../../../shared/date-range.ts';

export type View = 'library' | 'video' | 'settings' | 'compare' | 'train' | 'tags' | 'review';

export const SORTS = ['name', 'date', 'recorded', 'added', 'duration', 'resolution', 'size', 'confidence'] as const;
/** Minimum resolutions offered, as lines on the short side ('' = any). */
export const RESOLUTIONS = ['720', '1080', '2160'] as const;

export interface LibraryState {
  q: string;
  sort: (typeof SORTS)[number];
  dir: 'asc' | 'desc';
  folder: string;
  /** minimum tag confidence in percent ('' = any) */
  conf: string;
  min: string;
  max: string;
  attention: boolean;
  /** date recorded and date added between two days (YYYY-MM-DD, '' = open) */
  recFrom: string;
  recTo: string;
  addedFrom: string;
  addedTo: string;
  /** minimum resolution, lines on the short side ('' = any) */
  res: string;
  /** file size between two sizes, in MB ('' = open) */
  sizeMin: string;
  sizeMax: string;
}

export const DEFAULT_LIBRARY: LibraryState = {
  q: '',
  sort: 'name',
  dir: 'asc',
  folder: '',
  conf: '',
  min: '',
  max: '',
  attention: false,
  recFrom: '',
  recTo: '',
  addedFrom: '',
  addedTo: '',
  res: '',
  sizeMin: '',
  sizeMax: '',
};

/** The state kept in the URL that is a date: only a real YYYY-MM-DD (a hand-edited URL must not break the search). */
const dayParam = (v: string | null): string => (v && /^\d{4}-\d{2}-\d{2}$/.test(v) && isDateBound(v) ? v : '');
const numParam = (v: string | null): string => (v && /^\d+(\.\d+)?$/.test(v) ? v : '');

/** Where a video's page starts: `#/video/12?tag=person` (that tag's best moment) or `?t=12.5` (seconds). */
export interface VideoStart {
  tag: string | null;
  t: number | null;
}

function parse(hash: string): { view: View; id: number | null; lib: LibraryState; start: VideoStart } {
  const h = hash.replace(/^#\/?/, '');
  const [p, qs = ''] = h.split('?');
  const sp = new URLSearchParams(qs);
  const parts = p.split('/');
  const view: View =
    parts[0] === 'video' && /^\d+$/.test(parts[1] ?? '')
      ? 'video'
      : parts[0] === 'settings'
        ? 'settings'
        : parts[0] === 'compare'
          ? 'compare'
          : parts[0] === 'train'
            ? 'train'
            : parts[0] === 'review'
              ? 'review'
              : parts[0] === 'tags'
                ? 'tags'
                : 'library';
  const sort = sp.get('sort');
  return {
    view,
    id: view === 'video' ? Number(parts[1]) : null,
    start: { tag: sp.get('tag'), t: sp.get('t') !== null && Number.isFinite(Number(sp.get('t'))) ? Number(sp.get('t')) : null },
    lib: {
      q: sp.get('q') ?? '',
      sort: (SORTS as readonly string[]).includes(sort ?? '') ? (sort as LibraryState['sort']) : 'name',
      dir: sp.get('dir') === 'desc' ? 'desc' : 'asc',
      folder: sp.get('folder') ?? '',
      conf: /^\d{1,2}$/.test(sp.get('conf') ?? '') ? sp.get('conf')! : '',
      min: sp.get('min') ?? '',
      max: sp.get('max') ?? '',
      attention: sp.get('attention') === '1',
      recFrom: dayParam(sp.get('recFrom')),
      recTo: dayParam(sp.get('recTo')),
      addedFrom: dayParam(sp.get('addedFrom')),
      addedTo: dayParam(sp.get('addedTo')),
      res: (RESOLUTIONS as readonly string[]).includes(sp.get('res') ?? '') ? sp.get('res')! : '',
      sizeMin: numParam(sp.get('sizeMin')),
      sizeMax: numParam(sp.get('sizeMax')),
    },
  };
}

export function libraryHash(s: LibraryState): string {
  const sp = new URLSearchParams();
  if (s.q) sp.set('q', s.q);
  if (s.sort !== 'name') sp.set('sort', s.sort);
  if (s.dir !== 'asc') sp.set('dir', s.dir);
  if (s.folder) sp.set('folder', s.folder);
  if (s.conf) sp.set('conf', s.conf);
  if (s.min) sp.set('min', s.min);
  if (s.max) sp.set('max', s.max);
  if (s.attention) sp.set('attention', '1');
  for (const k of ['recFrom', 'recTo', 'addedFrom', 'addedTo', 'res', 'sizeMin', 'sizeMax'] as const) if (s[k]) sp.set(k, s[k]);
  const qs = sp.toString();
  return `#/library${qs ? `?${qs}` : ''}`;
}

class Router {
  view: View = $state('library');
  id: number | null = $state(null);
  lib: LibraryState = $state({ ...DEFAULT_LIBRARY });
  /** the video page's starting point, from its hash */
  start: VideoStart = $state({ tag: null, t: null });
  /** The library hash last shown, so "back to library" returns to the same search. */
  lastLibraryHash = '#/library';
  /** The video the person just came back from (library focuses its card), else null. */
  returnFrom: number | null = $state(null);
  /** Where the library grid was scrolled to, per library hash, so coming back from a video restores it. */
  scrollOf = new Map<string, number>();

  constructor() {
    this.read();
    window.addEventListener('hashchange', () => this.read());
  }

  private read() {
    const r = parse(location.hash);
    this.returnFrom = r.view === 'library' && this.view === 'video' ? this.id : null;
    this.view = r.view;
    this.id = r.id;
    this.start = r.start;
    if (r.view === 'library') {
      this.lib = r.lib;
      this.lastLibraryHash = location.hash || '#/library';
    }
  }

  go(hash: string) {
    if (location.hash !== hash) location.hash = hash;
  }

  /** Update library state; replaces the history entry so typing does not flood the back button. */
  setLibrary(patch: Partial<LibraryState>) {
    const next = { ...this.lib, ...patch };
    const hash = libraryHash(next);
    this.lib = next;
    this.lastLibraryHash = hash;
    history.replaceState(history.state, '', hash);
  }
}

export const router = new Router();
