/**
 * Every way a command can fail, as a code (for `--json`) and one sentence a person can act on.
 * Errors of the control-plane client, the DingTalk client, the network and the file system are
 * turned into those here, once, so that each is worded the same in every command.
 */
import { isDingTalkError } from '../client/errors.js';
import { AdminError } from '../testing/admin-client.js';

/** A mistake in the command line: exit status 2, with the command's usage line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure with its code: exit status 1 unless said otherwise. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly code: string,
    message: string,
    /** More fields for the JSON error object (an HTTP status, a request id, what was ignored). */
    readonly details: Record<string, unknown> = {},
    readonly exitStatus = 1,
  ) {
    super(message);
  }
}

export function describeFailure(error: unknown, url: string | undefined): CommandError {
  if (error instanceof CommandError) return error;
  if (error instanceof AdminError) return controlPlaneFailure(error);
  if (isDingTalkError(error)) {
    if (error.kind === 'network' || error.kind === 'timeout') return unreachable(url ?? 'the server', causeOf(error.cause) ?? error.kind);
    // The client's message already starts with the code and ends with the status and request id.
    return new CommandError(error.code, error.message, {
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
    });
  }
  if (error instanceof TypeError && error.message === 'fetch failed') return unreachable(url ?? 'the server', causeOf(error.cause) ?? 'no answer');
  return new CommandError('failed', error instanceof Error ? error.message : String(error));
}

/** The one wording of "nothing answers there". */
export function unreachable(url: string, why: string): CommandError {
  return new CommandError(
    'unreachable',
    `cannot reach dingread at ${url} (${why}). Is "dingread serve" running there? Use --url or DINGREAD_URL to point elsewhere.`,
  );
}

/** ECONNREFUSED, ENOTFOUND…: the reason a request got no answer, from a fetch error's cause. */
export function causeOf(cause: unknown): string | undefined {
  if (typeof cause !== 'object' || cause === null) return undefined;
  const { code, name, message, cause: deeper } = cause as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === 'string') return code;
  if (name === 'TimeoutError') return 'no answer in time';
  return causeOf(deeper) ?? (typeof message === 'string' && message ? message : undefined);
}

function controlPlaneFailure(error: AdminError): CommandError {
  const details = { status: error.status, ...(error.requestId ? { requestId: error.requestId } : {}) };
  const sentence: Record<string, string> = {
    'adminToken.missing': 'the server asks for its admin token: pass --admin-token or set DINGREAD_ADMIN_TOKEN',
    'adminToken.invalid': 'the server did not accept that admin token (--admin-token or DINGREAD_ADMIN_TOKEN)',
    'controlPlane.loopbackOnly':
      'the server answers its control plane on its own machine only: run this there, or start the server with --admin-token',
  };
  const known = Object.hasOwn(sentence, error.code) ? sentence[error.code] : undefined;
  return new CommandError(error.code, known ? `${known} (${error.code})` : error.message, details);
}

/** A file that could not be read or written, in words (the fs error's code names the case). */
export function fileFailure(error: unknown, file: string, doing: 'read' | 'write'): CommandError {
  const code = (error as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    ENOENT: doing === 'read' ? 'there is no such file' : 'its folder does not exist',
    EISDIR: 'it is a folder, not a file',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOTDIR: 'a part of its path is not a folder',
  };
  const reason = code !== undefined && Object.hasOwn(why, code) ? why[code] : (error as Error).message;
  return new CommandError(doing === 'read' ? 'file.unreadable' : 'file.unwritable', `cannot ${doing} ${file}: ${reason}`, {
    file,
    ...(code ? { reason: code } : {}),
  });
}
