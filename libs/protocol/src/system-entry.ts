import { Type, type Static } from '@sinclair/typebox';
import { MessageSeq, UserRef } from './fields.js';

/** A member's role in a group or room. */
export const GROUP_ROLES = ['owner', 'admin', 'member'] as const;
export type GroupRole = (typeof GROUP_ROLES)[number];

/** Who may join a group: anyone with its id or link, by a request an admin answers, or by invitation or invite link only. */
export const JOIN_POLICIES = ['open', 'approval', 'invite'] as const;
export type JoinPolicy = (typeof JOIN_POLICIES)[number];

/** Whom a member may invite: their friends only, or anyone. */
export const INVITE_POLICIES = ['friends', 'anyone'] as const;
export type InvitePolicy = (typeof INVITE_POLICIES)[number];

/** The message kind of a system entry; clients cannot send it. */
export const SYSTEM_KIND = 'system';

const Role = Type.Union([Type.Literal('admin'), Type.Literal('member')]);

/**
 * The content of a system entry (a message of kind "system"): one change to a group or room, in the
 * timeline at its own seq, so history and resume carry it like any message. `actor` made the change.
 */
export const SystemEntry = Type.Object(
  {
    event: Type.Union(
      [
        Type.Literal('joined'),
        Type.Literal('left'),
        Type.Literal('removed'),
        Type.Literal('unbanned'),
        Type.Literal('role'),
        Type.Literal('owner'),
        Type.Literal('dissolved'),
        Type.Literal('updated'),
        Type.Literal('muted'),
        Type.Literal('notice'),
        Type.Literal('recalled'),
        Type.Literal('edited'),
        Type.Literal('pinned'),
        Type.Literal('unpinned'),
        Type.Literal('reaction'),
      ],
      { description: 'what changed: the group (joined ... notice) or an earlier message (recalled, edited, pinned, unpinned, reaction)' },
    ),
    actor: UserRef,
    members: Type.Optional(Type.Array(UserRef, { maxItems: 200, description: 'joined: who joined (at most 200 listed)' })),
    via: Type.Optional(
      Type.Union([Type.Literal('open'), Type.Literal('added'), Type.Literal('invitation'), Type.Literal('request'), Type.Literal('link')], {
        description: 'joined: how: joined an open group or room, added by an admin, accepted an invitation, a request approved, an invite link',
      }),
    ),
    /** removed, unbanned, role, owner, muted: the member changed (owner: the new owner) */
    target: Type.Optional(UserRef),
    ban: Type.Optional(Type.Boolean({ description: 'removed: also banned' })),
    role: Type.Optional(Role),
    until: Type.Optional(Type.Integer({ minimum: 0, description: 'muted: ms since the epoch the mute ends; 0: unmuted' })),
    changes: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Type.String()),
          avatar: Type.Optional(Type.String()),
          description: Type.Optional(Type.String()),
          joinPolicy: Type.Optional(Type.Union(JOIN_POLICIES.map((p) => Type.Literal(p)))),
          invitePolicy: Type.Optional(Type.Union(INVITE_POLICIES.map((p) => Type.Literal(p)))),
          muteAll: Type.Optional(Type.Boolean()),
        },
        { description: 'updated: the settings that changed, with their new values' },
      ),
    ),
    notice: Type.Optional(
      Type.Object({ id: Type.String(), text: Type.String(), edited: Type.Boolean() }, { description: 'notice: the notice posted or edited' }),
    ),
    /** recalled, edited, pinned, unpinned, reaction: the seq of the message changed */
    message: Type.Optional(MessageSeq),
    text: Type.Optional(Type.String({ description: "edited: the message's new content" })),
    body: Type.Optional(Type.Unknown({ description: "edited: the message's new body, when it has one" })),
    emoji: Type.Optional(Type.String({ description: 'reaction: the emoji' })),
    removed: Type.Optional(Type.Boolean({ description: 'reaction: true when the actor took it back' })),
  },
  { title: 'system entry', description: 'The JSON content of a message of kind "system".' },
);
export type SystemEntry = Static<typeof SystemEntry>;

/** Reads a system entry's content; undefined if it is not one (clients should show such an entry as "an update"). */
export function parseSystemEntry(content: string): SystemEntry | undefined {
  try {
    const value = JSON.parse(content) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const entry = value as Partial<SystemEntry>;
    return typeof entry.event === 'string' && typeof entry.actor === 'object' && entry.actor !== null ? (entry as SystemEntry) : undefined;
  } catch {
    return undefined;
  }
}

/** A system entry in plain English ("alice made bob an admin"), for previews and simple clients. */
export function describeSystemEntry(entry: SystemEntry): string {
  const who = entry.actor.username;
  const target = entry.target?.username ?? '';
  switch (entry.event) {
    case 'joined': {
      const names = (entry.members ?? []).map((m) => m.username).join(', ');
      if (entry.via === 'added') return `${who} added ${names}`;
      if (entry.via === 'request') return `${who} let ${names} in`;
      if (entry.via === 'invitation') return `${names} joined, invited by ${who}`;
      return `${names} joined`;
    }
    case 'left':
      return `${who} left`;
    case 'removed':
      return entry.ban ? `${who} removed and banned ${target}` : `${who} removed ${target}`;
    case 'unbanned':
      return `${who} lifted the ban on ${target}`;
    case 'role':
      return entry.role === 'admin' ? `${who} made ${target} an admin` : `${who} made ${target} a member`;
    case 'owner':
      return `${who} made ${target} the owner`;
    case 'dissolved':
      return `${who} dissolved the group`;
    case 'updated': {
      const c = entry.changes ?? {};
      const parts: string[] = [];
      if (c.name !== undefined) parts.push(`renamed it "${c.name}"`);
      if (c.avatar !== undefined) parts.push('changed the avatar');
      if (c.description !== undefined) parts.push('changed the description');
      if (c.joinPolicy !== undefined) parts.push(`set joining to ${c.joinPolicy}`);
      if (c.invitePolicy !== undefined) parts.push(c.invitePolicy === 'friends' ? 'let members invite only their friends' : 'let members invite anyone');
      if (c.muteAll !== undefined) parts.push(c.muteAll ? 'muted everyone but admins' : 'let everyone write again');
      return `${who} ${parts.join(', ') || 'changed the group'}`;
    }
    case 'muted':
      return entry.until ? `${who} muted ${target}` : `${who} unmuted ${target}`;
    case 'notice':
      return entry.notice?.edited ? `${who} edited the notice` : `${who} posted a notice`;
    case 'recalled':
      return `${who} recalled a message`;
    case 'edited':
      return `${who} edited a message`;
    case 'pinned':
      return `${who} pinned a message`;
    case 'unpinned':
      return `${who} unpinned a message`;
    case 'reaction':
      return entry.removed ? `${who} took back ${entry.emoji ?? 'a reaction'}` : `${who} reacted ${entry.emoji ?? ''}`.trimEnd();
    default:
      return `${who} changed the group`;
  }
}
