/**
 * A typed client of the control plane (`/_dingread/v1/*`, control-plane.md): what a test suite,
 * a simulator or a script uses to seed a directory, record reads, move the clock and inspect.
 */
import type { ClockState } from '../core/clock.js';
import type { Fault, FaultSpec } from '../core/faults.js';
import type { FixtureCounts, MessageDetail, MessageSummary, SayResult, TimelineItem } from '../core/answers.js';
import type { FixtureDocument } from '../core/fixtures.js';
import type { LoggedRequest, RequestLogFilter } from '../core/request-log.js';
import type { ReadsOutcome } from '../core/store.js';
import type { CardView, PressInput, PressStatus } from '../core/cards.js';
import type { CardButton, CardTemplateRecord } from '../core/store.js';
import type { ConnectionInfo } from '../core/stream-hub.js';
import type { FileView } from '../core/answers.js';
import type { MediaType } from '../core/store.js';

export interface ReadEvent {
  processQueryKey: string;
  userId: string;
  /** Epoch milliseconds; the server's now when left out. */
  readAt?: number;
}

export interface MessageListQuery {
  corpId?: string;
  openConversationId?: string;
  robotCode?: string;
  sendStatus?: 'PROCESSING' | 'SUCCESS' | 'RECALLED';
  /** `open`: still within the 24-hour query window; `closed`: past it. */
  window?: 'open' | 'closed';
  /** Text the message's msgParam holds (ASCII case ignored). */
  text?: string;
  /** Answer `total`, how many messages match, too. */
  total?: boolean;
  limit?: number;
  cursor?: string;
}

/** What a simulated user says: text, or a file uploaded with `uploadFile` (by its `fileId`). */
type Said = { text: string } | { fileId: string };

/** What a simulated user says: to a robot one-on-one, or in a conversation (@-mentioning robots). */
export type SayInput =
  | ({ userId: string; robotCode: string } & Said)
  | ({ userId: string; openConversationId: string; atRobots?: string[] } & Said);

/** A file for a simulated user to send (docs/media.md): its type as DingTalk's upload names it. */
export interface FileInput {
  corpId: string;
  type: MediaType;
  fileName: string;
  bytes: Uint8Array;
  contentType?: string;
}

/** A chat: a user's one-on-one chat with a robot, or a conversation. */
export type ChatRefInput = { robotCode: string; userId: string } | { openConversationId: string };

/** Filters of the request log; all optional, combined with and. */
export type RequestLogQuery = RequestLogFilter;

