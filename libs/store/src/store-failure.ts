/**
 * Whether a failed write can ever succeed. The projector relies on this to tell a record it must
 * quarantine from an outage it must wait out (docs/ARCHITECTURE.md "When a record cannot be applied").
 *
 * Poison: the database refused the data itself, which retrying cannot change: SQLSTATE class 22 (data
 * exception: a NUL or an invalid byte sequence in text, a number out of range, a string too long) and
 * class 23 (integrity constraint violation). Transient: everything else (connection refused or reset,
 * class 08, 53 insufficient resources, 57 operator intervention, 40 serialization, timeouts) and any error
 * we cannot read, since quarantining a valid event because the system was unwell would lose it from the
 * projections, while retrying a poison one only holds the partition until readiness reports it stuck.
 */
export function storeFailureKind(error: unknown): 'poison' | 'transient' {
  const code = sqlState(error);
  return code !== undefined && /^2[23]/.test(code) ? 'poison' : 'transient';
}

function sqlState(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}
