import { ParleyError } from '@parley/core';

/** Small validators for HTTP input: each failure is a 400 `bad_request` naming the field. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ParleyError('bad_request', 'The request body must be a JSON object (Content-Type: application/json)');
  }
  return body as Record<string, unknown>;
}

export function stringField(obj: Record<string, unknown>, name: string, pattern: RegExp, hint: string): string {
  const v = obj[name];
  if (typeof v !== 'string' || !pattern.test(v)) throw new ParleyError('bad_request', `"${name}" ${hint}`, { details: { field: name } });
  return v;
}

export function intParam(value: unknown, name: string, fallback: number | undefined, min: number, max: number): number | undefined {
  if (value === undefined || value === '') return fallback;
  if (typeof value !== 'string' || !/^\d+$/.test(value)) throw new ParleyError('bad_request', `"${name}" must be an integer`, { details: { field: name } });
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ParleyError('bad_request', `"${name}" must be between ${min} and ${max}`, { details: { field: name } });
  return n;
}
