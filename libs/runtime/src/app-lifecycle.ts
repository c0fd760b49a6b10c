import { createJsonLogger, isParleyError, type Logger } from '@parley/core';
import { traceFields } from '@parley/telemetry';
import { startTelemetry } from '@parley/telemetry/sdk';
import type { CommonConfig } from './distributed-config.js';

/** Loads an app's config; on a bad value prints what to fix and exits 2 (fail fast at boot). */
export function loadConfigOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    process.stderr.write(`${isParleyError(error) ? error.message : String(error)}\n`);
    process.exit(2);
  }
}

/** Starts telemetry and the JSON logger of one distributed app (log lines carry the active trace id). */
export function bootApp(app: string, config: CommonConfig): { logger: Logger; telemetry: { shutdown(): Promise<void> } } {
  const telemetry = startTelemetry({ serviceName: `parley-${app}`, instanceId: config.instanceId, metricsPort: config.metricsPort, otlpEndpoint: config.otlpEndpoint });
  const logger = createJsonLogger({ level: config.logLevel, write: (l) => void process.stdout.write(l), fields: { app, instance: config.instanceId }, enrich: traceFields });
  return { logger, telemetry };
}

/**
 * Runs `stop` once on the first SIGTERM or SIGINT, flushes telemetry and exits 0 (1 if stopping failed).
 * Called from main.ts, which owns the process's signals.
 */
export function stopOnSignals(logger: Logger, telemetry: { shutdown(): Promise<void> }, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    stop()
      .then(() => telemetry.shutdown().catch(() => undefined))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error('unclean stop', { error });
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => handle('SIGTERM'));
  process.on('SIGINT', () => handle('SIGINT'));
}
