import { ParleyError } from '@parley/core';

/**
 * PARLEY_TOKEN_SECRET as key bytes: hex (an even number of digits) or standard base64, at least 32 bytes.
 * Anything else is refused: a mistyped key must not quietly become a different one.
 */
export function parseTokenSecret(text: string): Buffer {
  const hex = /^(?:[0-9a-fA-F]{2})+$/.test(text);
  const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text);
  if (!hex && !base64) {
    throw new ParleyError('config', 'Invalid configuration: PARLEY_TOKEN_SECRET must be hex digits or base64 (e.g. `openssl rand -hex 32`)', {
      details: { variable: 'PARLEY_TOKEN_SECRET' },
    });
  }
  const raw = Buffer.from(text, hex ? 'hex' : 'base64');
  if (raw.length < 32) {
    throw new ParleyError('config', 'Invalid configuration: PARLEY_TOKEN_SECRET must hold at least 32 bytes (64 hex digits, or 44 base64 characters)', {
      details: { variable: 'PARLEY_TOKEN_SECRET' },
    });
  }
  return raw;
}
