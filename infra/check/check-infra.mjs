#!/usr/bin/env node
// Validates the deployment files offline, without Docker or a cluster (infra/check/README.md):
//   - infra/compose/compose.yaml: loaded by compose-go (the library Docker Compose is built on), which
//     interpolates it, validates it against the Compose Specification JSON schema and checks the model's
//     consistency: what `docker compose config` does.
//   - infra/k8s: rendered by kustomize (base and every overlay), then every resource validated by
//     kubernetes-validate against the Kubernetes OpenAPI JSON schemas (strict: unknown fields fail).
// Installs the validators when missing (Go module proxy and PyPI) into ~/.cache/parley/infra-check.
//
//   node infra/check/check-infra.mjs                     everything (the default)
//   node infra/check/check-infra.mjs install             install the validators, print where they are
//   node infra/check/check-infra.mjs compose [FILE] [--env-file F] [--print]
//   node infra/check/check-infra.mjs kustomize [DIR...] [--print]
//   node infra/check/check-infra.mjs k8s-files FILE...
// --print writes the resolved model as JSON on stdout (compose: the project; kustomize: an array of
// resources); messages go to stderr. Exit code 0 when valid, 1 when not, 2 when a validator is missing.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KUSTOMIZE_VERSION = 'v5.8.1';
export const KUBERNETES_VALIDATE_VERSION = '1.37.0';
/** The oldest Kubernetes the manifests support and the newest the schemas know. */
export const KUBERNETES_VERSIONS = ['1.30.0', '1.37.0'];
/** Stands in for the empty secrets of .env.example / secrets.env.example while validating. */
export const PLACEHOLDER = 'placeholder-for-validation';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
const composeConfigSource = join(here, 'compose-config');

function cacheDir() {
  const base = process.env['PARLEY_CACHE_DIR'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'parley');
  return join(base, 'infra-check');
}

function log(message) {
  process.stderr.write(`${message}\n`);
}

