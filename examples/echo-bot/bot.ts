/**
 * An echo bot on DingTalk's Stream SDK (npm `dingtalk-stream`), written as for real DingTalk: it
 * hears what users write to it (one-on-one, or @-mentioning it in a group), answers through the
 * message's session webhook, and acknowledges the callback so that DingTalk does not push it
 * again. Nothing here knows about dingread.
 */
import { DWClient, TOPIC_ROBOT, type DWClientDownStream, type RobotTextMessage } from 'dingtalk-stream';

export interface EchoBotOptions {
  clientId: string;
  clientSecret: string;
}

export class EchoBot {
  readonly client: DWClient;
  /** Messages answered so far. */
  answered = 0;

  constructor(options: EchoBotOptions) {
    this.client = new DWClient({ clientId: options.clientId, clientSecret: options.clientSecret });
    this.client.registerCallbackListener(TOPIC_ROBOT, (frame) => {
      this.answer(frame).catch((error: unknown) => console.error('echo bot: could not answer', error));
    });
  }

  /** Connects (the SDK reconnects by itself after a drop). */
  async start(): Promise<void> {
    await this.client.connect();
  }

  stop(): void {
    this.client.disconnect();
  }

  private async answer(frame: DWClientDownStream): Promise<void> {
    const message = JSON.parse(frame.data) as RobotTextMessage;
    const text = message.text.content.trim();
    const response = await fetch(message.sessionWebhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        msgtype: 'text',
        text: { content: `echo: ${text}` },
        // In a group, the answer @-mentions whoever wrote.
        ...(message.conversationType === '2' ? { at: { atUserIds: [message.senderStaffId] } } : {}),
      }),
    });
    const { errcode, errmsg } = (await response.json()) as { errcode: number; errmsg: string };
    if (errcode !== 0) throw new Error(`the session webhook answered ${errcode} ${errmsg}`);
    this.answered++;
    this.client.socketCallBackResponse(frame.headers.messageId, { answered: true });
  }
}
