/**
 * JSON for StreamState's data, which holds Maps and Sets: a Map is written as {"\u0000map": [[key, value], ...]},
 * a Set as {"\u0000set": [...]} (state snapshots, and the pages of idle conversations).
 */
const MAP = '\u0000map';
const SET = '\u0000set';

export function stateToJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Map) return { [MAP]: [...v] };
    if (v instanceof Set) return { [SET]: [...v] };
    return v;
  });
}

/** Parses what `stateToJson` wrote; throws a SyntaxError on anything that is not JSON. */
export function stateFromJson(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === MAP) return new Map((value as Record<string, Array<[unknown, unknown]>>)[MAP]);
      if (keys.length === 1 && keys[0] === SET) return new Set((value as Record<string, unknown[]>)[SET]);
    }
    return value;
  });
}
