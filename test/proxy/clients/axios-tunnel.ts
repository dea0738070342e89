/**
 * A bot on axios 1.21 or later, whose HTTPS_PROXY support opens a CONNECT tunnel (older axios
 * sent the whole URL to the proxy instead, as the OpenClaw plugin's pinned 1.13 still does). It
 * takes a token on both of DingTalk's hosts and sends one-on-one with the v1.0 one. Run unchanged
 * in a child process by real-clients.test.ts; prints one JSON line.
 */
import axios from 'axios';

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}

const token = await axios.post<{ accessToken: string }>('https://api.dingtalk.com/v1.0/oauth2/accessToken', {
  appKey: env('BOT_APP_KEY'),
  appSecret: env('BOT_APP_SECRET'),
});
const legacy = await axios.get<{ errcode: number; access_token: string }>('https://oapi.dingtalk.com/gettoken', {
  params: { appkey: env('BOT_APP_KEY'), appsecret: env('BOT_APP_SECRET') },
});
const sent = await axios.post<{ processQueryKey: string }>(
  'https://api.dingtalk.com/v1.0/robot/oToMessages/batchSend',
  { robotCode: env('BOT_ROBOT_CODE'), userIds: [env('BOT_USER')], msgKey: 'sampleText', msgParam: JSON.stringify({ content: 'hello through a tunnel' }) },
  { headers: { 'x-acs-dingtalk-access-token': token.data.accessToken } },
);
process.stdout.write(
  `${JSON.stringify({ accessToken: token.data.accessToken, legacy: legacy.data, processQueryKey: sent.data.processQueryKey, axios: axios.VERSION })}\n`,
);
