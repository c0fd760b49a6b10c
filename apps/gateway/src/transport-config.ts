import { readFile } from 'node:fs/promises';
import { ParleyError, readInt, readOptionalString, readString, type Env } from '@parley/core';

/**
 * Dead-connection detection, the same on every transport (Gateway, heartbeat-sweep.ts): a connection silent
 * for `intervalMs` is asked to answer (WebSocket ping, TCP `heartbeat` frame); one silent for `timeoutMs`
 * is closed with 4010. A dead client is dropped, and its presence cleared, within timeoutMs + intervalMs.
 */
export interface HeartbeatConfig {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

/** The raw TCP listener (tcp-server.ts); `port` undefined = off. */
export interface TcpConfig {
  /** 0 = any free port (the bound one is logged: "tcp listening"). */
  readonly port: number | undefined;
  /** PEM files; when set the listener accepts TLS only. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
}

/** PARLEY_HEARTBEAT_INTERVAL_MS (default 20000) and PARLEY_HEARTBEAT_TIMEOUT_MS (default 60000, above the interval). */
export function readHeartbeatConfig(env: Env): HeartbeatConfig {
  const intervalMs = readInt(env, 'PARLEY_HEARTBEAT_INTERVAL_MS', 20_000, { min: 50, max: 3_600_000 });
  const timeoutMs = readInt(env, 'PARLEY_HEARTBEAT_TIMEOUT_MS', 60_000, { min: 100, max: 3_600_000 });
  if (timeoutMs <= intervalMs) {
    throw new ParleyError(
      'config',
      `Invalid configuration: PARLEY_HEARTBEAT_TIMEOUT_MS (${timeoutMs}) must exceed PARLEY_HEARTBEAT_INTERVAL_MS (${intervalMs})`,
      { details: { variable: 'PARLEY_HEARTBEAT_TIMEOUT_MS' } },
    );
  }
  return { intervalMs, timeoutMs };
}

/**
 * PARLEY_TCP_PORT (a port, 0 for any free one, or `off`; the default differs per mode) and
 * PARLEY_TCP_TLS_CERT / PARLEY_TCP_TLS_KEY (both or neither).
 */
export function readTcpConfig(env: Env, fallbackPort: number | 'off'): TcpConfig {
  const raw = readString(env, 'PARLEY_TCP_PORT', String(fallbackPort)).trim().toLowerCase();
  if (raw !== 'off' && !(/^\d{1,5}$/.test(raw) && Number(raw) <= 65535)) {
    throw new ParleyError('config', `Invalid configuration: PARLEY_TCP_PORT must be a port from 0 to 65535 (0: any free port) or off, got "${raw}"`, {
      details: { variable: 'PARLEY_TCP_PORT' },
    });
  }
  const port = raw === 'off' ? undefined : Number(raw);
  const certFile = readOptionalString(env, 'PARLEY_TCP_TLS_CERT');
  const keyFile = readOptionalString(env, 'PARLEY_TCP_TLS_KEY');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    const missing = certFile === undefined ? 'PARLEY_TCP_TLS_CERT' : 'PARLEY_TCP_TLS_KEY';
    throw new ParleyError('config', `Invalid configuration: ${missing} must be set too: TLS needs both a certificate and a key (PEM files)`, {
      details: { variable: missing },
    });
  }
  return { port, tls: certFile && keyFile ? { certFile, keyFile } : undefined };
}

/** Reads the TLS certificate and key named by TcpConfig.tls; fails naming the variable when one is unreadable or not PEM. */
export async function readTlsFiles(tls: NonNullable<TcpConfig['tls']>): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (variable: string, file: string): Promise<Buffer> => {
    let pem: Buffer;
    try {
      pem = await readFile(file);
    } catch (error) {
      throw new ParleyError('config', `Invalid configuration: ${variable} names ${file}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
        details: { variable },
        cause: error,
      });
    }
    if (!pem.includes('-----BEGIN ')) throw new ParleyError('config', `Invalid configuration: ${variable} names ${file}, which is not a PEM file`, { details: { variable } });
    return pem;
  };
  return { cert: await read('PARLEY_TCP_TLS_CERT', tls.certFile), key: await read('PARLEY_TCP_TLS_KEY', tls.keyFile) };
}
