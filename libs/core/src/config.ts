import { ParleyError } from './parley-error.js';

/**
 * Readers for one app's configuration, each naming the variable it failed on. An app's config.ts is the
 * only place that touches `process.env`; it hands the environment to these and freezes the result.
 */
export type Env = Readonly<Record<string, string | undefined>>;

function fail(name: string, why: string): never {
  throw new ParleyError('config', `Invalid configuration: ${name} ${why}`, { details: { variable: name } });
}

export function readString(env: Env, name: string, fallback?: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    if (fallback === undefined) fail(name, 'is required but not set');
    return fallback;
  }
  return raw;
}

export function readOptionalString(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

export function readInt(env: Env, name: string, fallback: number, range: { min: number; max: number }): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) fail(name, `must be an integer, got "${raw}"`);
  const value = Number.parseInt(raw, 10);
  if (value < range.min || value > range.max) fail(name, `must be between ${range.min} and ${range.max}, got ${value}`);
  return value;
}

export function readEnum<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) fail(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

export function readBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  return fail(name, `must be true or false, got "${raw}"`);
}

/** Recursively freezes a config object so no component can change what another one reads. */
export function deepFreeze<T>(value: T): Readonly<T> {
  // Typed arrays (keys, secrets) cannot be frozen; they are never handed out to be written.
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}
