/** Structured logger injected into every component; libraries never write to the console themselves. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** A JSON-lines logger; `write` is where each line goes (stdout in an app's main.ts). */
export function createJsonLogger(options: {
  level: LogLevel;
  write: (line: string) => void;
  fields?: Record<string, unknown>;
  /** Extra fields per line, e.g. the active trace and span ids. */
  enrich?: () => Record<string, unknown>;
}): Logger {
  const threshold = LEVELS[options.level];
  const base = options.fields ?? {};
  const emit = (level: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>): void => {
    if (LEVELS[level] < threshold) return;
    const line: Record<string, unknown> = { time: new Date().toISOString(), level, msg, ...base, ...options.enrich?.() };
    if (fields) for (const [k, v] of Object.entries(fields)) line[k] = v instanceof Error ? serializeError(v) : v;
    options.write(JSON.stringify(line) + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createJsonLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

function serializeError(error: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, message: error.message, stack: error.stack };
  if ('code' in error) out['code'] = (error as { code: unknown }).code;
  if (error.cause instanceof Error) out['cause'] = serializeError(error.cause);
  return out;
}
