/**
 * Cards in tests: apps of Acme and Globex with DingTalk's card permissions (the default fixture
 * apps have the robot scope only), a template of Acme's, and the official SDK's card client.
 */
import CardModule, * as $Card from '@alicloud/dingtalk/dist/card_1_0/client.js';
import * as $OpenApi from '@alicloud/openapi-client';
import * as $Util from '@alicloud/tea-util';
import { ACME, GLOBEX } from './fixtures.js';
import type { TestServer } from './server.js';

export { $Card };

export const CARD_SCOPES = ['qyapi_robot_sendmsg', 'Card.Instance.Write', 'Card.Streaming.Write'];

export const CARDS = {
  appKey: 'dingacmecards',
  appSecret: 'cards-secret',
  /** A second app of Acme with the card permissions: it may not touch the first one's cards. */
  otherAppKey: 'dingacmecards2',
  otherAppSecret: 'cards2-secret',
  /** An app of Acme with the robot scope only. */
  robotOnlyAppKey: ACME.appKey,
  robotOnlyAppSecret: ACME.appSecret,
  globexAppKey: 'dingglobexcards',
  globexAppSecret: 'globex-cards-secret',
  template: 'acme-approval.schema',
  /** DingTalk's public AI card template, which every org has. */
  publicTemplate: '675cde2f-f526-40cb-b828-f5b2b57b8b77.schema',
} as const;

/** Adds the card apps and Acme's template to a server seeded with testDirectory(). */
export async function seedCards(server: TestServer): Promise<void> {
  await server.admin('POST', '/fixtures', {
    orgs: [
      {
        corpId: ACME.corpId,
        apps: [
          { appKey: CARDS.appKey, appSecret: CARDS.appSecret, scopes: CARD_SCOPES },
          { appKey: CARDS.otherAppKey, appSecret: CARDS.otherAppSecret, scopes: CARD_SCOPES },
        ],
      },
      { corpId: GLOBEX.corpId, apps: [{ appKey: CARDS.globexAppKey, appSecret: CARDS.globexAppSecret, scopes: CARD_SCOPES }] },
    ],
  });
  await server.admin('POST', '/cardTemplates', {
    corpId: ACME.corpId,
    cardTemplateId: CARDS.template,
    name: 'Approval',
    buttons: [
      { text: 'Approve', actionId: 'approve', params: { decision: 'yes' } },
      { text: 'Reject', actionId: 'reject' },
    ],
  });
}

type Fields = Record<string, unknown>;

/** The official SDK's card client (`card_1_0`), unchanged, as one app. */
export class CardApi {
  private readonly client: InstanceType<typeof CardModule.default>;
  private readonly runtime = new $Util.RuntimeOptions({});

  constructor(
    url: string,
    readonly token: string,
  ) {
    const config = new $OpenApi.Config({ protocol: 'http', endpoint: new URL(url).host, readTimeout: 10_000, connectTimeout: 10_000 });
    this.client = new CardModule.default(config);
  }

  private headers<T>(Model: new (map?: { [key: string]: any }) => T): T {
    return new Model({ xAcsDingtalkAccessToken: this.token });
  }

  async createAndDeliver(fields: Fields) {
    return (await this.client.createAndDeliverWithOptions(new $Card.CreateAndDeliverRequest(fields), this.headers($Card.CreateAndDeliverHeaders), this.runtime)).body;
  }
  async create(fields: Fields) {
    return (await this.client.createCardWithOptions(new $Card.CreateCardRequest(fields), this.headers($Card.CreateCardHeaders), this.runtime)).body;
  }
  async deliver(fields: Fields) {
    return (await this.client.deliverCardWithOptions(new $Card.DeliverCardRequest(fields), this.headers($Card.DeliverCardHeaders), this.runtime)).body;
  }
  async update(fields: Fields) {
    return (await this.client.updateCardWithOptions(new $Card.UpdateCardRequest(fields), this.headers($Card.UpdateCardHeaders), this.runtime)).body;
  }
  async stream(fields: Fields) {
    return (await this.client.streamingUpdateWithOptions(new $Card.StreamingUpdateRequest(fields), this.headers($Card.StreamingUpdateHeaders), this.runtime)).body;
  }
}
