/** `dingread say`: a simulated user writes to a robot, or in a conversation, through the control plane. */
import { defineCommand, UsageError } from '../command.js';
import { CONNECTION_OPTIONS, connect, targetOf } from '../remote.js';

/** Each status of POST …/messages in words. */
const STATUS: Record<string, string> = {
  delivered: 'delivered (a Stream connection of its app got it)',
  noConnection: 'not delivered: no Stream connection of its app is open',
  notMentioned: 'not delivered: not @-mentioned',
};

export const command = defineCommand({
  name: 'say',
  summary: 'write to a robot, or in a group, as a user (Stream mode)',
  usage: ['--as ID --robot CODE TEXT [options]', '--as ID --to CID [--at CODES] TEXT [options]'],
  description:
    'A user writes to a robot one-on-one (--robot), or in a conversation (--to), where only the robots named with --at hear it. The Stream connections of each robot\'s app get the message (docs/stream.md), and the user has opened the chat: everything delivered to them there is now read. Prints, for each robot, whether a connection got it.',
  options: {
    as: { type: 'string', value: 'ID', section: 'Who and where', help: 'the userId who writes' },
    robot: { type: 'string', value: 'CODE', section: 'Who and where', help: 'write to this robot, one-on-one' },
    to: { type: 'string', value: 'CID', section: 'Who and where', help: 'write in this conversation (openConversationId)' },
    at: { type: 'string', value: 'CODES', section: 'Who and where', help: "@-mention these robots of the conversation (comma-separated robotCodes)" },
    ...CONNECTION_OPTIONS,
  },
  positionals: true,
  examples: [
    "dingread say --as user001 --robot dingdemoapp 'hello bot'",
    "dingread say --as user002 --to 'cidDemoAllHands==' --at dingdemoapp,dingdemobot 'standup in 5?'",
    "dingread say --as user001 --robot dingdemoapp 'hi' --json",
  ],
  target: targetOf,
  async run({ values, positionals, io }) {
    const { as: userId, robot: robotCode, to: openConversationId } = values;
    if (!userId) throw new UsageError('--as is required: the userId who writes');
    if ((robotCode === undefined) === (openConversationId === undefined)) {
      throw new UsageError(robotCode === undefined ? 'say where: --robot CODE or --to CID' : 'give --robot or --to, not both');
    }
    const atRobots = (values.at ?? '')
      .split(',')
      .map((code) => code.trim())
      .filter((code) => code !== '');
    if (robotCode !== undefined && values.at !== undefined) throw new UsageError('--at goes with --to: a one-on-one chat with a robot needs no mention');
    if (positionals.length !== 1 || positionals[0] === '') {
      throw new UsageError(positionals.length > 1 ? 'give the text as one argument (quote it)' : 'give the text to say');
    }
    const text = positionals[0] as string;
    const { admin } = await connect(values, io.env);
    const said =
      robotCode !== undefined
        ? await admin.say({ userId, robotCode, text })
        : await admin.say({ userId, openConversationId: openConversationId as string, text, atRobots });
    const lines = [`${userId} said it (msgId ${said.msgId}).`];
    if (said.deliveries.length === 0) lines.push('No robot is in this chat.');
    for (const { robotCode: code, status } of said.deliveries) lines.push(`  ${code}: ${STATUS[status] ?? status}`);
    return { data: said, text: lines.join('\n') };
  },
});
