/**
 * The Compare page's address: `#/compare?runs=a,b,c`. The chosen runs live in the hash so that a
 * comparison can be bookmarked or sent to a colleague and opens as it was left.
 */

/** The runs a compare path names (`/compare`, `/compare?runs=a,b`), or null when it is another page. */
export function parseComparePath(path: string): { runs: string[] } | null {
  const [route = '', query = ''] = path.split('?', 2);
  if (route.replace(/\/+$/, '') !== '/compare') return null;
  // Split before decoding: an id may itself hold an (encoded) comma.
  const raw = query.split('&').find((pair) => pair.startsWith('runs='))?.slice('runs='.length) ?? '';
  const runs: string[] = [];
  for (const part of raw.split(',')) {
    const id = safeDecode(part).trim();
    // The same run twice would be compared with itself; keep the first place it was named.
    if (id !== '' && !runs.includes(id)) runs.push(id);
  }
  return { runs };
}

/** The hash for a comparison of these runs, in this order. */
export function compareHref(runs: readonly string[]): string {
  if (runs.length === 0) return '#/compare';
  return `#/compare?runs=${runs.map((id) => encodeURIComponent(id)).join(',')}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A hand-edited address with a stray '%': take the text as written rather than fail.
    return text;
  }
}
