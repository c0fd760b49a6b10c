import { ParleyError, readInt, readOptionalString, readString, type Env, type Logger } from '@parley/core';
import { createLogMailer } from './log-mailer.js';
import type { SendMail } from './send-mail.js';
import { createSmtpMailer } from './smtp-mailer.js';

/** How Parley sends the codes of email verification and password reset (README "Configuration"). */
export interface MailConfig {
  /** PARLEY_SMTP_URL: `smtp://user:pass@host:587` or `smtps://...`; unset: codes go to the log (single node only). */
  readonly smtpUrl: string | undefined;
  /** PARLEY_MAIL_FROM: the From header. */
  readonly from: string;
  /** PARLEY_CODE_TTL_SECONDS: how long a mailed code works (default 15 minutes). */
  readonly codeTtlMs: number;
  /** PARLEY_MAX_PROFILES_PER_LOGIN: most live profiles one login may own (default 5). */
  readonly maxProfilesPerLogin: number;
}

export function readMailConfig(env: Env): MailConfig {
  const smtpUrl = readOptionalString(env, 'PARLEY_SMTP_URL');
  if (smtpUrl !== undefined && !/^smtps?:\/\/[^\s]+$/.test(smtpUrl)) {
    throw new ParleyError('config', 'PARLEY_SMTP_URL must look like smtp://user:password@host:587 or smtps://user:password@host:465');
  }
  return {
    smtpUrl,
    from: readString(env, 'PARLEY_MAIL_FROM', 'Parley <no-reply@parley.invalid>'),
    codeTtlMs: readInt(env, 'PARLEY_CODE_TTL_SECONDS', 900, { min: 60, max: 24 * 3600 }) * 1000,
    maxProfilesPerLogin: readInt(env, 'PARLEY_MAX_PROFILES_PER_LOGIN', 5, { min: 1, max: 100 }),
  };
}

/** The mailer the config asks for: SMTP, or (no PARLEY_SMTP_URL) the log, which it says once at start. */
export function createMailer(config: MailConfig, logger: Logger): SendMail {
  if (config.smtpUrl) return createSmtpMailer({ url: config.smtpUrl, from: config.from, logger });
  logger.warn('PARLEY_SMTP_URL is not set: verification and password-reset codes are written to this log instead of mailed');
  return createLogMailer(logger);
}
