import { runPlanWithNode } from './drive.js';
import type { Provisioned } from './provision.js';
import type { Target } from './targets.js';

/**
 * Sends 1:1 messages (each connection of `provisioned` in its pair's conversation, `rate` msg/s) until
 * `messages` were acknowledged, in runs of at most two minutes, saying how far it got after each.
 * Returns how many were acknowledged.
 */
export async function fillPairs(target: Target, provisioned: Provisioned, pairs: number, rate: number, messages: number, say: (line: string) => void): Promise<number> {
  const entries = Array.from({ length: pairs * 2 }, (_, i) => ({
    wsUrl: target.wsUrls[i % target.wsUrls.length]!,
    token: provisioned.tokens[i]!,
    conversations: [{ id: provisioned.conversationIds[Math.floor(i / 2)]!, members: 2 }],
    rate,
    reconnectEverySeconds: 0,
  }));
  let acked = 0;
  while (acked < messages) {
    const seconds = Math.max(5, Math.min(120, Math.ceil((messages - acked) / (pairs * 2 * rate))));
    say(`filling: ${acked} of ${messages} acknowledged; sending for ${seconds} s...`);
    const result = await runPlanWithNode({ scenario: 'pairs', entries, startAt: 0, durationSeconds: seconds, drainSeconds: 30 });
    acked += Math.round((result.acceptedPerSecond ?? 0) * (result.acceptedOverSeconds ?? seconds));
  }
  return acked;
}
