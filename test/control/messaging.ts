/** Sends and recalls through the real DingTalk-compatible endpoints, for the control-plane tests. */
import { ACME } from '../helpers/fixtures.js';
import { call, tokenFor, type TestServer } from '../helpers/server.js';

export interface Sender {
  group(openConversationId: string, content?: string, robotCode?: string): Promise<string>;
  oto(userIds: string[], robotCode?: string): Promise<string>;
  privateChat(openConversationId: string, coolAppCode: string): Promise<string>;
  recallGroup(openConversationId: string, key: string): Promise<void>;
}

export async function sender(server: TestServer, appKey: string = ACME.appKey, appSecret: string = ACME.appSecret): Promise<Sender> {
  const token = await tokenFor(server.url, appKey, appSecret);
  const post = async (path: string, body: unknown): Promise<any> => {
    const { status, body: answer } = await call(server.url, 'POST', `/v1.0/robot${path}`, { token, body });
    if (status !== 200) throw new Error(`${path} answered ${status}: ${JSON.stringify(answer)}`);
    return answer;
  };
  const text = (content: string) => ({ msgKey: 'sampleText', msgParam: JSON.stringify({ content }) });
  return {
    async group(openConversationId, content = 'hello', robotCode = ACME.robot) {
      return (await post('/groupMessages/send', { robotCode, openConversationId, ...text(content) })).processQueryKey;
    },
    async oto(userIds, robotCode = ACME.robot) {
      return (await post('/oToMessages/batchSend', { robotCode, userIds, ...text('oto') })).processQueryKey;
    },
    async privateChat(openConversationId, coolAppCode) {
      return (await post('/privateChatMessages/send', { robotCode: ACME.robot, openConversationId, coolAppCode, ...text('pair') }))
        .processQueryKey;
    },
    async recallGroup(openConversationId, key) {
      const answer = await post('/groupMessages/recall', {
        robotCode: ACME.robot,
        openConversationId,
        processQueryKeys: [key],
      });
      if (!answer.successResult?.includes(key)) throw new Error(`recall failed: ${JSON.stringify(answer)}`);
    },
  };
}

/** `/_dingread/v1/messages/{key}` with the key URL-encoded, as the contract asks of callers. */
export function messagePath(key: string): string {
  return `/messages/${encodeURIComponent(key)}`;
}
