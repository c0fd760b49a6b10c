import { ParleyError } from '@parley/core';

/** The HTTP status of a failed S3 call, as the SDK reports it on its errors. */
export function s3Status(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** A failed S3 call, as a ParleyError('unavailable') that keeps the SDK's error as its cause. */
export function s3Unavailable(what: string, error: unknown): ParleyError {
  if (error instanceof ParleyError) return error;
  const name = (error as { name?: string } | undefined)?.name ?? 'Error';
  const status = s3Status(error);
  return new ParleyError(
    'unavailable',
    `The object store failed to ${what}: ${name}${status === undefined ? '' : ` (HTTP ${status})`}.`,
    { cause: error },
  );
}
