import type { ProfileRepository } from '@parley/store';

/**
 * Members as `viewer` may see them: another member's read mark shows only when both share read receipts
 * (docs/PROTOCOL.md "Read receipts"); otherwise it is null. The viewer's own always shows.
 */
export async function withReadPrivacy<M extends { id: string; readSeq: number }>(
  profiles: Pick<ProfileRepository, 'privacyOf'>,
  viewer: string,
  members: readonly M[],
): Promise<Array<Omit<M, 'readSeq'> & { readSeq: number | null }>> {
  const privacy = await profiles.privacyOf([viewer, ...members.map((m) => m.id)]);
  const shares = (id: string): boolean => privacy.get(id)?.readReceipts ?? true;
  return members.map((m) => ({ ...m, readSeq: m.id === viewer || (shares(viewer) && shares(m.id)) ? m.readSeq : null }));
}
