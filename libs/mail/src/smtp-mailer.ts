import { createTransport } from 'nodemailer';
import { ParleyError, type Logger } from '@parley/core';
import type { SendMail } from './send-mail.js';

export interface SmtpMailerOptions {
  /**
   * Where to hand mail over: `smtp://user:pass@host:port` (STARTTLS when the server offers it) or
   * `smtps://user:pass@host:port` (TLS from the first byte). Holds a secret: never log it.
   */
  readonly url: string;
  /** The sender, e.g. `Parley <no-reply@example.com>`. */
  readonly from: string;
  readonly logger: Logger;
  /** How long connecting, the server's greeting, and any silence on the socket may each take (10 s). */
  readonly timeoutMs?: number;
}

/**
 * A {@link SendMail} that hands each mail to an SMTP server with nodemailer, one connection per mail (no
 * pool: mail is rare, so there is no long-lived client to hand in or to close). Connection, greeting and
 * socket inactivity are each bounded (10 s by default), so a dead server fails a send instead of hanging
 * it. Any failure rejects with `ParleyError('unavailable', 'Could not send email: ...', { cause })`.
 */
export function createSmtpMailer(options: SmtpMailerOptions): SendMail {
  const { url, from, logger, timeoutMs = 10_000 } = options;
  if (!/^smtps?:\/\//i.test(url))
    throw new ParleyError('config', 'The SMTP url must start with smtp:// or smtps://');
  const transport = createTransport(
    { url, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs },
    { from },
  );
  return async ({ to, subject, text }) => {
    try {
      const info = await transport.sendMail({ to, subject, text });
      logger.debug('email sent', { to, subject, messageId: info.messageId });
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new ParleyError('unavailable', `Could not send email: ${reason}`, { cause });
    }
  };
}
