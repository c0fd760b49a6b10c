import { spawnSync } from 'node:child_process';

/**
 * Whether the fixtures use containers (testcontainers) instead of local binaries: PARLEY_TEST_INFRA=docker
 * or =local forces a choice; otherwise containers are used when a Docker engine answers `docker info`.
 */
export function useContainers(): boolean {
  const forced = process.env['PARLEY_TEST_INFRA'];
  if (forced === 'docker') return true;
  if (forced === 'local') return false;
  const probe = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
  return probe.status === 0 && probe.stdout.toString().trim().length > 0;
}
