/**
 * An example bot: it posts an announcement to a group, and an hour later sends a one-on-one
 * reminder to every member who has not read it yet. Time comes from `now()`, so a test can move
 * it together with dingread's clock instead of waiting an hour.
 *
 * In your own project, import the client as `dingread/client` (or use the official SDK); inside
 * this repository the examples import the sources directly.
 */
import { DingTalkClient } from '../../src/client/index.js';

export interface AnnouncementBotOptions {
  client: DingTalkClient;
  robotCode: string;
  openConversationId: string;
  /** Who is in the group: DingTalk's read query lists readers only, so the bot works out the rest. */
  members: string[];
  /** How long people get to read before the reminder (default one hour). */
  escalateAfterMs?: number;
  now?: () => number;
}

export interface Announcement {
  processQueryKey: string;
  title: string;
  sentAt: number;
  /** Set once the reminders went out: who got one, and the reminder's own key. */
  escalation?: { userIds: string[]; processQueryKey?: string };
}

/** DingTalk takes at most 20 userIds per one-on-one send. */
const OTO_BATCH = 20;

export class AnnouncementBot {
  readonly announcements: Announcement[] = [];
  private readonly escalateAfterMs: number;
  private readonly now: () => number;

  constructor(private readonly options: AnnouncementBotOptions) {
    this.escalateAfterMs = options.escalateAfterMs ?? 60 * 60 * 1000;
    this.now = options.now ?? Date.now;
  }

  async announce(title: string, text: string): Promise<Announcement> {
    const { processQueryKey } = await this.options.client.orgGroupSend({
      robotCode: this.options.robotCode,
      openConversationId: this.options.openConversationId,
      msgKey: 'sampleMarkdown',
      msgParam: { title, text },
    });
    const announcement: Announcement = { processQueryKey, title, sentAt: this.now() };
    this.announcements.push(announcement);
    return announcement;
  }

  /** Run this every few minutes: escalates each announcement whose hour is up, once. */
  async tick(): Promise<Announcement[]> {
    const escalated: Announcement[] = [];
    for (const announcement of this.announcements) {
      if (announcement.escalation || this.now() - announcement.sentAt < this.escalateAfterMs) continue;
      await this.escalate(announcement);
      escalated.push(announcement);
    }
    return escalated;
  }

  private async escalate(announcement: Announcement): Promise<void> {
    const { client, robotCode, openConversationId, members } = this.options;
    const readers = new Set<string>();
    for await (const userId of client.orgGroupReadUsers({ robotCode, openConversationId, processQueryKey: announcement.processQueryKey })) {
      readers.add(userId);
    }
    const unread = members.filter((userId) => !readers.has(userId));
    announcement.escalation = { userIds: unread };
    for (let i = 0; i < unread.length; i += OTO_BATCH) {
      const { processQueryKey } = await client.batchSendOTO({
        robotCode,
        userIds: unread.slice(i, i + OTO_BATCH),
        msgKey: 'sampleText',
        msgParam: { content: `Reminder: please read "${announcement.title}" in the group.` },
      });
      announcement.escalation.processQueryKey ??= processQueryKey;
    }
  }
}
