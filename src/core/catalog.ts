/**
 * DingTalk's catalogue of message templates for robot sends ("Message types",
 * https://open.dingtalk.com/document/development/robot-message-type): each msgKey and the keys its
 * msgParam must hold. msgParam travels as a JSON *string* holding an object.
 */
import { fail } from './errors.js';

export const MSG_PARAM_MAX_BYTES = 15_000;

const actionCard = (buttons: number): string[] => {
  const keys = ['title', 'text'];
  for (let i = 1; i <= buttons; i++) keys.push(`actionTitle${i}`, `actionURL${i}`);
  return keys;
};

export const MSG_CATALOGUE: Readonly<Record<string, readonly string[]>> = {
  sampleText: ['content'],
  sampleMarkdown: ['title', 'text'],
  sampleImageMsg: ['photoURL'],
  sampleLink: ['text', 'title', 'picUrl', 'messageUrl'],
  sampleActionCard: ['title', 'text', 'singleTitle', 'singleURL'],
  sampleActionCard2: actionCard(2),
  sampleActionCard3: actionCard(3),
  sampleActionCard4: actionCard(4),
  sampleActionCard5: actionCard(5),
  sampleActionCard6: ['title', 'text', 'buttonTitle1', 'buttonUrl1', 'buttonTitle2', 'buttonUrl2'],
  sampleAudio: ['mediaId', 'duration'],
  sampleFile: ['mediaId', 'fileName', 'fileType'],
  sampleVideo: ['duration', 'videoMediaId', 'videoType', 'picMediaId'],
};

/** Checks msgKey and msgParam as DingTalk does, failing with its codes. */
export function validateMessage(msgKey: string | undefined, msgParam: string | undefined): { msgKey: string; msgParam: string } {
  if (!msgKey) fail('invalidParameter.msgKey.empty');
  const required = Object.hasOwn(MSG_CATALOGUE, msgKey) ? MSG_CATALOGUE[msgKey] : undefined;
  if (!required) fail('invalidParameter.msgKey.invalid', `unknown msgKey ${JSON.stringify(msgKey)}`);
  if (msgParam === undefined || msgParam === '') fail('invalidParameter.msgParam.invalid', 'msgParam is empty');
  if (Buffer.byteLength(msgParam, 'utf8') > MSG_PARAM_MAX_BYTES) fail('invalidParameter.msgParam.tooLong');
  let parsed: unknown;
  try {
    parsed = JSON.parse(msgParam);
  } catch {
    fail('invalidParameter.msgParam.invalid', 'msgParam must be a JSON-encoded object');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    fail('invalidParameter.msgParam.invalid', 'msgParam must be a JSON-encoded object');
  }
  const params = parsed as Record<string, unknown>;
  for (const key of required) {
    const value = params[key];
    if (typeof value !== 'string' || value === '') {
      fail('invalidParameter.msgParam.invalid', `${msgKey} needs a non-empty string "${key}" in msgParam`);
    }
  }
  return { msgKey, msgParam };
}
