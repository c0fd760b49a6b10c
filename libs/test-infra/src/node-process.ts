import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface NodeProcess {
  readonly process: ChildProcess;
  /** The JSON log lines printed so far. */
  readonly logs: string[];
  /** The fields of the line that said it was ready. */
  readonly ready: Record<string, unknown>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit: a crash. */
  kill(): Promise<void>;
}

/**
 * Starts a Node entry point as a child process and resolves once it logs a JSON line whose `msg` is
 * `readyMessage` (its fields are returned); fails with its output if it exits first or takes too long.
 */
export async function startNodeProcess(options: { main: string; env: Record<string, string>; readyMessage: string; timeoutMs?: number; keepLines?: number; nodeArgs?: readonly string[] }): Promise<NodeProcess> {
  const child = spawn(process.execPath, ['--enable-source-maps', ...(options.nodeArgs ?? []), options.main], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const keep = options.keepLines ?? 100_000;
  const seen: Record<string, unknown> = {};
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.main} did not become ready in time\n${logs.slice(-50).join('\n')}\n${stderr}`)), options.timeoutMs ?? 60_000);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${options.main} exited with ${code} before ready\n${logs.slice(-50).join('\n')}\n${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      if (logs.length > keep) logs.splice(0, logs.length - keep);
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        Object.assign(seen, entry);
        if (entry['msg'] === options.readyMessage) {
          clearTimeout(timer);
          resolve({ ...seen, ...entry });
        }
      } catch {
        /* not a log line */
      }
    });
  });
  return {
    process: child,
    logs,
    ready,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
