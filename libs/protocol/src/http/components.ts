import type { TSchema } from '@sinclair/typebox';
import { ConversationId, Millis } from '../fields.js';
import { GroupName, Handle, Password, User, Username } from './common.js';
import { ErrorBody } from './errors.js';
import { Health } from './health.js';
import {
  ChangePasswordBody,
  DeleteLoginBody,
  EmailBody,
  LoginBody,
  LoginEnvelope,
  LoginResponse,
  MeResponse,
  PasswordResetBody,
  PasswordResetConfirmBody,
  RegisterBody,
  RegisterResponse,
  VerifyEmailBody,
} from './accounts.js';
import {
  CreateProfileBody,
  Login,
  OwnProfile,
  OwnProfileEnvelope,
  PeopleQuery,
  PeopleResponse,
  ProfilesResponse,
  PublicProfile,
  PublicProfileEnvelope,
  SwitchBody,
  UpdateProfileBody,
} from './profiles.js';
import { BlocksResponse, Friend, FriendRequest, FriendRequestEnvelope, FriendRequestsResponse, FriendsResponse, RemarkBody, SendFriendRequestBody } from './friends.js';
import { Session, SessionsResponse } from './sessions.js';
import { ConversationSettings, ConversationSettingsBody, ConversationSettingsEnvelope } from './settings.js';
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
  Handle,
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
  SwitchBody,
  EmailBody,
  VerifyEmailBody,
  LoginEnvelope,
  PasswordResetBody,
  PasswordResetConfirmBody,
  ChangePasswordBody,
  DeleteLoginBody,
  Login,
  Session,
  SessionsResponse,
  OwnProfile,
  ProfilesResponse,
  CreateProfileBody,
  OwnProfileEnvelope,
  UpdateProfileBody,
  PublicProfile,
  PublicProfileEnvelope,
  PeopleQuery,
  PeopleResponse,
  Friend,
  FriendsResponse,
  FriendRequest,
  FriendRequestsResponse,
  SendFriendRequestBody,
  FriendRequestEnvelope,
  BlocksResponse,
  RemarkBody,
  ConversationSettings,
  ConversationSettingsBody,
  ConversationSettingsEnvelope,
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
