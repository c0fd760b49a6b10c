export type { Mail, SendMail } from './send-mail.js';
export { createSmtpMailer, type SmtpMailerOptions } from './smtp-mailer.js';
export { createLogMailer } from './log-mailer.js';
export { readMailConfig, createMailer, type MailConfig } from './mail-config.js';