class MissingToolError extends Error {}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) return { status: -1, stdout: '', stderr: String(result.error.message) };
  return { status: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

function findExecutable(names, extraDirs = []) {
  const dirs = [...(process.env['PATH'] ?? '').split(':').filter(Boolean), ...extraDirs];
  for (const name of names) for (const dir of dirs) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

function goBinary() {
  const go = findExecutable(['go'], ['/usr/local/go/bin', '/usr/lib/go/bin', join(homedir(), 'go', 'bin'), join(homedir(), 'sdk', 'go', 'bin')]);
  if (!go) throw new MissingToolError('Go (1.22 or newer) is needed to install kustomize and compose-config: install it (https://go.dev/dl) and retry.');
  return go;
}

/** Builds into a fresh temporary directory next to `finalDir`, then renames it into place (atomic, so concurrent runs are safe). */
function installDir(finalDir, label, build) {
  if (existsSync(join(finalDir, '.complete'))) return finalDir;
  mkdirSync(dirname(finalDir), { recursive: true });
  const tmp = `${finalDir}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  log(`installing ${label} into ${finalDir} (once)...`);
  const started = Date.now();
  try {
    build(tmp);
    writeFileSync(join(tmp, '.complete'), `${new Date().toISOString()}\n`);
    rmSync(finalDir, { recursive: true, force: true });
    try {
      renameSync(tmp, finalDir);
    } catch (error) {
      if (!existsSync(join(finalDir, '.complete'))) throw error; // another run finished first: use its copy
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  log(`installed ${label} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return finalDir;
}

function mustSucceed(result, what) {
  if (result.status !== 0) throw new MissingToolError(`${what} failed (exit ${result.status}):\n${result.stderr || result.stdout}`);
}

export function ensureKustomize() {
  const dir = installDir(join(cacheDir(), `kustomize-${KUSTOMIZE_VERSION}`), `kustomize ${KUSTOMIZE_VERSION} (go install, Go module proxy)`, (tmp) => {
    const go = goBinary();
    const result = run(go, ['install', `sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}`], {
      env: { ...process.env, GOBIN: tmp, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' },
      cwd: tmp,
    });
    mustSucceed(result, `go install sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}`);
  });
  return join(dir, 'kustomize');
}

export function ensureComposeConfig() {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(composeConfigSource, file)));
  const dir = installDir(join(cacheDir(), `compose-config-${hash.digest('hex').slice(0, 12)}`), 'compose-config (compose-go, Go module proxy)', (tmp) => {
    const go = goBinary();
    const result = run(go, ['build', '-o', join(tmp, 'compose-config'), '.'], {
      cwd: composeConfigSource,
      env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly -buildvcs=false' },
    });
    mustSucceed(result, 'go build (infra/check/compose-config)');
  });
  return join(dir, 'compose-config');
}

/** kubernetes-validate from PyPI, in a virtualenv (or a --target directory where venv is unavailable). */
export function ensureKubernetesValidate() {
  const dir = installDir(join(cacheDir(), `kubernetes-validate-${KUBERNETES_VALIDATE_VERSION}`), `kubernetes-validate ${KUBERNETES_VALIDATE_VERSION} (pip, PyPI)`, (tmp) => {
    const python = findExecutable(['python3', 'python']);
    if (!python) throw new MissingToolError('Python 3.9+ is needed for kubernetes-validate: install python3 (Debian: apt-get install python3 python3-venv).');
    const pkg = `kubernetes-validate==${KUBERNETES_VALIDATE_VERSION}`;
    const venv = run(python, ['-m', 'venv', join(tmp, 'venv')]);
    if (venv.status === 0) {
      mustSucceed(run(join(tmp, 'venv', 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', pkg]), `pip install ${pkg}`);
      writeFileSync(join(tmp, 'tool.json'), JSON.stringify({ python: 'venv/bin/python' }));
    } else {
      log(`python -m venv failed (${venv.stderr.trim().split('\n').pop()}); installing with pip --target instead`);
      mustSucceed(run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', '--target', join(tmp, 'lib'), pkg]), `pip install --target ${pkg}`);
      writeFileSync(join(tmp, 'tool.json'), JSON.stringify({ python, pythonPath: 'lib' }));
    }
  });
  const tool = JSON.parse(readFileSync(join(dir, 'tool.json'), 'utf8'));
  const python = tool.python.startsWith('/') ? tool.python : join(dir, tool.python);
  const env = tool.pythonPath ? { ...process.env, PYTHONPATH: join(dir, tool.pythonPath) } : { ...process.env };
  return { python, env };
}

export function ensureTools() {
  return { kustomize: ensureKustomize(), composeConfig: ensureComposeConfig(), kubernetesValidate: ensureKubernetesValidate() };
}

/** Writes an env file with every empty value replaced by PLACEHOLDER. */
function filledEnvFile(example, dir) {
  const lines = readFileSync(example, 'utf8')
    .split('\n')
    .map((line) => (/^[A-Za-z_][A-Za-z0-9_]*=\s*$/.test(line) ? `${line.trim()}${PLACEHOLDER}` : line));
  const file = join(dir, basename(example).replace(/\.example$/, ''));
  writeFileSync(file, lines.join('\n'));
  return file;
}

/**
 * Validates a compose file. Variables come from `envFile`, or else from the .env.example beside it with
 * the empty secrets filled in (a real .env is ignored, so the result does not depend on the machine).
 */
export function validateCompose(file = join(repoRoot, 'infra/compose/compose.yaml'), envFile) {
  const composeConfig = ensureComposeConfig();
  const tmp = mkdtempSync(join(tmpdir(), 'parley-compose-'));
  try {
    const example = join(dirname(resolve(file)), '.env.example');
    const env = envFile ?? (existsSync(example) ? filledEnvFile(example, tmp) : undefined);
    const result = run(composeConfig, [...(env ? ['-env-file', env] : []), resolve(file)], { env: { ...process.env, COMPOSE_DISABLE_ENV_FILE: '1' } });
    if (result.status !== 0) return { ok: false, errors: result.stderr.trim() || `compose-config exited ${result.status}`, project: undefined };
    return { ok: true, errors: '', project: JSON.parse(result.stdout) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function yamlToJson(yamlText) {
  const { python, env } = ensureKubernetesValidate();
  const script = 'import sys, json, yaml\njson.dump([d for d in yaml.safe_load_all(sys.stdin) if d], sys.stdout)';
  const result = run(python, ['-c', script], { input: yamlText, env });
  if (result.status !== 0) throw new Error(`could not parse the rendered YAML: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Validates Kubernetes manifests (multi-document YAML files) against the schemas of KUBERNETES_VERSIONS. */
export function validateK8sFiles(files) {
  const { python, env } = ensureKubernetesValidate();
  const args = ['-m', 'kubernetes_validate', '--strict', ...KUBERNETES_VERSIONS.flatMap((v) => ['-k', v]), ...files];
  const result = run(python, args, { env });
  const lines = `${result.stdout}${result.stderr}`.split('\n').filter(Boolean);
  // A resource whose kind/apiVersion has no schema is only a WARN for kubernetes-validate: a failure here.
  const problems = lines.filter((l) => !l.startsWith('INFO '));
  const passed = lines.filter((l) => l.startsWith('INFO ') && l.includes(' passed ')).length;
  return { ok: result.status === 0 && problems.length === 0 && passed > 0, errors: problems.join('\n'), passed, output: lines.join('\n') };
}

/** The directory holding base/ and overlays/ that `dir` belongs to (copied whole, since overlays refer to ../../base). */
function kustomizeRoot(dir) {
  let d = resolve(dir);
  while (d !== dirname(d)) {
    if (existsSync(join(d, 'base', 'kustomization.yaml'))) return d;
    d = dirname(d);
  }
  return resolve(dir);
}

function listFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

/** Every kustomization under infra/k8s: base/ and each overlays/<name>/. */
export function kustomizations(root = join(repoRoot, 'infra/k8s')) {
  return listFiles(root)
    .filter((f) => basename(f) === 'kustomization.yaml')
    .map((f) => dirname(f))
    .sort();
}

/**
 * Renders a kustomization with kustomize and validates the result. Works on a copy of the tree in which a
 * missing secrets.env is made from secrets.env.example, so the real (gitignored) secrets are never read.
 */
export function validateKustomization(dir) {
  const kustomize = ensureKustomize();
  const root = kustomizeRoot(dir);
  const tmp = mkdtempSync(join(tmpdir(), 'parley-k8s-'));
  try {
    const copy = join(tmp, 'k8s');
    cpSync(root, copy, { recursive: true, filter: (src) => basename(src) !== 'secrets.env' });
    for (const file of listFiles(copy)) if (basename(file) === 'secrets.env.example') filledEnvFile(file, dirname(file));
    const build = run(kustomize, ['build', join(copy, relative(root, resolve(dir)))]);
    if (build.status !== 0) return { ok: false, errors: `kustomize build ${dir}: ${build.stderr.trim()}`, resources: [], passed: 0 };
    const rendered = join(tmp, 'rendered.yaml');
    writeFileSync(rendered, build.stdout);
    const validation = validateK8sFiles([rendered]);
    return { ok: validation.ok, errors: validation.errors, resources: yamlToJson(build.stdout), passed: validation.passed, yaml: build.stdout };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function main(argv) {
  const [command = 'all', ...rest] = argv;
  const print = rest.includes('--print');
  const positional = [];
  let envFile;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--print') continue;
    if (rest[i] === '--env-file') envFile = rest[++i];
    else positional.push(rest[i]);
  }
  const report = (label, result) => {
    log(`${result.ok ? 'ok  ' : 'FAIL'} ${label}${result.passed ? ` (${result.passed} resource validations passed)` : ''}`);
    if (!result.ok) log(result.errors.replace(/^/gm, '     '));
    return result.ok;
  };
  switch (command) {
    case 'install': {
      const { kustomize, composeConfig, kubernetesValidate } = ensureTools();
      process.stdout.write(`${JSON.stringify({ kustomize, composeConfig, kubernetesValidate: kubernetesValidate.python }, null, 2)}\n`);
      return 0;
    }
    case 'compose': {
      const file = positional[0] ?? join(repoRoot, 'infra/compose/compose.yaml');
      const result = validateCompose(file, envFile);
      if (print && result.ok) process.stdout.write(`${JSON.stringify(result.project)}\n`);
      return report(`compose ${relative(process.cwd(), resolve(file)) || file}`, result) ? 0 : 1;
    }
    case 'kustomize': {
      const dirs = positional.length ? positional : kustomizations();
      let ok = true;
      const all = [];
      for (const dir of dirs) {
        const result = validateKustomization(dir);
        all.push(...result.resources);
        ok = report(`kustomize ${relative(process.cwd(), resolve(dir))}`, result) && ok;
      }
      if (print && ok) process.stdout.write(`${JSON.stringify(all)}\n`);
      return ok ? 0 : 1;
    }
    case 'k8s-files':
      return report(`kubernetes manifests ${positional.join(' ')}`, validateK8sFiles(positional)) ? 0 : 1;
    case 'all': {
      ensureTools();
      let ok = report('compose infra/compose/compose.yaml', validateCompose());
      for (const dir of kustomizations()) ok = report(`kustomize ${relative(repoRoot, dir)}`, validateKustomization(dir)) && ok;
      log(ok ? 'infra checks passed' : 'infra checks FAILED');
      return ok ? 0 : 1;
    }
    default:
      log('usage: check-infra.mjs [all | install | compose [FILE] [--env-file F] [--print] | kustomize [DIR...] [--print] | k8s-files FILE...]');
      return 2;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    process.exitCode = error instanceof MissingToolError ? 2 : 1;
  }
}
