/**
 * Shared plumbing for the official-SDK conformance suites (test/api/sdk-*.test.ts): a thin wrapper
 * that calls every robot endpoint through `@alicloud/dingtalk` with the endpoint's own request and
 * header models, and assertions for DingTalk's error envelope.
 */
import assert from 'node:assert/strict';
import { ACME, GLOBEX } from '../helpers/fixtures.js';
import { $OAuth, $Robot, officialSdk, sdkError, type OfficialSdk, type SdkResponseError } from '../helpers/sdk.js';
import { startTestServer, type TestServer, type TestServerOptions, type TestStoreKind } from '../helpers/server.js';

export const UPPER_UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

type Fields = Record<string, unknown>;
type HeaderModel<T> = new (map?: { [key: string]: any }) => T;

/** The nine robot endpoints through the official SDK, as one app (or with no token at all). */
export class RobotApi {
  constructor(
    readonly sdk: OfficialSdk,
    readonly token: string | undefined,
  ) {}

  /** The same SDK, calling with another token (undefined: no token header at all). */
  as(token: string | undefined): RobotApi {
    return new RobotApi(this.sdk, token);
  }

  private headers<T>(Model: HeaderModel<T>): T {
    return new Model(this.token === undefined ? {} : { xAcsDingtalkAccessToken: this.token });
  }

  async sendOto(fields: Fields) {
    const r = await this.sdk.robot.batchSendOTOWithOptions(
      new $Robot.BatchSendOTORequest(fields),
      this.headers($Robot.BatchSendOTOHeaders),
      this.sdk.runtime,
    );
    return defined(r.body);
  }

  async queryOto(fields: Fields) {
    const r = await this.sdk.robot.batchOTOQueryWithOptions(
      new $Robot.BatchOTOQueryRequest(fields),
      this.headers($Robot.BatchOTOQueryHeaders),
      this.sdk.runtime,
    );
    return defined(r.body);
  }

  async recallOto(fields: Fields) {
    const r = await this.sdk.robot.batchRecallOTOWithOptions(
      new $Robot.BatchRecallOTORequest(fields),
      this.headers($Robot.BatchRecallOTOHeaders),
      this.sdk.runtime,
    );
    return defined(r.body);
  }

  async sendGroup(fields: Fields) {
    const r = await this.sdk.robot.orgGroupSendWithOptions(
      new $Robot.OrgGroupSendRequest(fields),
      this.headers($Robot.OrgGroupSendHeaders),
      this.sdk.runtime,
    );
    return defined(r.body);
  }

  async queryGroup(fields: Fields) {
    const r = await this.sdk.robot.orgGroupQueryWithOptions(
      new $Robot.OrgGroupQueryRequest(fields),
      this.headers($Robot.OrgGroupQueryHeaders),
      this.sdk.runtime,
    );
    return defined(r.body);
  }

  async recallGroup(fields: Fields) {
    const r = await this.sdk.robot.orgGroupRecallWithOptions(
      new $Robot.OrgGroupRecallRequest(fields),
      this.headers($Robot.OrgGroupRecallHeaders),
      this.sdk.runtime,
    );
    return defined(r.body);
  }

  async sendPrivate(fields: Fields) {
    const r = await this.sdk.robot.privateChatSendWithOptions(
      new $Robot.PrivateChatSendRequest(fields),
      this.headers($Robot.PrivateChatSendHeaders),
      this.sdk.runtime,
    );
    return defined(r.body);
  }

  async queryPrivate(fields: Fields) {
    const r = await this.sdk.robot.privateChatQueryWithOptions(
      new $Robot.PrivateChatQueryRequest(fields),
      this.headers($Robot.PrivateChatQueryHeaders),
      this.sdk.runtime,
    );
    return defined(r.body);
  }

  async recallPrivate(fields: Fields) {
    const r = await this.sdk.robot.batchRecallPrivateChatWithOptions(
      new $Robot.BatchRecallPrivateChatRequest(fields),
      this.headers($Robot.BatchRecallPrivateChatHeaders),
      this.sdk.runtime,
    );
    return defined(r.body);
  }

  // Sends with valid defaults, for tests that only need a message to exist.

  async otoKey(userIds: string[] = ['u0001', 'u0002'], robotCode: string = ACME.robot): Promise<string> {
    return defined((await this.sendOto({ robotCode, userIds, ...text('oto') })).processQueryKey);
  }

