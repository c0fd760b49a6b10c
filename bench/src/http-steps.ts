import type { Target } from './targets.js';

/** The HTTP API of a started target, for benchmarks that time its steps one at a time (social.ts, groups.ts). */
export function httpSteps(target: Target) {
  const call = async (method: string, path: string, token?: string, body?: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${target.httpUrl}/v1${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? {} : ((await res.json()) as Record<string, unknown>);
  };
  const signUp = async (name: string): Promise<{ token: string; id: string; name: string }> => {
    await call('POST', '/auth/register', undefined, { username: name, password: 'correct horse battery' });
    const login = await call('POST', '/auth/login', undefined, { username: name, password: 'correct horse battery' });
    return { token: login['token'] as string, id: (login['user'] as { id: string }).id, name };
  };
  /** Runs `step`, adding its duration (ms) to `samples`; returns what it returned. */
  const timed = async <T>(samples: number[], step: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const value = await step();
    samples.push(performance.now() - t);
    return value;
  };
  return { call, signUp, timed };
}
