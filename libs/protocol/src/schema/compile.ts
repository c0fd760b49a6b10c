import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Static, TSchema } from '@sinclair/typebox';

/**
 * The one validator for every wire shape declared with TypeBox (frames, HTTP bodies). ajv, not TypeBox's
 * own checker: ajv follows JSON Schema exactly (`maxLength` counts code points, `pattern` is compiled with
 * the `u` flag), so what the published schema says is what the server enforces.
 */
let ajv: Ajv | undefined;

export interface Checker<T extends TSchema> {
  readonly schema: T;
  /** True when `value` has the shape; narrows it. */
  check(value: unknown): value is Static<T>;
  /** The first failure of the last `check`, as a JSON pointer to the field and ajv's error. */
  readonly lastError: ErrorObject | undefined;
}

export function compile<T extends TSchema>(schema: T): Checker<T> {
  // Created on first compile, not at import: browsers import this package for its types and constants.
  ajv ??= new Ajv({ allErrors: false, strict: true, unicodeRegExp: true, coerceTypes: false, useDefaults: false });
  const validate: ValidateFunction = ajv.compile(schema);
  return {
    schema,
    check: (value: unknown): value is Static<T> => validate(value),
    get lastError() {
      return validate.errors?.[0] ?? undefined;
    },
  };
}
