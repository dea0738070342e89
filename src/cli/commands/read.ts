/** `dingread read`: users read a message, or open a chat, through the control plane. */
import { MAX_CLOCK_MS } from '../../core/clock.js';
import { CommandError, defineCommand, UsageError, wholeNumber } from '../command.js';
import { CONNECTION_OPTIONS, connect, count, formatTime, targetOf } from '../remote.js';

/** Why a read was ignored, in words (the reasons of POST /_dingread/v1/reads). */
const REASONS: Record<string, string> = {
  'user.notRecipient': 'not a recipient of this message',
  'message.recalled': 'the message was recalled',
  'message.notDelivered': 'the message is still on its way (PROCESSING)',
  'message.notFound': 'there is no such message',
};

export const command = defineCommand({
  name: 'read',
  summary: 'record that users read a message, or opened a chat',
  usage: [
    '<processQueryKey> <userId>... [options]',
    '--chat <openConversationId> --user <userId> [options]',
    '--robot <robotCode> --user <userId> [options]',
  ],
  description:
    'Records that users have read a message (POST /_dingread/v1/reads), or that a user opened a group or person-to-person chat, or their one-on-one chat with a robot: everything delivered to them there is then read.',
  options: {
    at: { type: 'string', value: 'MS', help: "when it was read, in epoch milliseconds (default: the server's now)" },
    chat: { type: 'string', value: 'CID', help: 'open this conversation as --user' },
    robot: { type: 'string', value: 'CODE', help: 'open the one-on-one chat with this robot as --user' },
    user: { type: 'string', value: 'ID', help: 'who opens the chat' },
    ...CONNECTION_OPTIONS,
  },
  positionals: true,
  examples: [
    'dingread read "$KEY" user001 user002',
    "dingread read --chat 'cidDemoAllHands==' --user user007",
    'dingread read --robot dingdemobot --user user003 --json',
  ],
  exitStatus:
    'Exit status: 0 when the reads were recorded (a user who had already read it changes nothing and counts too), 1 when none was (each ignored user is named with the reason) or the message does not exist, 2 for a mistake in the command line.',
  target: targetOf,
  async run({ values, positionals, io }) {
    const at = values.at === undefined ? undefined : wholeNumber('at', values.at, 0, MAX_CLOCK_MS, 'epoch milliseconds');
    const { chat, robot, user } = values;

    if (chat !== undefined || robot !== undefined) {
      if (chat !== undefined && robot !== undefined) throw new UsageError('give --chat or --robot, not both');
      if (!user) throw new UsageError(`--${chat !== undefined ? 'chat' : 'robot'} needs --user: who opens the chat`);
      if (positionals.length > 0) throw new UsageError(`opening a chat takes no processQueryKey (unexpected ${JSON.stringify(positionals[0])})`);
      const { admin } = await connect(values, io.env);
      const { marked } = chat !== undefined ? await admin.openConversation(chat, user, at) : await admin.openRobotChat(robot as string, user, at);
      return { data: { marked }, text: `${user} opened the chat: ${count(marked, 'message')} newly read.` };
    }
    if (user !== undefined) throw new UsageError('--user goes with --chat or --robot; to read a message, give its processQueryKey and the userIds');

    const [key, ...given] = positionals;
    if (!key) throw new UsageError('give a processQueryKey and at least one userId');
    const users = [...new Set(given)];
    if (users.length === 0) throw new UsageError(`give at least one userId after the processQueryKey`);
    const { admin } = await connect(values, io.env);
    // The message first: a wrong key is the key's fault, not each user's; and it says who had read it already.
    const before = await admin.message(key).catch((error: unknown) => {
      if ((error as { code?: string }).code === 'object.notFound') {
        throw new CommandError('object.notFound', `no message has the processQueryKey ${JSON.stringify(key)}`, { status: 404 });
      }
      throw error;
    });
    const readBefore = new Map(before.recipients.filter((r) => r.readAt !== null).map((r) => [r.userId, r.readAt as number]));
    const names = new Map(before.recipients.map((r) => [r.userId, r.name]));
    const outcome = await admin.reads(users.map((userId) => ({ processQueryKey: key, userId, ...(at === undefined ? {} : { readAt: at }) })));

    const ignored = new Map(outcome.ignored.map(({ index, reason }) => [users[index] as string, reason]));
    const recorded = users.filter((u) => !ignored.has(u) && !readBefore.has(u));
    const already = users.filter((u) => !ignored.has(u) && readBefore.has(u));
    const who = (u: string): string => (names.get(u) && names.get(u) !== u ? `${names.get(u)} (${u})` : u);
    const lines: string[] = [];
    if (recorded.length > 0) lines.push(`Recorded ${count(recorded.length, 'read')}: ${recorded.map(who).join(', ')}.`);
    for (const u of already) lines.push(`${who(u)} had already read it, at ${formatTime(readBefore.get(u) as number)}: nothing changed.`);
    for (const [u, reason] of ignored) lines.push(`Ignored ${u}: ${REASONS[reason] ?? reason}.`);
    const data = { ...outcome, recorded, alreadyRead: already };
    if (outcome.accepted === 0) {
      throw new CommandError('reads.noneRecorded', `no read was recorded.\n${lines.join('\n')}`, { ignored: outcome.ignored });
    }
    return { data, text: lines.join('\n') };
  },
});
