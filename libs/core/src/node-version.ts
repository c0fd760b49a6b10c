/**
 * The oldest Node.js Parley runs on: the embedded log checksums its records with `node:zlib` `crc32`,
 * which came in 20.15. Stated in three places that a test holds together: this constant, package.json
 * `engines` (read by scripts/require-node.mjs before `npm start` builds) and the README.
 */
export const MIN_NODE_VERSION = '20.15.0';

/** `major.minor.patch` of a version such as `20.15.1` or `v22.3.0-nightly`; undefined if it is not one. */
export function parseVersion(version: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** Whether `running` is `required` or newer (an unparsable `running` is not). */
export function isAtLeast(running: string, required: string): boolean {
  const have = parseVersion(running);
  const need = parseVersion(required);
  if (!need) throw new Error(`not a version: ${required}`);
  if (!have) return false;
  for (let i = 0; i < 3; i++) if (have[i] !== need[i]) return have[i]! > need[i]!;
  return true;
}

/** What to tell someone running Parley on `running` (at `execPath`), or undefined if it is new enough. */
export function nodeVersionProblem(running: string, required: string = MIN_NODE_VERSION, execPath?: string): string | undefined {
  if (isAtLeast(running, required)) return undefined;
  return (
    `Parley needs Node.js ${required} or newer, but this is Node.js ${running}${execPath ? ` (${execPath})` : ''}. ` +
    `Upgrade Node.js (https://nodejs.org/en/download, your package manager, or a version manager: \`nvm install 20\`, \`fnm install 20\`), then start again.`
  );
}
