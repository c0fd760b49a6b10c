/** Option checks for the benchmark scripts: a bad value stops the script with the message and the usage. */
export function cliArgs(usage: string): {
  fail(message: string): never;
  num(name: string, value: string | undefined, fallback: number, min?: number, integer?: boolean): number;
  oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T;
} {
  function fail(message: string): never {
    process.stderr.write(`${message}\n\n${usage}\n`);
    process.exit(2);
  }
  return {
    fail,
    num(name, value, fallback, min = 0, integer = false) {
      const n = value === undefined ? fallback : Number(value);
      if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) fail(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got "${value}"`);
      return n;
    },
    oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T {
      if (!allowed.includes(value as T)) fail(`--${name} must be one of ${allowed.join(', ')}, got "${value}"`);
      return value as T;
    },
  };
}
