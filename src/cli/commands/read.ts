/** `dingread read`: users read a message, or open a chat, through the control plane. */
import { printJson, remoteOf, REMOTE_HELP, runCommand, UsageError } from '../remote.js';

export const READ_HELP = `Usage: dingread read <processQueryKey> <userId>... [options]
       dingread read --chat <openConversationId> --user <userId> [options]
       dingread read --robot <robotCode> --user <userId> [options]

Records that users have read a message (POST /_dingread/v1/reads), or that a user opened a group
or person-to-person chat, or their one-on-one chat with a robot: everything delivered to them
there is then read.

Options:
  --at MS              when it was read, in epoch milliseconds (default: the server's now)
  --chat CID           open this conversation as --user
  --robot CODE         open the one-on-one chat with this robot as --user
  --user ID            who opens the chat
${REMOTE_HELP}

Examples:
  dingread read "$KEY" user001 user002
  dingread read --chat 'cidDemoAllHands==' --user user007
  dingread read --robot dingdemobot --user user003 --json

Exit status 1 when no read was recorded (every user was ignored, with its reason).
`;

export function run(argv: string[]): Promise<number> {
  return runCommand(
    'read',
    READ_HELP,
    argv,
    { at: { type: 'string' }, chat: { type: 'string' }, robot: { type: 'string' }, user: { type: 'string' } },
    async ({ values, positionals }) => {
      const { admin } = remoteOf(values);
      const atText = values['at'] as string | undefined;
      if (atText !== undefined && !/^\d{1,16}$/.test(atText)) throw new UsageError('--at must be epoch milliseconds');
      const at = atText === undefined ? undefined : Number(atText);
      const chat = values['chat'] as string | undefined;
      const robot = values['robot'] as string | undefined;
      const user = values['user'] as string | undefined;

      if (chat !== undefined || robot !== undefined) {
        if (chat !== undefined && robot !== undefined) throw new UsageError('give --chat or --robot, not both');
        if (!user) throw new UsageError('opening a chat needs --user');
        if (positionals.length > 0) throw new UsageError('opening a chat takes no processQueryKey');
        const { marked } = chat !== undefined ? await admin.openConversation(chat, user, at) : await admin.openRobotChat(robot as string, user, at);
        if (values['json']) printJson({ marked });
        else process.stdout.write(`${user} opened the chat: ${marked} message${marked === 1 ? '' : 's'} newly read.\n`);
        return 0;
      }

      const [key, ...users] = positionals;
      if (!key || users.length === 0) throw new UsageError('give a processQueryKey and at least one userId');
      const reads = users.map((userId) => ({ processQueryKey: key, userId, ...(at === undefined ? {} : { readAt: at }) }));
      const outcome = await admin.reads(reads);
      if (values['json']) {
        printJson(outcome);
      } else {
        const lines = [`${outcome.accepted} read${outcome.accepted === 1 ? '' : 's'} recorded.`];
        for (const { index, reason } of outcome.ignored) lines.push(`Ignored ${users[index]}: ${reason}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      return outcome.accepted > 0 ? 0 : 1;
    },
  );
}
