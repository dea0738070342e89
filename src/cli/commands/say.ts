/** `dingread say`: a simulated user writes to a robot, or in a conversation, through the control plane. */
import { printJson, remoteOf, REMOTE_HELP, runCommand, UsageError } from '../remote.js';

export const SAY_HELP = `Usage: dingread say --as <userId> --robot <robotCode> <text> [options]
       dingread say --as <userId> --to <openConversationId> [--at <robotCode>]... <text> [options]

A user writes to a robot one-on-one (--robot), or in a group (--to), where only the robots named
with --at hear it. The robot's Stream clients get the message (docs/stream.md), and the user has
opened the chat: everything delivered to them there is read.

Options:
  --as ID              the user who writes
  --robot CODE         write to this robot, one-on-one
  --to CID             write in this conversation
  --at CODE            @-mention this robot of the conversation (repeat for several)
${REMOTE_HELP}

Examples:
  dingread say --as user001 --robot dingdemobot 'hello bot'
  dingread say --as user002 --to 'cidDemoAllHands==' --at dingdemobot 'standup in 5?'
  dingread say --as user001 --robot dingdemobot 'hi' --json

Prints, for each robot, whether a connection of its app got the message (delivered), none
listens (noConnection), or it was not @-mentioned (notMentioned).
`;

export function run(argv: string[]): Promise<number> {
  return runCommand(
    'say',
    SAY_HELP,
    argv,
    { as: { type: 'string' }, robot: { type: 'string' }, to: { type: 'string' }, at: { type: 'string', multiple: true } },
    async ({ values, positionals }) => {
      const { admin } = remoteOf(values);
      const userId = values['as'] as string | undefined;
      const robotCode = values['robot'] as string | undefined;
      const openConversationId = values['to'] as string | undefined;
      const atRobots = (values['at'] as unknown as string[] | undefined) ?? [];
      if (!userId) throw new UsageError('say who writes, with --as');
      if ((robotCode === undefined) === (openConversationId === undefined)) throw new UsageError('give --robot or --to, one of them');
      if (robotCode !== undefined && atRobots.length > 0) throw new UsageError('--at is for a conversation (--to); a robot chat needs none');
      if (positionals.length !== 1 || positionals[0] === '') throw new UsageError('give the text as one argument (quote it)');
      const text = positionals[0] as string;

      const result =
        robotCode !== undefined
          ? await admin.say({ userId, robotCode, text })
          : await admin.say({ userId, openConversationId: openConversationId as string, text, atRobots });
      if (values['json']) {
        printJson(result);
        return 0;
      }
      const lines = [`${userId} said it (msgId ${result.msgId}).`];
      if (result.deliveries.length === 0) lines.push('No robot is in this chat.');
      for (const { robotCode: code, status } of result.deliveries) lines.push(`  ${code}: ${status}`);
      process.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    },
  );
}
