/** Errors for whoever runs dingread (an option, the store, the database, a refused start): a stable code and a hint. */
/*
 * These never reach the wire, where DingTalk's own codes answer (core/errors.ts). The message is
 * the sentence a person reads; the hint says what to do in one sentence of its own (a message may
 * already say it too); `code` stays the same from release to release, for a program that starts
 * dingread, or a command's --json error, to tell them apart (cli/serve-options.ts, docs/errors.md).
 */

/** Every code, with the hint given when the error names none of its own: what to do about it. */
export const OPERATOR_ERRORS = {
  'store.invalidSpec': 'Use --store memory, sqlite:PATH or postgres://USER@HOST:PORT/DATABASE[?schema=NAME&pool=N].',
  'store.schemaTooNew': 'It was written by a newer dingread: upgrade dingread, or point it at another database.',
  'store.unavailable': 'Check that the database is running and reachable, and that the URL, user and password are right.',
  'startup.publicWithoutAdminToken': 'Pass --admin-token (or DINGREAD_ADMIN_TOKEN), or listen on 127.0.0.1.',
  'startup.fixtureUnreadable': 'Check the --fixture path, and that the file holds one JSON document.',
  'startup.fixtureRejected': 'Mend the document where the message says; `dingread export` prints one that loads.',
  'retention.invalid': 'Keep messages at least as long as the query window, and purge in positive batches at most once a second.',
} as const;

export type OperatorErrorCode = keyof typeof OPERATOR_ERRORS;

export class OperatorError extends Error {
  readonly code: OperatorErrorCode;
  /** One sentence on what to do about it. */
  readonly hint: string;

  constructor(code: OperatorErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint ?? OPERATOR_ERRORS[code];
  }
}
