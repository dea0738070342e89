/** `dingread say`: a simulated user writes to a robot, or in a conversation, through the control plane. */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { AdminClient } from '../../testing/admin-client.js';
import { CommandError, defineCommand, UsageError } from '../command.js';
import { fileFailure } from '../failures.js';
import { CONNECTION_OPTIONS, connect, targetOf } from '../remote.js';

/** Each status of POST …/messages in words. */
const STATUS: Record<string, string> = {
  delivered: 'delivered (a Stream connection of its app got it)',
  noConnection: 'not delivered: no Stream connection of its app is open',
  notMentioned: 'not delivered: not @-mentioned',
};

/**
 * The upload type of a file, by its name's extension, as DingTalk's media upload takes them
 * (docs/media.md); anything else is sent as `file`, and the server says which formats it takes.
 */
const TYPE_OF_EXTENSION: Record<string, 'image' | 'voice' | 'video'> = {
  jpg: 'image',
  jpeg: 'image',
  gif: 'image',
  png: 'image',
  bmp: 'image',
  amr: 'voice',
  mp3: 'voice',
  wav: 'voice',
  mp4: 'video',
};

function uploadTypeOf(fileName: string): 'image' | 'voice' | 'video' | 'file' {
  const extension = extname(fileName).slice(1).toLowerCase();
  return Object.hasOwn(TYPE_OF_EXTENSION, extension) ? (TYPE_OF_EXTENSION[extension] as 'image' | 'voice' | 'video') : 'file';
}

/**
 * The org a file must be uploaded to: the one the robot or conversation belongs to, from the
 * directory (a user may say only files uploaded for users of the chat's org).
 */
async function orgOfChat(admin: AdminClient, chat: { robotCode: string } | { openConversationId: string }): Promise<string> {
  const { orgs } = await admin.exportFixture();
  const org = orgs?.find((candidate) =>
    'robotCode' in chat
      ? candidate.robots?.some((robot) => robot.robotCode === chat.robotCode)
      : candidate.conversations?.some((conversation) => conversation.openConversationId === chat.openConversationId),
  );
  if (org) return org.corpId;
  const what = 'robotCode' in chat ? `robot ${chat.robotCode}` : `conversation ${chat.openConversationId}`;
  throw new CommandError('object.notFound', `no ${what} in the directory: no org to upload the file to (pass --org CORPID to name it)`);
}

export const command = defineCommand({
  name: 'say',
  summary: 'write or send a file to a robot, or in a group, as a user (Stream mode)',
  usage: ['--as ID --robot CODE (TEXT | --file PATH) [options]', '--as ID --to CID [--at CODES] (TEXT | --file PATH) [options]'],
  description:
    'A user writes to a robot one-on-one (--robot), or in a conversation (--to), where only the robots named with --at hear it. The Stream connections of each robot\'s app get the message (docs/stream.md), and the user has opened the chat: everything delivered to them there is now read. With --file the user sends a file instead of text: it is uploaded for users of the chat\'s org (found in the directory, or named with --org), its type taken from its extension (jpg, jpeg, gif, png, bmp: image; amr, mp3, wav: voice; mp4: video; anything else: file), and the robot gets a picture, audio, video or file message with a downloadCode (docs/media.md). In a group only an image may be sent. Prints, for each robot, whether a connection got it.',
  options: {
    as: { type: 'string', value: 'ID', section: 'Who and where', help: 'the userId who writes' },
    robot: { type: 'string', value: 'CODE', section: 'Who and where', help: 'write to this robot, one-on-one' },
    to: { type: 'string', value: 'CID', section: 'Who and where', help: 'write in this conversation (openConversationId)' },
    at: { type: 'string', value: 'CODES', section: 'Who and where', help: "@-mention these robots of the conversation (comma-separated robotCodes)" },
    file: { type: 'string', value: 'PATH', section: 'What', help: 'send this file instead of text (an image only, in a group)' },
    org: { type: 'string', value: 'CORPID', section: 'What', help: "with --file: the org to upload it to (default: the chat's, from the directory)" },
    ...CONNECTION_OPTIONS,
  },
  positionals: true,
  examples: [
    "dingread say --as user001 --robot dingdemoapp 'hello bot'",
    "dingread say --as user002 --to 'cidDemoAllHands==' --at dingdemoapp,dingdemobot 'standup in 5?'",
    "dingread say --as user001 --robot dingdemoapp 'hi' --json",
    'dingread say --as user001 --robot dingdemoapp --file report.pdf',
    "dingread say --as user002 --to 'cidDemoAllHands==' --at dingdemoapp --file chart.png",
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
    const path = values.file;
    if (path !== undefined && positionals.length > 0) throw new UsageError('give the text or --file PATH, not both');
    if (path === '') throw new UsageError('--file needs the path of the file to send');
    if (path === undefined && (positionals.length !== 1 || positionals[0] === '')) {
      throw new UsageError(positionals.length > 1 ? 'give the text as one argument (quote it)' : 'give the text to say, or --file PATH');
    }
    if (path === undefined && values.org !== undefined) throw new UsageError('--org goes with --file: it names the org the file is uploaded to');
    let bytes: Uint8Array | undefined;
    if (path !== undefined) {
      try {
        bytes = await readFile(path);
      } catch (error) {
        throw fileFailure(error, path, 'read');
      }
    }
    const chat = robotCode !== undefined ? { robotCode } : { openConversationId: openConversationId as string };
    const { admin } = await connect(values, io.env);
    let what: { text: string } | { fileId: string };
    let sent = 'said it';
    if (path !== undefined && bytes !== undefined) {
      const corpId = values.org ?? (await orgOfChat(admin, chat));
      const fileName = basename(path);
      const type = uploadTypeOf(fileName);
      // Refused before the upload, so that no file is left behind: DingTalk delivers no other file @-sent in a group.
      if (!('robotCode' in chat) && type !== 'image') {
        throw new CommandError('invalidParameter.param.invalid', `only an image may be sent in a group, not ${fileName} (a ${type})`);
      }
      const { fileId } = await admin.uploadFile({ corpId, type, fileName, bytes });
      what = { fileId };
      sent = `sent ${fileName} (fileId ${fileId})`;
    } else {
      what = { text: positionals[0] as string };
    }
    const said = 'robotCode' in chat ? await admin.say({ userId, ...chat, ...what }) : await admin.say({ userId, ...chat, ...what, atRobots });
    const lines = [`${userId} ${sent} (msgId ${said.msgId}).`];
    if (said.deliveries.length === 0) lines.push('No robot is in this chat.');
    for (const { robotCode: code, status } of said.deliveries) lines.push(`  ${code}: ${STATUS[status] ?? status}`);
    return { data: 'fileId' in what ? { ...said, fileId: what.fileId } : said, text: lines.join('\n') };
  },
});