/** A control-plane call that was answered with an error envelope. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | undefined,
  ) {
    super(`${code}: ${message} (HTTP ${status})`);
    this.name = 'AdminError';
  }
}

export class AdminClient {
  constructor(
    private readonly baseUrl: string,
    private readonly adminToken?: string,
  ) {}

  /** Upserts a directory; applying the same document twice changes nothing. */
  applyFixture(document: FixtureDocument): Promise<FixtureCounts> {
    return this.request('POST', '/fixtures', document);
  }

  /** The whole directory, without secrets. */
  exportFixture(): Promise<FixtureDocument> {
    return this.request('GET', '/fixtures');
  }

  /** Forgets everything: directory, messages, reads, tokens. */
  async reset(): Promise<void> {
    await this.request('POST', '/reset');
  }

  /** Records reads; non-recipients, unknown and recalled messages come back in `ignored`. */
  reads(reads: ReadEvent[]): Promise<ReadsOutcome> {
    return this.request('POST', '/reads', { reads });
  }

  /** The user opens a group or person-to-person chat: everything delivered to them is read. */
  openConversation(openConversationId: string, userId: string, readAt?: number): Promise<{ marked: number }> {
    return this.request('POST', `/conversations/${encodeURIComponent(openConversationId)}/read`, {
      userId,
      ...(readAt === undefined ? {} : { readAt }),
    });
  }

  /** The user opens their one-on-one chat with a robot. */
  openRobotChat(robotCode: string, userId: string, readAt?: number): Promise<{ marked: number }> {
    return this.request(
      'POST',
      `/robots/${encodeURIComponent(robotCode)}/chats/${encodeURIComponent(userId)}/read`,
      readAt === undefined ? {} : { readAt },
    );
  }

  /** One message with every recipient and their read time. */
  message(processQueryKey: string): Promise<MessageDetail> {
    return this.request('GET', `/messages/${encodeURIComponent(processQueryKey)}`);
  }

  /** Messages, newest first. */
  messages(query: MessageListQuery = {}): Promise<{ items: MessageSummary[]; nextCursor?: string; total?: number }> {
    return this.request('GET', `/messages${queryString(query)}`);
  }

  /**
   * A user writes: to a robot one-on-one (`robotCode`), or in a conversation, where only the
   * robots in `atRobots` hear it. Their Stream clients get the message; the user has opened the
   * chat (everything delivered to them there is read).
   *
   * @example
   * const { deliveries } = await dingread.admin.say({ userId: 'u1', robotCode: 'dingbot', text: 'hello' });
   * // deliveries: [{ robotCode: 'dingbot', status: 'delivered' | 'noConnection' }]
   */
  say(input: SayInput): Promise<SayResult> {
    const said = 'fileId' in input ? { fileId: input.fileId } : { text: input.text };
    if ('robotCode' in input) {
      return this.request('POST', `/robots/${encodeURIComponent(input.robotCode)}/chats/${encodeURIComponent(input.userId)}/messages`, said);
    }
    return this.request('POST', `/conversations/${encodeURIComponent(input.openConversationId)}/messages`, {
      userId: input.userId,
      ...said,
      ...(input.atRobots === undefined ? {} : { atRobots: input.atRobots }),
    });
  }

  /**
   * Uploads a file for the org's users to send (`say({ …, fileId })`): the robot then gets a
   * picture or file message whose downloadCode `messageFiles/download` turns into the bytes.
   *
   * @example
   * const { fileId } = await dingread.admin.uploadFile({ corpId, type: 'image', fileName: 'a.png', bytes });
   * await dingread.admin.say({ userId: 'u1', robotCode: 'dingbot', fileId });
   */
  async uploadFile(input: FileInput): Promise<FileView & { downloadCode: string }> {
    const form = new FormData();
    form.append('type', input.type);
    form.append('media', new Blob([input.bytes], { type: input.contentType ?? 'application/octet-stream' }), input.fileName);
    const response = await fetch(`${this.baseUrl}/_dingread/v1/orgs/${encodeURIComponent(input.corpId)}/files`, {
      method: 'POST',
      headers: { accept: 'application/json', ...(this.adminToken ? { authorization: `Bearer ${this.adminToken}` } : {}) },
      body: form,
    });
    const text = await response.text();
    if (!response.ok) throw adminError(response, text);
    return JSON.parse(text) as FileView & { downloadCode: string };
  }

  /** The chat as a phone shows it, oldest first (the last 200): users' messages and robots', with read state. */
  async chat(chat: ChatRefInput): Promise<TimelineItem[]> {
    const path =
      'robotCode' in chat
        ? `/robots/${encodeURIComponent(chat.robotCode)}/chats/${encodeURIComponent(chat.userId)}/messages`
        : `/conversations/${encodeURIComponent(chat.openConversationId)}/messages`;
    return (await this.request<{ items: TimelineItem[] }>('GET', path)).items;
  }

  /** Stream mode's connected clients, on every node, with their unacknowledged deliveries. */
  readonly stream = {
    connections: async (): Promise<ConnectionInfo[]> => (await this.request<{ items: ConnectionInfo[] }>('GET', '/stream/connections')).items,
    /** Sends the client DingTalk's `disconnect` and closes its connection (a client should reconnect). */
    disconnect: async (connectionId: string): Promise<void> => {
      await this.request('DELETE', `/stream/connections/${encodeURIComponent(connectionId)}`);
    },
  };

  /**
   * Interactive cards (docs/cards.md): an org's templates, a card as the dashboard shows it, and a
   * simulated user pressing one of its buttons (the bot gets the callback through Stream mode).
   *
   * @example
   * await dingread.admin.cards.saveTemplate({ corpId, cardTemplateId: 'approval.schema', buttons: [{ text: 'Approve', actionId: 'approve' }] });
   * const { status } = await dingread.admin.cards.press('my-out-track-id', { corpId, userId: 'user001', actionId: 'approve' });
   */
  readonly cards = {
    saveTemplate: (template: { corpId: string; cardTemplateId: string; name?: string; buttons?: CardButton[] }): Promise<CardTemplateRecord> =>
      this.request('POST', '/cardTemplates', template),
    templates: async (corpId: string): Promise<CardTemplateRecord[]> =>
      (await this.request<{ items: CardTemplateRecord[] }>('GET', `/cardTemplates?corpId=${encodeURIComponent(corpId)}`)).items,
    get: (corpId: string, outTrackId: string): Promise<CardView> =>
      this.request('GET', `/cards/${encodeURIComponent(outTrackId)}?corpId=${encodeURIComponent(corpId)}`),
    /** The card a robot message carries (its processQueryKey is the delivery's carrierId). */
    ofMessage: (processQueryKey: string): Promise<CardView> => this.request('GET', `/messages/${encodeURIComponent(processQueryKey)}/card`),
    press: (outTrackId: string, input: PressInput): Promise<{ status: PressStatus }> =>
      this.request('POST', `/cards/${encodeURIComponent(outTrackId)}/actions`, input),
  };

  readonly clock = {
    get: (): Promise<ClockState> => this.request('GET', '/clock'),
    /** Stops the clock and moves it by `ms`. */
    advance: (ms: number): Promise<ClockState> => this.request('POST', '/clock', { advanceMs: ms }),
    /** Stops the clock at `nowMs`. */
    set: (nowMs: number): Promise<ClockState> => this.request('POST', '/clock', { nowMs }),
    /** Lets the clock run with the machine's time again. */
    system: (): Promise<ClockState> => this.request('POST', '/clock', { mode: 'system' }),
  };

  /**
   * Injected faults for DingTalk API calls: an error, a delay or a dropped connection.
   *
   * @example
   * await dingread.admin.faults.add({ match: { path: '/v1.0/robot/groupMessages/query' }, error: { status: 500, code: 'system.error' }, count: 1 });
   */
  readonly faults = {
    add: (spec: FaultSpec): Promise<Fault> => this.request('POST', '/faults', spec),
    list: async (): Promise<Fault[]> => (await this.request<{ items: Fault[] }>('GET', '/faults')).items,
    remove: async (id: string): Promise<void> => {
      await this.request('DELETE', `/faults/${encodeURIComponent(id)}`);
    },
    /** Removes every fault; answers how many there were. */
    clear: async (): Promise<number> => (await this.request<{ removed: number }>('DELETE', '/faults')).removed,
  };

  /** Recent DingTalk API calls, newest first, secrets masked. */
  async requests(query: RequestLogQuery = {}): Promise<LoggedRequest[]> {
    return (await this.request<{ items: LoggedRequest[] }>('GET', `/requests${queryString(query)}`)).items;
  }

  /** Empties the request log; answers how many entries it held. */
  async clearRequests(): Promise<number> {
    return (await this.request<{ removed: number }>('DELETE', '/requests')).removed;
  }

  /**
   * The certificate (PEM) of the local CA that signs proxy mode's certificates for DingTalk's
   * hosts: give it to a client as `NODE_EXTRA_CA_CERTS`, `curl --cacert` or a ProxyAgent's `ca`.
   */
  async caCertificate(): Promise<string> {
    const { response, text } = await this.send('GET', '/ca.pem');
    if (!response.ok) throw adminError(response, text);
    return text;
  }

  private async send(method: string, path: string, body?: unknown): Promise<{ response: Response; text: string }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.adminToken) headers['authorization'] = `Bearer ${this.adminToken}`;
    const response = await fetch(`${this.baseUrl}/_dingread/v1${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { response, text: await response.text() };
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { response, text } = await this.send(method, path, body);
    if (!response.ok) throw adminError(response, text);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new AdminError(response.status, 'InvalidResponse', text.slice(0, 200), undefined);
    }
  }
}

/** An error answer as an AdminError: the envelope's code and message, or the text when it is none. */
function adminError(response: Response, text: string): AdminError {
  let envelope: { code?: string; message?: string; requestid?: string };
  try {
    envelope = JSON.parse(text) as typeof envelope;
  } catch {
    return new AdminError(response.status, 'InvalidResponse', text.slice(0, 200), undefined);
  }
  return new AdminError(response.status, envelope.code ?? `HTTP${response.status}`, envelope.message ?? '', envelope.requestid);
}

/** `?a=1&b=2` from the defined fields, or nothing. */
function queryString(query: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const search = params.toString();
  return search ? `?${search}` : '';
}