  async groupKey(openConversationId: string = ACME.smallGroup, robotCode: string = ACME.robot): Promise<string> {
    return defined((await this.sendGroup({ robotCode, openConversationId, ...text('group') })).processQueryKey);
  }

  async privateKey(
    openConversationId: string = ACME.pair,
    coolAppCode: string = ACME.coolAppCode,
    robotCode: string = ACME.robot,
  ): Promise<string> {
    return defined(
      (await this.sendPrivate({ robotCode, openConversationId, coolAppCode, ...text('private') })).processQueryKey,
    );
  }
}

/** A valid sampleText message. */
export function text(content: string): { msgKey: string; msgParam: string } {
  return { msgKey: 'sampleText', msgParam: JSON.stringify({ content }) };
}

export function defined<T>(value: T | undefined | null, what = 'value'): T {
  assert.ok(value !== undefined && value !== null, `expected a ${what}`);
  return value;
}

/** An access token through the SDK's getAccessToken. */
export async function sdkToken(sdk: OfficialSdk, appKey: string, appSecret: string): Promise<string> {
  const response = await sdk.oauth.getAccessToken(new $OAuth.GetAccessTokenRequest({ appKey, appSecret }));
  return defined(response.body?.accessToken, 'accessToken');
}

export interface Harness {
  server: TestServer;
  sdk: OfficialSdk;
  /** Acme's main app: owns nothing exclusively, may use every unowned Acme robot. */
  acme: RobotApi;
  /** Acme's second app, owner of ACME.ownedRobot. */
  acmeOther: RobotApi;
  /** Acme's app without the robot scope. */
  acmeNoScope: RobotApi;
  globex: RobotApi;
  close(): Promise<void>;
}

export async function startHarness(store: TestStoreKind, options: Omit<TestServerOptions, 'store'> = {}): Promise<Harness> {
  const server = await startTestServer({ store, ...options });
  const sdk = officialSdk(server.url);
  const api = async (appKey: string, secret: string) => new RobotApi(sdk, await sdkToken(sdk, appKey, secret));
  return {
    server,
    sdk,
    acme: await api(ACME.appKey, ACME.appSecret),
    acmeOther: await api(ACME.otherAppKey, ACME.otherAppSecret),
    acmeNoScope: await api(ACME.noScopeAppKey, ACME.noScopeAppSecret),
    globex: await api(GLOBEX.appKey, GLOBEX.appSecret),
    close: () => server.close(),
  };
}

/** Runs an SDK call that must fail, and checks DingTalk's envelope: code, HTTP status, request id. */
export async function expectError(
  call: () => Promise<unknown>,
  code: string,
  status = 400,
): Promise<SdkResponseError> {
  const error = await sdkError(call);
  assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.data?.message}`);
  assert.equal(error.statusCode, status);
  assert.equal(error.data.code, code);
  assert.equal(typeof error.data.message, 'string');
  assert.ok(error.data.message.length > 0, 'the envelope carries a message');
  assert.match(error.data.requestid, UPPER_UUID);
  return error;
}

/** Records reads through the control plane and returns its outcome. */
export async function read(
  server: TestServer,
  processQueryKey: string,
  userIds: string[],
  readAt?: number,
): Promise<{ accepted: number; ignored: Array<{ index: number; reason: string }> }> {
  return server.admin('POST', '/reads', {
    reads: userIds.map((userId) => ({ processQueryKey, userId, ...(readAt === undefined ? {} : { readAt }) })),
  });
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Runs the call with an id of another org and with an id that exists nowhere, and checks that both
 * fail the same way: same code, same status, same message once the id itself is blanked out.
 */
export async function sameAsNonexistent(
  code: string,
  run: (id: string) => Promise<unknown>,
  otherOrgId: string,
  missingId: string,
): Promise<void> {
  const real = await sdkError(() => run(otherOrgId));
  const fake = await sdkError(() => run(missingId));
  assert.equal(fake.code, code, `the nonexistent id answers ${fake.code}`);
  assert.equal(real.code, fake.code, `${otherOrgId} answered ${real.code}, a nonexistent id ${fake.code}`);
  assert.equal(real.statusCode, fake.statusCode);
  assert.equal(real.data.message.replaceAll(otherOrgId, '<id>'), fake.data.message.replaceAll(missingId, '<id>'));
  assert.match(real.data.requestid, UPPER_UUID);
  assert.equal(Object.keys(real.data).sort().join(), Object.keys(fake.data).sort().join());
}
