import { Type, type Static } from '@sinclair/typebox';
import { HANDLE_PATTERN, USERNAME } from '../ids.js';
import { NAME_PATTERN, TEXT_PATTERN } from '../text.js';

/** A username: 3-32 characters of a-z 0-9 _ . - (ASCII, so code points and UTF-16 units agree). */
export const Username = Type.String({ pattern: USERNAME.source, description: '3-32 characters of a-z 0-9 _ . -' });

/** A password as registered: 8-256 code points following the text rule (no U+0000, no unpaired surrogate). */
export const Password = Type.String({ minLength: 8, maxLength: 256, pattern: TEXT_PATTERN, description: '8-256 characters (code points); no U+0000 or unpaired surrogates' });

/** A group name: 1-80 code points, the rule for names (no control characters, no unpaired surrogates). */
export const GroupName = Type.String({ minLength: 1, maxLength: 80, pattern: NAME_PATTERN, description: '1-80 characters (code points); no control characters or unpaired surrogates' });

/**
 * A profile's handle: 3-32 letters, marks, digits, `_ . -` of any script, stored in NFKC. Unique after NFKC
 * and lowercasing (`Alice` and fullwidth `ａｌｉｃｅ` are the same name); a login's username is the handle of
 * its first profile.
 */
export const Handle = Type.String({ pattern: HANDLE_PATTERN, description: '3-32 letters, digits, _ . - (any script; unique after NFKC and lowercasing)' });

export const User = Type.Object(
  {
    id: Type.String({ description: '`u` followed by a ULID: a profile id.' }),
    username: Handle,
  },
  { description: 'A user (a profile): its id and handle.' },
);
export type User = Static<typeof User>;
