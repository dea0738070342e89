/** `dingread send`: a robot sends a message through the DingTalk API, with an app's credentials, as a bot would. */
import { DingTalkClient } from '../../client/client.js';
import type { MessageContent } from '../../client/types.js';
import { defineCommand, UsageError, type Values } from '../command.js';
import { CONNECTION_OPTIONS, connect, count, targetOf } from '../remote.js';

const OPTIONS = {
  robot: { type: 'string', value: 'CODE', section: 'Where', help: 'the robotCode that sends' },
  to: { type: 'string', value: 'IDS', section: 'Where', help: 'one-on-one, to these userIds (comma-separated, at most 20)' },
  group: { type: 'string', value: 'CID', section: 'Where', help: 'into this group (openConversationId)' },
  chat: { type: 'string', value: 'CID', section: 'Where', help: 'into this person-to-person chat, with --cool-app' },
  'cool-app': { type: 'string', value: 'CODE', section: 'Where', help: "the person-to-person chat's coolAppCode" },
  text: { type: 'string', value: 'TEXT', section: 'Message (one of)', help: 'sampleText' },
  markdown: {
    type: 'string',
    value: 'TEXT',
    section: 'Message (one of)',
    help: 'sampleMarkdown, with --title (default: the first line, without its markdown)',
  },
  title: { type: 'string', value: 'TITLE', section: 'Message (one of)', help: "the markdown message's title" },
  'msg-key': { type: 'string', value: 'KEY', section: 'Message (one of)', help: 'any message template, with --msg-param JSON' },
  'msg-param': { type: 'string', value: 'JSON', section: 'Message (one of)', help: "the template's parameters" },
  'app-key': { type: 'string', value: 'KEY', section: 'App', help: "the app's appKey (env DINGREAD_APP_KEY)" },
  'app-secret': { type: 'string', value: 'SECRET', section: 'App', help: 'its appSecret (env DINGREAD_APP_SECRET)' },
  ...CONNECTION_OPTIONS,
} as const;

export const command = defineCommand({
  name: 'send',
  summary: 'send a message as a robot, through the DingTalk API',
  usage: [
    '--robot CODE --to IDS --text T [options]',
    '--robot CODE --group CID --text T [options]',
    '--robot CODE --chat CID --cool-app CODE --text T [options]',
  ],
  description:
    "Sends as a robot through the DingTalk API (an access token from the app's key and secret, then oToMessages/batchSend, groupMessages/send or privateChatMessages/send), and prints the processQueryKey. Instead of --text, the message may be --markdown or any --msg-key.",
  options: OPTIONS,
  examples: [
    "dingread send --app-key dingdemoapp --app-secret demo-secret --robot dingdemobot --group 'cidDemoAllHands==' --text 'Standup in 5'",
    "dingread send --robot dingdemobot --to user001,user002 --markdown '# Release 2.4 is out' --title 'Release 2.4'",
    'KEY=$(dingread send --robot dingdemobot --to user001 --text hi --json | jq -r .processQueryKey)',
  ],
  target: targetOf,
  async run({ values, io }) {
    const robotCode = values.robot;
    if (!robotCode) throw new UsageError('--robot is required: the robotCode that sends');
    const targets = (['to', 'group', 'chat'] as const).filter((name) => values[name] !== undefined);
    if (targets.length !== 1) {
      throw new UsageError(targets.length === 0 ? 'say where: one of --to, --group, --chat' : `give one of --to, --group, --chat, not ${targets.map((t) => `--${t}`).join(' and ')}`);
    }
    if (values.chat !== undefined && !values['cool-app']) throw new UsageError('--chat needs --cool-app, the chat\'s coolAppCode');
    const content = messageOf(values);
    const appKey = values['app-key'] ?? (io.env['DINGREAD_APP_KEY'] || undefined);
    const appSecret = values['app-secret'] ?? (io.env['DINGREAD_APP_SECRET'] || undefined);
    if (!appKey || !appSecret) {
      throw new UsageError(`--${appKey ? 'app-secret' : 'app-key'} is required: the app's credentials, as --app-key and --app-secret (or DINGREAD_APP_KEY, DINGREAD_APP_SECRET)`);
    }
    const { url } = await connect(values, io.env);
    const client = new DingTalkClient({ appKey, appSecret, endpoint: url, retries: 0 });

    let answer: { processQueryKey: string; invalidStaffIdList?: string[]; flowControlledStaffIdList?: string[] };
    let where: string;
    if (values.to !== undefined) {
      const userIds = [...new Set(values.to.split(',').map((id) => id.trim()).filter(Boolean))];
      if (userIds.length === 0) throw new UsageError('--to needs at least one userId');
      answer = await client.batchSendOTO({ ...content, robotCode, userIds });
      // DingTalk leaves unknown users out and says which; the rest received it.
      const left = new Set([...(answer.invalidStaffIdList ?? []), ...(answer.flowControlledStaffIdList ?? [])]);
      const received = userIds.filter((id) => !left.has(id));
      where = received.length === 0 ? 'to no one' : `to ${count(received.length, 'user')} (${received.join(', ')})`;
    } else if (values.group !== undefined) {
      answer = await client.orgGroupSend({ ...content, robotCode, openConversationId: values.group });
      where = `into group ${values.group}`;
    } else {
      const chat = values.chat as string;
      answer = await client.privateChatSend({ ...content, robotCode, openConversationId: chat, coolAppCode: values['cool-app'] as string });
      where = `into chat ${chat}`;
    }
    const lines = [`Sent ${where} as ${robotCode}.`, `processQueryKey: ${answer.processQueryKey}`];
    if (answer.invalidStaffIdList?.length) lines.push(`Not sent to unknown users: ${answer.invalidStaffIdList.join(', ')}`);
    if (answer.flowControlledStaffIdList?.length) lines.push(`Held back by flow control: ${answer.flowControlledStaffIdList.join(', ')}`);
    lines.push(`Follow its reads: dingread status '${answer.processQueryKey}' --watch`);
    return { data: answer, text: lines.join('\n') };
  },
});

function messageOf(values: Values<typeof OPTIONS>): MessageContent {
  const { text, markdown } = values;
  const msgKey = values['msg-key'];
  const given = [text, markdown, msgKey].filter((value) => value !== undefined).length;
  if (given !== 1) throw new UsageError(given === 0 ? 'say what: one of --text, --markdown, --msg-key' : 'give one of --text, --markdown, --msg-key, not several');
  if (text !== undefined) return { msgKey: 'sampleText', msgParam: { content: text } };
  if (markdown !== undefined) return { msgKey: 'sampleMarkdown', msgParam: { title: values.title ?? titleOf(markdown), text: markdown } };
  const msgParam = values['msg-param'];
  if (msgParam === undefined) throw new UsageError('--msg-key needs --msg-param JSON');
  try {
    JSON.parse(msgParam);
  } catch {
    throw new UsageError('--msg-param must be JSON, such as \'{"content":"hi"}\'');
  }
  // The server checks the key and its params, as DingTalk does.
  return { msgKey, msgParam } as MessageContent;
}

/** A markdown message's title from its first line, as a chat list shows it: `# **Release**` is `Release`. */
export function titleOf(markdown: string): string {
  const firstLine = markdown.split('\n').find((line) => line.trim() !== '') ?? '';
  const plain = firstLine
    .replace(/^\s{0,3}(#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+)/, '')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`~]+/g, '')
    .trim();
  return plain.slice(0, 50) || 'Message';
}
