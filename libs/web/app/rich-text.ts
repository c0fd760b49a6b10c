import type { MessageBody } from '@parley/sdk';

export type Span = NonNullable<MessageBody<'text'>['spans']>[number];
export type SpanStyle = Span['style'];

/** A stretch of a text message with the same formatting throughout. */
export interface Run {
  text: string;
  styles: ReadonlySet<SpanStyle>;
  /** The link it is part of (http or https only). */
  href: string | undefined;
  /** The profile it mentions. */
  userId: string | undefined;
}

/**
 * Cuts `content` into runs at every span edge (spans count code points and may overlap or nest), each run
 * with the styles of the spans covering it. Spans outside the content are clamped; a link whose href is
 * not http(s) is left unlinked.
 */
export function runs(content: string, spans: readonly Span[] = []): Run[] {
  const chars = Array.from(content);
  const edges = new Set<number>([0, chars.length]);
  const valid = spans.filter((s) => s.start < s.end && s.start < chars.length);
  for (const s of valid) {
    edges.add(Math.max(0, s.start));
    edges.add(Math.min(chars.length, s.end));
  }
  const cuts = [...edges].sort((a, b) => a - b);
  const out: Run[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const a = cuts[i]!;
    const b = cuts[i + 1]!;
    const covering = valid.filter((s) => s.start <= a && s.end >= b);
    const link = covering.find((s) => s.style === 'link' && s.href && /^https?:\/\//i.test(s.href));
    const mention = covering.find((s) => s.style === 'mention' && s.userId);
    out.push({
      text: chars.slice(a, b).join(''),
      styles: new Set(covering.map((s) => s.style)),
      href: link?.href,
      userId: mention?.userId,
    });
  }
  return out;
}
