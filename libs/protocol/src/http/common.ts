import { Type, type Static } from '@sinclair/typebox';
import { USERNAME } from '../ids.js';
import { NAME_PATTERN, TEXT_PATTERN } from '../text.js';

/** A username: 3-32 characters of a-z 0-9 _ . - (ASCII, so code points and UTF-16 units agree). */
export const Username = Type.String({ pattern: USERNAME.source, description: '3-32 characters of a-z 0-9 _ . -' });

/** A password as registered: 8-256 code points following the text rule (no U+0000, no unpaired surrogate). */
export const Password = Type.String({ minLength: 8, maxLength: 256, pattern: TEXT_PATTERN, description: '8-256 characters (code points); no U+0000 or unpaired surrogates' });

/** A group name: 1-80 code points, the rule for names (no control characters, no unpaired surrogates). */
export const GroupName = Type.String({ minLength: 1, maxLength: 80, pattern: NAME_PATTERN, description: '1-80 characters (code points); no control characters or unpaired surrogates' });

export const User = Type.Object(
  {
    id: Type.String({ description: '`u` followed by a ULID.' }),
    username: Username,
  },
  { description: 'A user.' },
);
export type User = Static<typeof User>;
