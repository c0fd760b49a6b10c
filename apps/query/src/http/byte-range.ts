/**
 * A `Range` header against a representation of `size` bytes (RFC 9110, 14.2), one range only:
 * `bytes=a-b`, `bytes=a-` (to the end), `bytes=-n` (the last n). Answers undefined when there is no
 * header (the whole), the inclusive `{ start, end }` clamped to the size, or 'unsatisfiable' for
 * anything else: a malformed or multi-range header, a start past the end, `-0`, `b < a` (416).
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  // The unit is case-insensitive (RFC 9110, 14.1); whitespace around the numbers is tolerated.
  const match = /^bytes=\s*(\d{0,16})\s*-\s*(\d{0,16})$/i.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return 'unsatisfiable';
  const [first, last] = [match[1] ?? '', match[2] ?? ''];
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || (last !== '' && Number(last) < start)) return 'unsatisfiable';
  return { start, end };
}
