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

/** A file size for people: "512 B", "1.4 KB", "20 MB" (1 KB = 1024 bytes). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1).replace(/\.0$/, '') : Math.round(v)} ${units[i]}`;
}

/** A recording's length: "0:42", "12:05", "1:02:03". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const two = (x: number) => String(x).padStart(2, '0');
  return h ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

/** "last seen just now", "last seen 5 min ago", "last seen 3 h ago", "last seen yesterday", "last seen Mar 4". */
export function formatLastSeen(ts: number, now = Date.now()): string {
  const min = Math.floor((now - ts) / 60_000);
  if (min < 1) return 'last seen just now';
  if (min < 60) return `last seen ${min} min ago`;
  if (min < 12 * 60) return `last seen ${Math.floor(min / 60)} h ago`;
  const today = startOfDay(now);
  if (ts >= today) return `last seen today at ${formatTime(ts)}`;
  if (ts >= today - 86_400_000) return `last seen yesterday at ${formatTime(ts)}`;
  return `last seen ${shortDateFmt.format(ts)}`;
}
