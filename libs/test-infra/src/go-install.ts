import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** A Go program the fixtures build from source (Mailpit, versitygw). */
export interface GoTool {
  /** The binary's name, as `go install` writes it. */
  readonly name: string;
  /** The module path with its version: `github.com/axllent/mailpit@v1.33.1`. */
  readonly module: string;
  /** The Go it needs, for the error when there is none: `1.26`. */
  readonly minGo: string;
}

/** Go from /usr/local/go, else from PATH (Debian's is older than these tools need). */
function goCommand(): string {
  return existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
}

/**
 * Builds `tool` with `go install` (modules from the Go module proxy) into a per-machine cache next to the
 * Kafka jars, once, and returns the binary's path. The first build takes a minute or more; progress (the
 * downloads, a count of compiled packages every 20 s) goes to `log`. It builds into a staging directory
 * and renames it into place, so an interrupted build never leaves a binary to reuse.
 */
export async function goInstall(tool: GoTool, log: (line: string) => void = () => undefined): Promise<string> {
  const cache = process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache');
  const version = tool.module.slice(tool.module.lastIndexOf('@') + 1);
  const dir = join(cache, 'parley', `${tool.name}-${version}`);
  const bin = join(dir, tool.name);
  if (existsSync(bin)) return bin;
  log(`building ${tool.name} ${version} with go install (once per machine; takes a minute or more)...`);
  mkdirSync(join(dir, '..'), { recursive: true });
  // Beside the cache: rename does not cross filesystems.
  const staging = mkdtempSync(join(dir, '..', `.${tool.name}-${version}-build-`));
  const started = Date.now();
  // -v names each package as it compiles: counted, not logged (-x would drown the log).
  const child = spawn(goCommand(), ['install', '-v', tool.module], { env: { ...process.env, GOBIN: staging }, stdio: ['ignore', 'pipe', 'pipe'] });
  let pending = '';
  let packages = 0;
  const forward = (data: Buffer): void => {
    const lines = (pending + data.toString()).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      // `go: downloading ...` and errors as they come; compiled packages only as a count.
      if (line.includes(':')) log(`  ${line}`);
      else packages++;
    }
  };
  child.stdout.on('data', forward);
  child.stderr.on('data', forward);
  const heartbeat = setInterval(() => log(`  still building ${tool.name} (${Math.round((Date.now() - started) / 1000)} s, ${packages} packages compiled)...`), 20_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    }).catch((error: unknown) => {
      throw new Error(`could not run ${goCommand()}: ${tool.name} is built from source with Go >= ${tool.minGo} (https://go.dev/dl)`, { cause: error });
    });
    if (pending.trim()) log(`  ${pending}`);
    if (code !== 0) throw new Error(`go install ${tool.module} failed (exit ${code}); see the lines above`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } finally {
    clearInterval(heartbeat);
    rmSync(staging, { recursive: true, force: true });
  }
  log(`built ${tool.name} in ${Math.round((Date.now() - started) / 1000)} s (${packages} packages): ${bin}`);
  return bin;
}
