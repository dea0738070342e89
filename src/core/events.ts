/**
 * What happened, as it happens: services emit here after a write has succeeded, and the control
 * plane's event stream (`GET /_dingread/v1/events`) and the dashboard listen. Emitting with nobody
 * listening costs a branch: callers check `active` before building a payload.
 */
import type { MessageKind } from './store.js';

export type DingReadEvent =
  | {
      type: 'sent';
      processQueryKey: string;
      kind: MessageKind;
      corpId: string;
      robotCode: string;
      openConversationId?: string;
      recipientCount: number;
      sentAt: number;
      /** How the robot sent it, when not through the API: a reply to a session webhook. */
      via?: 'sessionWebhook';
    }
  /** Reads that were accepted, grouped by message (a repeated read is included; it changes nothing). */
  | { type: 'read'; processQueryKey: string; userIds: string[]; at: number }
  | { type: 'recalled'; processQueryKey: string; corpId: string; robotCode: string; recalledAt: number }
  /** A user opened a chat: every message of it delivered to them is read (`marked` of them were new). */
  | {
      type: 'opened';
      userId: string;
      openConversationId?: string;
      robotCode?: string;
      marked: number;
      at: number;
    }
  | { type: 'clock'; nowMs: number; mode: 'system' | 'manual' }
  /** A card was created, delivered or had its variables changed (core/cards.ts). */
  | { type: 'card'; outTrackId: string; corpId: string; at: number }
  /** A user wrote to a robot (`robotCode`) or in a conversation; what became of it for each robot. */
  | {
      type: 'userMessage';
      msgId: string;
      corpId: string;
      userId: string;
      text: string;
      /** A file the user sent (its id in the control plane); text is then empty. */
      fileId?: string;
      openConversationId?: string;
      robotCode?: string;
      atRobots?: string[];
      deliveries: Array<{ robotCode: string; status: 'delivered' | 'noConnection' | 'notMentioned' }>;
      createdAt: number;
    }
  /** A Stream callback was pushed to a connection, acknowledged by the client, or given up. */
  | {
      type: 'delivery';
      state: 'pushed' | 'acknowledged' | 'abandoned';
      messageId: string;
      msgId: string;
      robotCode: string;
      clientId: string;
      connectionId?: string;
      attempt: number;
      at: number;
    }
  /** A Stream client connected to this node, or its connection closed. */
  | {
      type: 'streamConnection';
      state: 'open' | 'closed';
      connectionId: string;
      clientId: string;
      reason?: string;
      at: number;
    }
  /** A custom (webhook) robot posted into its group (`text`: what a phone shows of it). */
  | {
      type: 'webhookMessage';
      msgId: string;
      corpId: string;
      openConversationId: string;
      webhookRobot: string;
      msgtype: string;
      text: string;
      at?: { atUserIds?: string[]; atMobiles?: string[]; isAtAll?: boolean };
      createdAt: number;
    }
  /** Everything was forgotten (`POST /reset`) or a directory was loaded: views should reload. */
  | { type: 'changed'; what: 'reset' | 'directory' };

export type EventListener = (event: DingReadEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  /** Whether anyone listens; emitters skip building events when nobody does. */
  get active(): boolean {
    return this.listeners.size > 0;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(event: DingReadEvent): void {
    for (const listener of this.listeners) {
      // A listener that throws must not undo or fail the write that already happened.
      try {
        listener(event);
      } catch {
        this.listeners.delete(listener);
      }
    }
  }
}
