import { MENTION_ALL, type MessageBody } from '@parley/sdk';

type Span = NonNullable<MessageBody<'text'>['spans']>[number];

/** The "@word" being typed just before the caret, if any: where its "@" is and what follows it. */
export function mentionQuery(text: string, caret: number): { at: number; query: string } | undefined {
  const m = /(^|\s)@([^\s@]{0,32})$/.exec(text.slice(0, caret));
  if (!m) return undefined;
  return { at: caret - m[2]!.length - 1, query: m[2]! };
}

/**
 * The mentions of a message and their spans: every "@handle" in `content` whose handle was picked from the
 * suggestions (`picked`: handle -> profile id, or MENTION_ALL for "@all"). A mention of a profile becomes a
 * `mention` span over its "@handle" (offsets in code points, as spans count them); "@all" has no span.
 */
export function mentionsIn(content: string, picked: ReadonlyMap<string, string>): { mentions: string[]; spans: Span[] } {
  const mentions = new Set<string>();
  const spans: Span[] = [];
  if (picked.size === 0) return { mentions: [], spans };
  for (const m of content.matchAll(/(^|\s)@([a-z0-9_.-]{1,32})(?![a-z0-9_-])/g)) {
    // A handle may end in ".", a sentence rarely does inside one: "@bob." mentions bob.
    let handle = m[2]!;
    let id = picked.get(handle);
    while (id === undefined && handle.endsWith('.')) id = picked.get((handle = handle.slice(0, -1)));
    if (id === undefined) continue;
    mentions.add(id);
    if (id === MENTION_ALL) continue;
    const at = m.index + m[1]!.length;
    const start = codePoints(content.slice(0, at));
    spans.push({ start, end: start + 1 + codePoints(handle), style: 'mention', userId: id });
  }
  return { mentions: [...mentions], spans: spans.slice(0, 100) };
}

function codePoints(s: string): number {
  return Array.from(s).length;
}
