import { Type, type Static } from '@sinclair/typebox';
import { Millis, Seq } from '../fields.js';
import { TEXT_PATTERN } from '../text.js';
import { Handle, User } from './common.js';
import { GroupMember, ReadSeqShown, RoleField } from './groups.js';

export const Member = Type.Object({
  id: Type.String(),
  username: Handle,
  joinedAt: Millis,
  readSeq: ReadSeqShown,
});
export type Member = Static<typeof Member>;

/** GET /v1/conversations/{id}/members */
export const MembersQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
  after: Type.Optional(Type.String({ maxLength: 32, pattern: TEXT_PATTERN, default: '', description: "Members whose handle sorts after this one (the previous page's `next`)." })),
  q: Type.Optional(Type.String({ maxLength: 64, pattern: TEXT_PATTERN, description: 'Only members whose handle or display name contains this; case and accents are ignored.' })),
  role: Type.Optional(RoleField),
});
export type MembersQuery = Static<typeof MembersQuery>;

export const MembersResponse = Type.Object({
  members: Type.Array(GroupMember),
  next: Type.Union([Type.String(), Type.Null()], { description: 'The `after` value for the next page; null when this page was not full.' }),
});
export type MembersResponse = Static<typeof MembersResponse>;

/** POST /v1/conversations/{id}/members */
export const AddMembersBody = Type.Object({ usernames: Type.Array(Handle, { minItems: 1, maxItems: 100 }) });
export type AddMembersBody = Static<typeof AddMembersBody>;

export const AddMembersResponse = Type.Object({
  added: Type.Array(User, { description: 'The requested users who were not members before (members already are left out).' }),
});
export type AddMembersResponse = Static<typeof AddMembersResponse>;

/** POST /v1/conversations/{id}/read */
export const MarkReadBody = Type.Object({ seq: Seq });
export type MarkReadBody = Static<typeof MarkReadBody>;
