/** `dingread send`: a robot sends a message through the DingTalk API, with an app's credentials, as a bot would. */
import { DingTalkClient } from '../../client/client.js';
import type { MessageContent } from '../../client/types.js';
import { printJson, remoteOf, REMOTE_HELP, runCommand, UsageError } from '../remote.js';

export const SEND_HELP = `Usage: dingread send --robot CODE (--to IDS | --group CID | --chat CID --cool-app CODE) [message] [options]

Sends as a robot through the DingTalk API (an access token from the app's key and secret, then
oToMessages/batchSend, groupMessages/send or privateChatMessages/send), and prints the
processQueryKey.

Where:
  --robot CODE         the robotCode that sends
  --to IDS             one-on-one, to these userIds (comma-separated, at most 20)
  --group CID          into this group (openConversationId)
  --chat CID           into this person-to-person chat, with --cool-app CODE

Message (one of):
  --text TEXT          sampleText
  --markdown TEXT      sampleMarkdown, with --title TITLE (default: the first line)
  --msg-key KEY --msg-param JSON   any message template

App:
  --app-key KEY        the app's appKey (env DINGREAD_APP_KEY)
  --app-secret SECRET  its appSecret (env DINGREAD_APP_SECRET)
${REMOTE_HELP}

Examples:
  dingread send --app-key dingdemoapp --app-secret demo-secret --robot dingdemobot --group 'cidDemoAllHands==' --text 'Standup in 5'
  dingread send --robot dingdemobot --to user001,user002 --markdown '**Release** is out' --title Release
  KEY=$(dingread send --robot dingdemobot --to user001 --text hi --json | jq -r .processQueryKey)
`;

export function run(argv: string[]): Promise<number> {
  return runCommand(
    'send',
    SEND_HELP,
    argv,
    {
      robot: { type: 'string' },
      to: { type: 'string' },
      group: { type: 'string' },
      chat: { type: 'string' },
      'cool-app': { type: 'string' },
      text: { type: 'string' },
      markdown: { type: 'string' },
      title: { type: 'string' },
      'msg-key': { type: 'string' },
      'msg-param': { type: 'string' },
      'app-key': { type: 'string' },
      'app-secret': { type: 'string' },
    },
    async ({ values, positionals }) => {
      if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
      const str = (name: string): string | undefined => values[name] as string | undefined;
      const robotCode = str('robot');
      if (!robotCode) throw new UsageError('--robot is required');
      const targets = ['to', 'group', 'chat'].filter((name) => str(name) !== undefined);
      if (targets.length !== 1) throw new UsageError('give exactly one of --to, --group, --chat');
      if (str('chat') !== undefined && !str('cool-app')) throw new UsageError('--chat needs --cool-app');
      const content = messageOf(str);
      const appKey = str('app-key') ?? process.env['DINGREAD_APP_KEY'];
      const appSecret = str('app-secret') ?? process.env['DINGREAD_APP_SECRET'];
      if (!appKey || !appSecret) throw new UsageError('the app credentials are needed: --app-key and --app-secret (or DINGREAD_APP_KEY, DINGREAD_APP_SECRET)');
      const { url } = remoteOf(values);
      const client = new DingTalkClient({ appKey, appSecret, endpoint: url, retries: 0 });

      let answer: { processQueryKey: string; invalidStaffIdList?: string[] };
      let where: string;
      const to = str('to');
      const group = str('group');
      if (to !== undefined) {
        const userIds = to.split(',').map((id) => id.trim()).filter(Boolean);
        answer = await client.batchSendOTO({ ...content, robotCode, userIds });
        where = `to ${userIds.length} user${userIds.length === 1 ? '' : 's'}`;
      } else if (group !== undefined) {
        answer = await client.orgGroupSend({ ...content, robotCode, openConversationId: group });
        where = `into group ${group}`;
      } else {
        const chat = str('chat') as string;
        answer = await client.privateChatSend({ ...content, robotCode, openConversationId: chat, coolAppCode: str('cool-app') as string });
        where = `into chat ${chat}`;
      }
      if (values['json']) {
        printJson(answer);
        return 0;
      }
      const lines = [`Sent ${where} as ${robotCode}.`, `processQueryKey: ${answer.processQueryKey}`];
      if (answer.invalidStaffIdList?.length) lines.push(`Not sent to unknown users: ${answer.invalidStaffIdList.join(', ')}`);
      lines.push(`Follow its reads: dingread status '${answer.processQueryKey}' --watch`);
      process.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    },
  );
}

function messageOf(str: (name: string) => string | undefined): MessageContent {
  const text = str('text');
  const markdown = str('markdown');
  const msgKey = str('msg-key');
  const given = [text, markdown, msgKey].filter((value) => value !== undefined).length;
  if (given !== 1) throw new UsageError('give exactly one of --text, --markdown, --msg-key');
  if (text !== undefined) return { msgKey: 'sampleText', msgParam: { content: text } };
  if (markdown !== undefined) {
    return { msgKey: 'sampleMarkdown', msgParam: { title: str('title') ?? (markdown.split('\n')[0] as string).slice(0, 50), text: markdown } };
  }
  const msgParam = str('msg-param');
  if (msgParam === undefined) throw new UsageError('--msg-key needs --msg-param JSON');
  try {
    JSON.parse(msgParam);
  } catch {
    throw new UsageError('--msg-param must be JSON, such as \'{"content":"hi"}\'');
  }
  // The server checks the key and its params, as DingTalk does.
  return { msgKey, msgParam } as MessageContent;
}
