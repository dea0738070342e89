import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ACME } from '../helpers/fixtures.js';
import { $OAuth, $Robot, officialSdk, sdkError } from '../helpers/sdk.js';
import { forEachStore, startTestServer, type TestServer } from '../helpers/server.js';

forEachStore('official SDK smoke', (store) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ store });
  });
  after(() => server.close());

  it('gets a token, sends into a group and queries who read it', async () => {
    const sdk = officialSdk(server.url);
    const token = await sdk.oauth.getAccessToken(
      new $OAuth.GetAccessTokenRequest({ appKey: ACME.appKey, appSecret: ACME.appSecret }),
    );
    const accessToken = token.body?.accessToken as string;
    assert.equal(token.body?.expireIn, 7200);
    const headers = (): InstanceType<typeof $Robot.OrgGroupSendHeaders> =>
      new $Robot.OrgGroupSendHeaders({ xAcsDingtalkAccessToken: accessToken });
    const sent = await sdk.robot.orgGroupSendWithOptions(
      new $Robot.OrgGroupSendRequest({
        robotCode: ACME.robot,
        openConversationId: ACME.smallGroup,
        msgKey: 'sampleText',
        msgParam: JSON.stringify({ content: 'hi' }),
      }),
      headers(),
      sdk.runtime,
    );
    const key = sent.body?.processQueryKey as string;
    await server.admin('POST', '/reads', { reads: [{ processQueryKey: key, userId: 'u0002' }] });
    const page = await sdk.robot.orgGroupQueryWithOptions(
      new $Robot.OrgGroupQueryRequest({ robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey: key }),
      new $Robot.OrgGroupQueryHeaders({ xAcsDingtalkAccessToken: accessToken }),
      sdk.runtime,
    );
    assert.deepEqual(page.body?.readUserIds, ['u0002']);
    assert.equal(page.body?.sendStatus, 'SUCCESS');
    assert.equal(page.body?.hasMore, false);
    const error = await sdkError(() =>
      sdk.robot.orgGroupQueryWithOptions(
        new $Robot.OrgGroupQueryRequest({ robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey: key, maxResults: 201 }),
        new $Robot.OrgGroupQueryHeaders({ xAcsDingtalkAccessToken: accessToken }),
        sdk.runtime,
      ),
    );
    assert.equal(error.code, 'invalidParameter.pageSize.invalid');
    assert.equal(error.statusCode, 400);
  });
});
