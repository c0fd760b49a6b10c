import type { Logger } from '@parley/core';
import type { SendMail } from './send-mail.js';

/**
 * A {@link SendMail} that sends nothing and writes each mail to the logger at info level instead, so that
 * a single node run without SMTP configured still shows the operator the link a user was mailed. Never
 * rejects. Not for production: the logs then hold what should have gone only to the recipient.
 */
export function createLogMailer(logger: Logger): SendMail {
  return async ({ to, subject, text }) => {
    logger.info('email not sent: no SMTP configured; here it is', { to, subject, text });
  };
}
