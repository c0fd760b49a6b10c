import type { TSchema } from '@sinclair/typebox';
import { ConversationId, Millis } from '../fields.js';
import { GroupName, Password, User, Username } from './common.js';
import { ErrorBody } from './errors.js';
import { Health } from './health.js';
import { LoginBody, LoginResponse, MeResponse, RegisterBody, RegisterResponse, UsersQuery, UsersResponse } from './accounts.js';
import {
  ConversationEnvelope,
  ConversationSummary,
  ConversationsQuery,
  ConversationsResponse,
  CreateGroupBody,
  GroupId,
  OpenDirectBody,
  RoomName,
} from './conversations.js';
import { AddMembersBody, AddMembersResponse, MarkReadBody, Member, MembersQuery, MembersResponse } from './members.js';
import { MessagesQuery, MessagesResponse, StoredMessage } from './messages.js';

/**
 * Every HTTP shape by the name docs/openapi.yaml gives it under `components/schemas`. Where one of these
 * objects appears inside another, the generated YAML refers to it by name instead of repeating it.
 */
export const HTTP_SCHEMAS: Readonly<Record<string, TSchema>> = Object.freeze({
  Username,
  Password,
  GroupName,
  ConversationId,
  GroupId,
  RoomName,
  Millis,
  User,
  Health,
  Error: ErrorBody,
  RegisterBody,
  RegisterResponse,
  LoginBody,
  LoginResponse,
  MeResponse,
  UsersQuery,
  UsersResponse,
  ConversationSummary,
  ConversationEnvelope,
  ConversationsQuery,
  ConversationsResponse,
  OpenDirectBody,
  CreateGroupBody,
  Member,
  MembersQuery,
  MembersResponse,
  AddMembersBody,
  AddMembersResponse,
  MarkReadBody,
  Message: StoredMessage,
  MessagesQuery,
  MessagesResponse,
});
