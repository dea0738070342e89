/** `dingread status KEY [--watch]`: who has read a message, as a progress bar that can follow live reads. */
import type { MessageDetail } from '../../core/inspection.js';
import { formatTime, printJson, remoteOf, REMOTE_HELP, runCommand, UsageError, type Remote } from '../remote.js';

export const STATUS_HELP = `Usage: dingread status <processQueryKey> [options]

Shows how many recipients have read a message, with its send status.

Options:
  --watch              keep following reads as they arrive (server-sent events) until everyone
                       has read it, it is recalled, or Ctrl-C
  --users              list every recipient with read time
${REMOTE_HELP}

Examples:
  dingread status 'Mwcf7IgVsfEN1U1dGaV9u3m2zuyHeSuHzxphfN3PZ+A='
  dingread status "$KEY" --watch
  dingread status "$KEY" --json | jq .readCount
`;

const BAR_WIDTH = 30;
const RECONNECT_MS = 2_000;

export function run(argv: string[]): Promise<number> {
  return runCommand(
    'status',
    STATUS_HELP,
    argv,
    { watch: { type: 'boolean', default: false }, users: { type: 'boolean', default: false } },
    async ({ values, positionals }) => {
      if (positionals.length !== 1) throw new UsageError('give exactly one processQueryKey');
      const key = positionals[0] as string;
      const remote = remoteOf(values);
      const json = values['json'] === true;
      const message = await remote.admin.message(key);
      if (!values['watch']) {
        if (json) printJson(message);
        else process.stdout.write(describe(message, values['users'] === true));
        return 0;
      }
      return watch(remote, key, message, json);
    },
  );
}

export function bar(read: number, total: number): string {
  const filled = total === 0 ? 0 : Math.round((read / total) * BAR_WIDTH);
  const percent = total === 0 ? 0 : Math.floor((read / total) * 100);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${read} / ${total} read (${percent}%)`;
}

function headline(m: MessageDetail): string {
  const where = m.openConversationId ? ` in ${m.openConversationId}` : '';
  const kind = { oto: 'one-on-one', group: 'group', privateChat: 'person-to-person' }[m.kind];
  return `${kind} message from ${m.robotCode}${where}, sent ${formatTime(m.sentAt)}: ${m.sendStatus}`;
}

function describe(m: MessageDetail, users: boolean): string {
  const lines = [headline(m), bar(m.readCount, m.recipientCount)];
  if (users) {
    for (const r of m.recipients) {
      lines.push(`  ${r.readAt === null ? 'unread' : 'READ  '}  ${r.userId}  ${r.name}${r.readAt === null ? '' : `  ${formatTime(r.readAt)}`}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const finished = (m: MessageDetail): boolean =>
  m.sendStatus === 'RECALLED' || (m.recipientCount > 0 && m.readCount >= m.recipientCount);

/** Follows the event stream, refetching the message whenever something about it happens. */
async function watch(remote: Remote, key: string, first: MessageDetail, json: boolean): Promise<number> {
  const tty = process.stdout.isTTY === true && !json;
  let last = '';
  const show = (m: MessageDetail): void => {
    const state = `${m.readCount}/${m.sendStatus}`;
    if (state === last) return;
    last = state;
    if (json) printJson({ processQueryKey: m.processQueryKey, sendStatus: m.sendStatus, readCount: m.readCount, recipientCount: m.recipientCount });
    else if (tty) process.stdout.write(`\r${bar(m.readCount, m.recipientCount)} ${m.sendStatus}  `);
    else process.stdout.write(`${bar(m.readCount, m.recipientCount)} ${m.sendStatus}\n`);
  };
  if (!json) process.stdout.write(`${headline(first)}\n`);
  show(first);
  if (finished(first)) return done(first, tty, json);

  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  let current = first;
  while (!abort.signal.aborted && !finished(current)) {
    try {
      for await (const _event of events(remote, key, abort.signal)) {
        current = await remote.admin.message(key);
        show(current);
        if (finished(current)) break;
      }
    } catch (error) {
      if (abort.signal.aborted) break;
      // A dropped stream is retried; anything the server refuses (auth, no such route) is final.
      if (!(error instanceof StreamDropped)) throw error;
    }
    if (!finished(current) && !abort.signal.aborted) await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
  }
  abort.abort();
  if (!finished(current)) {
    if (tty) process.stdout.write('\n');
    return 0;
  }
  return done(current, tty, json);
}

function done(m: MessageDetail, tty: boolean, json: boolean): number {
  if (tty) process.stdout.write('\n');
  if (!json) process.stdout.write(m.sendStatus === 'RECALLED' ? 'The message was recalled.\n' : 'Everyone has read it.\n');
  return 0;
}

class StreamDropped extends Error {}

/** The names of the events about `key` (the `ready` event first), from `GET /_dingread/v1/events`. */
async function* events(remote: Remote, key: string, signal: AbortSignal): AsyncGenerator<string> {
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (remote.adminToken) headers['authorization'] = `Bearer ${remote.adminToken}`;
  let response: Response;
  try {
    response = await fetch(`${remote.url}/_dingread/v1/events?${new URLSearchParams({ processQueryKey: key })}`, { headers, signal });
  } catch (error) {
    if (signal.aborted) return;
    throw new StreamDropped(String(error));
  }
  if (!response.ok || !response.body) {
    const text = await response.text();
    throw new Error(`the event stream answered HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.+)$/m.exec(block)?.[1];
        if (name) yield name;
      }
    }
  } catch (error) {
    if (signal.aborted) return;
    throw new StreamDropped(String(error));
  }
  throw new StreamDropped('the event stream ended');
}
