/** Display helpers: names, times, avatars. */

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
const dayYearFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'long', day: 'numeric' });
const shortDateFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });

export function formatTime(ts: number): string {
  return timeFmt.format(ts);
}

export function formatFull(ts: number): string {
  return fullFmt.format(ts);
}

/** "14:05" today, "Yesterday", "Mon", or "Mar 4" for the conversation list. */
export function formatListTime(ts: number, now = Date.now()): string {
  const d = new Date(ts);
  const today = startOfDay(now);
  if (ts >= today) return formatTime(ts);
  if (ts >= today - 86_400_000) return 'Yesterday';
  if (ts >= today - 6 * 86_400_000) return d.toLocaleDateString(undefined, { weekday: 'short' });
  return shortDateFmt.format(d);
}

/** Heading between messages of different days. */
export function formatDay(ts: number, now = Date.now()): string {
  const today = startOfDay(now);
  if (ts >= today) return 'Today';
  if (ts >= today - 86_400_000) return 'Yesterday';
  return new Date(ts).getFullYear() === new Date(now).getFullYear()
    ? dayFmt.format(ts)
    : dayYearFmt.format(ts);
}

export function startOfDay(ts: number): number {
  const d = new Date(ts);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export function initials(name: string): string {
  const parts = name
    .replace(/^[#@]/, '')
    .split(/[\s._-]+/)
    .filter(Boolean);
  const first = parts[0]?.[0] ?? name[0] ?? '?';
  const second = parts[1]?.[0] ?? '';
  return (first + second).toUpperCase();
}

/** A stable hue for a name, so each person/conversation keeps its avatar color. */
export function hue(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return h % 360;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
