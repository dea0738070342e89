/** `dingread status KEY [--watch]`: who has read a message, as a progress bar that can follow live reads. */
import type { MessageDetail } from '../../core/answers.js';
import { defineCommand, UsageError } from '../command.js';
import type { Io } from '../io.js';
import { CONNECTION_OPTIONS, connect, count, eventNames, formatTime, StreamDropped, targetOf, type Remote } from '../remote.js';

const BAR_WIDTH = 30;
const RECONNECT_MS = 2_000;

export const command = defineCommand({
  name: 'status',
  summary: 'how many have read a message; --watch follows reads live',
  usage: ['<processQueryKey> [options]'],
  description: 'Shows how many recipients have read a message, with its send status and whether it can still be queried.',
  options: {
    watch: {
      type: 'boolean',
      help: 'keep following reads as they arrive (server-sent events) until everyone has read it, it is recalled, or Ctrl-C; with --json, one JSON object per change',
    },
    users: { type: 'boolean', help: 'list every recipient with read time (with --watch: then each reader as they read)' },
    ...CONNECTION_OPTIONS,
  },
  positionals: true,
  examples: [
    "dingread status 'Mwcf7IgVsfEN1U1dGaV9u3m2zuyHeSuHzxphfN3PZ+A='",
    'dingread status "$KEY" --watch --users',
    'dingread status "$KEY" --json | jq .readCount',
  ],
  target: targetOf,
  async run({ values, positionals, json, io }) {
    if (positionals.length !== 1) {
      throw new UsageError(positionals.length === 0 ? 'give the processQueryKey of a message' : `give one processQueryKey, not ${positionals.length}`);
    }
    const key = positionals[0] as string;
    const remote = await connect(values, io.env);
    const message = await remote.admin.message(key);
    if (!values.watch) {
      // The window is judged by the server's clock, which tests and the dashboard may have moved.
      const { nowMs } = await remote.admin.clock.get();
      return { data: message, text: describe(message, nowMs, values.users === true) };
    }
    return watch(io, remote, message, { json, users: values.users === true });
  },
});

export function bar(read: number, total: number): string {
  const filled = total === 0 ? 0 : Math.round((read / total) * BAR_WIDTH);
  const percent = total === 0 ? 0 : Math.floor((read / total) * 100);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${read} / ${total} read (${percent}%)`;
}

function headline(m: MessageDetail): string {
  const where = m.openConversationId ? ` in ${m.openConversationId}` : ` to ${count(m.recipientCount, 'user')}`;
  const kind = { oto: 'one-on-one', group: 'group', privateChat: 'person-to-person' }[m.kind];
  return `${kind} message from ${m.robotCode}${where}, sent ${formatTime(m.sentAt)}: ${m.sendStatus}`;
}

/** What the send status and the 24-hour window mean for the message now. */
function notes(m: MessageDetail, now: number): string[] {
  const lines: string[] = [];
  if (m.sendStatus === 'PROCESSING') lines.push(`Still on its way: delivered at ${formatTime(m.deliveredAt)}.`);
  if (m.sendStatus === 'RECALLED' && m.recalledAt !== undefined) lines.push(`Recalled at ${formatTime(m.recalledAt)}.`);
  if (now >= m.queryableUntil) {
    lines.push(`Past its 24-hour window since ${formatTime(m.queryableUntil)}: it can no longer be queried (processQueryKey.expireTime).`);
  }
  return lines;
}

function recipientLine(r: MessageDetail['recipients'][number]): string {
  return `  ${r.readAt === null ? 'unread' : 'READ  '}  ${r.userId}  ${r.name}${r.readAt === null ? '' : `  ${formatTime(r.readAt)}`}`;
}

function describe(m: MessageDetail, now: number, users: boolean): string {
  const lines = [headline(m), bar(m.readCount, m.recipientCount), ...notes(m, now)];
  if (users) lines.push(...m.recipients.map(recipientLine));
  return `${lines.join('\n')}\n`;
}

const finished = (m: MessageDetail): boolean =>
  m.sendStatus === 'RECALLED' || (m.recipientCount > 0 && m.readCount >= m.recipientCount);

/** Follows the event stream, fetching the message again whenever something about it happens. */
async function watch(io: Io, remote: Remote, first: MessageDetail, options: { json: boolean; users: boolean }): Promise<number> {
  const { json, users } = options;
  const tty = io.stdout.isTTY === true && !json;
  const seen = new Set(first.recipients.filter((r) => r.readAt !== null).map((r) => r.userId));
  let last = '';
  let barShown = false;
  const show = (m: MessageDetail): void => {
    const readers = m.recipients.filter((r) => r.readAt !== null && !seen.has(r.userId));
    for (const r of readers) seen.add(r.userId);
    const state = `${m.readCount}/${m.sendStatus}`;
    if (state === last && readers.length === 0) return;
    last = state;
    if (json) {
      const line: Record<string, unknown> = { processQueryKey: m.processQueryKey, sendStatus: m.sendStatus, readCount: m.readCount, recipientCount: m.recipientCount };
      if (users) line['newReaders'] = readers;
      io.stdout.write(`${JSON.stringify(line)}\n`);
      return;
    }
    const progress = `${bar(m.readCount, m.recipientCount)} ${m.sendStatus}`;
    const listed = users ? readers.map((r) => `${recipientLine(r)}\n`).join('') : '';
    if (tty) io.stdout.write(`${barShown ? '\r\x1b[K' : ''}${listed}${progress}  `);
    else io.stdout.write(`${listed}${progress}\n`);
    barShown = true;
  };
  if (!json) {
    io.stdout.write(`${headline(first)}\n`);
    if (users) io.stdout.write(first.recipients.map((r) => `${recipientLine(r)}\n`).join(''));
  }
  show(first);
  if (finished(first)) return done(io, first, tty, json);

  const abort = new AbortController();
  const stopListening = io.onSignal(['SIGINT', 'SIGTERM'], () => abort.abort());
  let current = first;
  try {
    while (!abort.signal.aborted && !finished(current)) {
      try {
        for await (const _event of eventNames(remote, { processQueryKey: first.processQueryKey }, abort.signal)) {
          current = await remote.admin.message(first.processQueryKey);
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
  } finally {
    abort.abort();
    stopListening();
  }
  if (!finished(current)) {
    if (tty) io.stdout.write('\n');
    return 0;
  }
  return done(io, current, tty, json);
}

function done(io: Io, m: MessageDetail, tty: boolean, json: boolean): number {
  if (tty) io.stdout.write('\n');
  if (!json) io.stdout.write(m.sendStatus === 'RECALLED' ? 'The message was recalled.\n' : 'Everyone has read it.\n');
  return 0;
}
