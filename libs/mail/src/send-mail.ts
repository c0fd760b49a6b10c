/** One plain-text email to one recipient. */
export interface Mail {
  /** The recipient's address, e.g. `alice@example.com`. */
  readonly to: string;
  readonly subject: string;
  /** The body, as plain text. */
  readonly text: string;
}

/**
 * The port through which Parley sends email (password resets, invitations, notifications).
 *
 * Resolves once the mail server has accepted the message for delivery; that is all it promises (the
 * recipient's server may still bounce it later). Rejects with `ParleyError('unavailable', ...)` when the
 * message could not be handed over; the caller decides whether to retry. The sender's address is the
 * adapter's configuration, not the caller's.
 */
export type SendMail = (mail: Mail) => Promise<void>;
