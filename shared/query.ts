/**
 * The library's search language, shared by the renderer (to echo what a query means) and the engine (to run it).
 *
 *   person dog            both tags (juxtaposition is AND)
 *   person OR dog         either tag
 *   person -dog           person, NOT dog (also `NOT dog`, `!dog`)
 *   (cat OR dog) beach    parentheses group
 *   tag:"cell phone"      force a tag (quotes for tags with spaces)
 *   name:holiday "summer 2024"   free text over file names (quoted words are text unless they name a tag)
 *
 * A bare word is a tag when the library knows that tag, else free text over names; the engine resolves that,
 * so the parser stays pure. Precedence: NOT binds tightest, then AND, then OR. The parser never throws: a
 * dangling operator or parenthesis is dropped, so half-typed queries still search.
 */

export type QueryField = 'tag' | 'text' | 'any';
export type QueryNode =
  | { type: 'term'; field: QueryField; value: string }
  | { type: 'and'; items: QueryNode[] }
  | { type: 'or'; items: QueryNode[] }
  | { type: 'not'; item: QueryNode };

type Token = { t: 'word'; field: QueryField; value: string; quoted: boolean } | { t: 'and' | 'or' | 'not' | '(' | ')' };

export function tokenize(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const s = input;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push({ t: c });
      i++;
      continue;
    }
    if ((c === '-' || c === '!') && i + 1 < s.length && !/\s/.test(s[i + 1])) {
      out.push({ t: 'not' });
      i++;
      continue;
    }
    let field: QueryField = 'any';
    const prefix = /^(tag|name|text):/i.exec(s.slice(i));
    if (prefix) {
      field = prefix[1].toLowerCase() === 'tag' ? 'tag' : 'text';
      i += prefix[0].length;
    }
    if (s[i] === '"') {
      const end = s.indexOf('"', i + 1);
      const value = (end < 0 ? s.slice(i + 1) : s.slice(i + 1, end)).trim();
      i = end < 0 ? s.length : end + 1;
      if (value) out.push({ t: 'word', field, value, quoted: true });
      continue;
    }
    let j = i;
    while (j < s.length && !/[\s()"]/.test(s[j])) j++;
    const word = s.slice(i, j);
    i = j;
    if (!word) continue;
    if (field === 'any' && (word === 'AND' || word === '&&')) out.push({ t: 'and' });
    else if (field === 'any' && (word === 'OR' || word === '||' || word === '|')) out.push({ t: 'or' });
    else if (field === 'any' && word === 'NOT') out.push({ t: 'not' });
    else out.push({ t: 'word', field, value: word, quoted: false });
  }
  return out;
}

/** Parse a query; null for an empty one. */
export function parseQuery(input: string): QueryNode | null {
  const toks = tokenize(input);
  let pos = 0;
  const peek = () => toks[pos];

  function parseOr(): QueryNode | null {
    const items: QueryNode[] = [];
    const first = parseAnd();
    if (first) items.push(first);
    while (peek()?.t === 'or') {
      pos++;
      const next = parseAnd();
      if (next) items.push(next);
    }
    return items.length === 0 ? null : items.length === 1 ? items[0] : { type: 'or', items };
  }
  function parseAnd(): QueryNode | null {
    const items: QueryNode[] = [];
    for (;;) {
      const tk = peek();
      if (!tk || tk.t === 'or' || tk.t === ')') break;
      if (tk.t === 'and') {
        pos++;
        continue;
      }
      const u = parseUnary();
      if (u) items.push(u);
    }
    return items.length === 0 ? null : items.length === 1 ? items[0] : { type: 'and', items };
  }
  function parseUnary(): QueryNode | null {
    const tk = toks[pos++];
    if (!tk) return null;
    if (tk.t === 'not') {
      const inner = peek() && peek()!.t !== ')' && peek()!.t !== 'or' ? parseUnary() : null;
      return inner ? (inner.type === 'not' ? inner.item : { type: 'not', item: inner }) : null;
    }
    if (tk.t === '(') {
      const inner = parseOr();
      if (peek()?.t === ')') pos++;
      return inner;
    }
    if (tk.t === 'word') return { type: 'term', field: tk.quoted && tk.field === 'any' ? 'any' : tk.field, value: tk.value };
    return null; // a stray ')' or 'and'
  }

  const out: QueryNode[] = [];
  while (pos < toks.length) {
    const n = parseOr();
    if (n) out.push(n);
    if (peek()?.t === ')') pos++; // unbalanced: skip and keep going
  }
  return out.length === 0 ? null : out.length === 1 ? out[0] : { type: 'and', items: out };
}

/** Shorter words than this are not completed to tags ("p" would match half the vocabulary). */
export const MIN_PREFIX = 2;

/**
 * Decide every 'any' term: a tag when `isTag(value)` says so, else free text. With `tagsWithPrefix`, a word that is
 * not a tag but begins known tags ("pe", "per", "perso") matches them or a name: `(tag:person OR text:pe)`, so a
 * half-typed word already finds what it will find when finished.
 */
export function resolveQuery(
  node: QueryNode | null,
  isTag: (value: string) => boolean,
  tagsWithPrefix?: (value: string) => string[],
): QueryNode | null {
  if (!node) return null;
  switch (node.type) {
    case 'term': {
      if (node.field !== 'any') return node;
      if (isTag(node.value)) return { ...node, field: 'tag' };
      const text: QueryNode = { ...node, field: 'text' };
      const tags = node.value.length >= MIN_PREFIX && tagsWithPrefix ? tagsWithPrefix(node.value) : [];
      return tags.length ? { type: 'or', items: [...tags.map((value): QueryNode => ({ type: 'term', field: 'tag', value })), text] } : text;
    }
    case 'not':
      return { type: 'not', item: resolveQuery(node.item, isTag, tagsWithPrefix)! };
    default:
      return { type: node.type, items: node.items.map((n) => resolveQuery(n, isTag, tagsWithPrefix)!) };
  }
}

/** A canonical, readable form (used in tests and to show the user how a query was understood). */
export function formatQuery(node: QueryNode | null): string {
  if (!node) return '';
  switch (node.type) {
    case 'term': {
      const v = /[\s()"]/.test(node.value) ? `"${node.value.replace(/"/g, '')}"` : node.value;
      return node.field === 'any' ? v : `${node.field}:${v}`;
    }
    case 'not':
      return node.item.type === 'term' ? `NOT ${formatQuery(node.item)}` : `NOT (${formatQuery(node.item)})`;
    case 'and':
      return node.items.map((n) => (n.type === 'or' ? `(${formatQuery(n)})` : formatQuery(n))).join(' AND ');
    case 'or':
      return node.items.map(formatQuery).join(' OR ');
  }
}

/** Every tag a query asks for positively (used to rank by the confidence of the searched tags). */
export function positiveTags(node: QueryNode | null, negated = false): string[] {
  if (!node) return [];
  switch (node.type) {
    case 'term':
      return node.field === 'tag' && !negated ? [node.value] : [];
    case 'not':
      return positiveTags(node.item, !negated);
    default:
      return node.items.flatMap((n) => positiveTags(n, negated));
  }
}

/** A tagged video whose best tag is below this score "needs attention" (a person should look). */
export const LOW_CONFIDENCE = 0.6;
