import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';

/**
 * The environment variables each distributed app reads, found in its configuration source with the
 * TypeScript compiler: every `readX(env, 'NAME', ...)` call in the app's config file, plus those of the
 * helpers it calls from libs/runtime (readCommonConfig, readTokenSecret, ...), followed transitively.
 * A variable is required when its reader has no fallback: `readString(env, 'NAME')` with two arguments
 * (readInt/readEnum/readBool always take a default; readOptionalString is optional). A local wrapper of a
 * reader (`const bytes = (name, fallback) => readInt(env, name, fallback, ...)`) reads what it is called with.
 */
export interface AppEnv {
  /** Every variable the app reads. */
  readonly reads: ReadonlySet<string>;
  /** Variables without a default: the app refuses to start without them. */
  readonly required: ReadonlySet<string>;
}

export interface AppSpec {
  /** The entry point in the image, as it appears in a compose `command` or a container's command/args. */
  readonly main: string;
  /** Config sources relative to the repository root. */
  readonly config: readonly string[];
}

export const APPS: Readonly<Record<'gateway' | 'ingest' | 'fanout' | 'query' | 'replay', AppSpec>> = {
  gateway: { main: 'apps/gateway/dist/main.js', config: ['apps/gateway/src/gateway-config.ts'] },
  ingest: { main: 'apps/ingest/dist/main.js', config: ['apps/ingest/src/config.ts'] },
  fanout: { main: 'apps/fanout/dist/main.js', config: ['apps/fanout/src/config.ts'] },
  query: { main: 'apps/query/dist/main.js', config: ['apps/query/src/config.ts'] },
  replay: { main: 'apps/query/dist/replay-main.js', config: ['apps/query/src/replay-config.ts'] },
};
export type AppName = keyof typeof APPS;

/** Shared config helpers live here (libs/runtime/src/distributed-config.ts and friends, libs/mail's readMailConfig). */
const HELPER_DIRS = ['libs/runtime/src', 'libs/mail/src'];

interface Reads {
  vars: Map<string, boolean>; // name -> required
  calls: Set<string>;
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

function calleeName(call: ts.CallExpression): string | undefined {
  const e = call.expression;
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return undefined;
}

const VAR = /^[A-Z][A-Z0-9_]*$/;

/**
 * Local wrappers of a reader in `node`: `const bytes = (name, ...) => readInt(env, name, ...)` reads the
 * variable its first argument names. Answers each wrapper's name and whether that read is required.
 */
function readerWrappers(node: ts.Node): Map<string, boolean> {
  const out = new Map<string, boolean>();
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer && (ts.isArrowFunction(n.initializer) || ts.isFunctionExpression(n.initializer))) {
      const param = n.initializer.parameters[0]?.name;
      if (param && ts.isIdentifier(param)) {
        const findRead = (m: ts.Node): void => {
          if (ts.isCallExpression(m)) {
            const name = calleeName(m);
            const [first, second] = m.arguments;
            if (name && /^read/.test(name) && first && ts.isIdentifier(first) && first.text === 'env' && second && ts.isIdentifier(second) && second.text === param.text) {
              out.set((n.name as ts.Identifier).text, m.arguments.length === 2 && !/Optional/.test(name));
            }
          }
          ts.forEachChild(m, findRead);
        };
        findRead(n.initializer.body);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return out;
}

/** Variables read directly in `node`, and the names of the functions it calls. */
function readsIn(node: ts.Node): Reads {
  const vars = new Map<string, boolean>();
  const calls = new Set<string>();
  const wrappers = readerWrappers(node);
  const add = (name: string, required: boolean) => vars.set(name, (vars.get(name) ?? false) || required);
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) {
      const name = calleeName(n);
      if (name) calls.add(name);
      const [first, second] = n.arguments;
      if (name && /^read/.test(name) && first && ts.isIdentifier(first) && first.text === 'env' && second && ts.isStringLiteralLike(second) && VAR.test(second.text)) {
        add(second.text, n.arguments.length === 2 && !/Optional/.test(name));
      }
      if (name && wrappers.has(name) && first && ts.isStringLiteralLike(first) && VAR.test(first.text)) add(first.text, wrappers.get(name)!);
    }
    // env['NAME'] / env.NAME: read without a default of the reader's, treat as optional.
    if (ts.isElementAccessExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'env' && ts.isStringLiteralLike(n.argumentExpression) && VAR.test(n.argumentExpression.text)) {
      add(n.argumentExpression.text, false);
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return { vars, calls };
}

function addFunctions(out: Map<string, Reads>, source: ts.SourceFile): void {
  for (const statement of source.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name) out.set(statement.name.text, readsIn(statement));
  }
}

/** Top-level functions of the helper libraries, by name. */
function helperFunctions(root: string): Map<string, Reads> {
  const out = new Map<string, Reads>();
  for (const dir of HELPER_DIRS) {
    for (const entry of readdirSync(join(root, dir))) {
      if (!entry.endsWith('.ts') || entry.endsWith('.test.ts') || entry.endsWith('.d.ts')) continue;
      addFunctions(out, parse(join(root, dir, entry)));
    }
  }
  return out;
}

/** The app's own files a config file imports (`./transport-config.js` -> its .ts source), followed transitively. */
function localImports(file: string, seen = new Set<string>()): ts.SourceFile[] {
  const out: ts.SourceFile[] = [];
  for (const statement of parse(file).statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const spec = statement.moduleSpecifier.text;
    if (!spec.startsWith('.')) continue;
    const target = join(dirname(file), spec.replace(/\.js$/, '.ts'));
    if (seen.has(target)) continue;
    seen.add(target);
    out.push(parse(target), ...localImports(target, seen));
  }
  return out;
}

export function appEnv(root: string, app: AppName): AppEnv {
  const helpers = helperFunctions(root);
  // Helpers in the app's own files count too (e.g. gateway-config.ts calling readTcpConfig from transport-config.ts).
  for (const file of APPS[app].config) for (const source of localImports(join(root, file))) addFunctions(helpers, source);
  const vars = new Map<string, boolean>();
  const seen = new Set<string>();
  const merge = (reads: Reads): void => {
    for (const [name, required] of reads.vars) vars.set(name, (vars.get(name) ?? false) || required);
    for (const call of reads.calls) {
      const helper = helpers.get(call);
      if (helper && !seen.has(call)) {
        seen.add(call);
        merge(helper);
      }
    }
  };
  for (const file of APPS[app].config) merge(readsIn(parse(join(root, file))));
  return {
    reads: new Set(vars.keys()),
    required: new Set([...vars].filter(([, required]) => required).map(([name]) => name)),
  };
}

/** Variables an app may be given besides the ones its config reads: the OpenTelemetry SDK reads OTEL_* itself. */
export function isSdkVariable(name: string): boolean {
  return name.startsWith('OTEL_');
}
