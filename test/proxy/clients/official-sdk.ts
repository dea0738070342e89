/**
 * A bot written for DingTalk as DingTalk's own samples write one with the official SDK: no
 * endpoint (so `api.dingtalk.com`), protocol `https`, region `central`. It gets a token, sends to
 * a group and reads who has read it, then does the same over plain `http`. Run unchanged in a
 * child process by real-clients.test.ts, through dingread as its proxy; prints one JSON line.
 *
 * The SDK's HTTP layer (@alicloud/tea-typescript on httpx) honours no proxy setting: its runtime
 * options name `httpsProxy` but never use it. So, as on any Node before built-in proxy support,
 * the process is started with global-agent preloaded, which sends Node's own http and https
 * requests through HTTP_PROXY and HTTPS_PROXY (docs/proxy.md).
 */
import OAuthModule, * as $OAuth from '@alicloud/dingtalk/dist/oauth2_1_0/client.js';
import RobotModule, * as $Robot from '@alicloud/dingtalk/dist/robot_1_0/client.js';
import * as $OpenApi from '@alicloud/openapi-client';
import * as $Util from '@alicloud/tea-util';

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}

async function roundTrip(protocol: 'https' | 'http'): Promise<{ processQueryKey: string; sendStatus: string }> {
  const config = new $OpenApi.Config({});
  config.protocol = protocol;
  config.regionId = 'central';
  const oauth = new OAuthModule.default(config);
  const robot = new RobotModule.default(config);
  const token = await oauth.getAccessToken(new $OAuth.GetAccessTokenRequest({ appKey: env('BOT_APP_KEY'), appSecret: env('BOT_APP_SECRET') }));
  const accessToken = token.body?.accessToken as string;
  const chat = { robotCode: env('BOT_ROBOT_CODE'), openConversationId: env('BOT_GROUP') };
  const sent = await robot.orgGroupSendWithOptions(
    new $Robot.OrgGroupSendRequest({ ...chat, msgKey: 'sampleText', msgParam: JSON.stringify({ content: `hello over ${protocol}` }) }),
    new $Robot.OrgGroupSendHeaders({ xAcsDingtalkAccessToken: accessToken }),
    new $Util.RuntimeOptions({}),
  );
  const processQueryKey = sent.body?.processQueryKey as string;
  const read = await robot.orgGroupQueryWithOptions(
    new $Robot.OrgGroupQueryRequest({ ...chat, processQueryKey, maxResults: 10 }),
    new $Robot.OrgGroupQueryHeaders({ xAcsDingtalkAccessToken: accessToken }),
    new $Util.RuntimeOptions({}),
  );
  return { processQueryKey, sendStatus: read.body?.sendStatus as string };
}

process.stdout.write(`${JSON.stringify({ https: await roundTrip('https'), http: await roundTrip('http') })}\n`);
