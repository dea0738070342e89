/**
 * A dingread started with `startDingread` and the official SDK pointed at it, with a token for
 * Acme's app: what the emulator-toolkit tests drive faults, throttling and the request log with.
 */
import { startDingread, type RunningDingread, type StartDingreadOptions } from '../../src/testing/index.js';
import { ACME, testDirectory } from '../helpers/fixtures.js';
import { $OAuth, $Robot, officialSdk, type OfficialSdk } from '../helpers/sdk.js';

export interface SdkSession {
  dingread: RunningDingread;
  sdk: OfficialSdk;
  token: string;
  /** Sends "hi" into Acme's small group; answers the processQueryKey. */
  sendGroup(): Promise<string>;
  /** The group query for a key, as the SDK answers it. */
  queryGroup(processQueryKey: string): Promise<{ readUserIds?: string[] | undefined; sendStatus?: string | undefined }>;
  close(): Promise<void>;
}

export async function startSdkSession(options: StartDingreadOptions = {}): Promise<SdkSession> {
  const dingread = await startDingread({ fixture: testDirectory(), ...options });
  const sdk = officialSdk(dingread.url);
  const issued = await sdk.oauth.getAccessToken(new $OAuth.GetAccessTokenRequest({ appKey: ACME.appKey, appSecret: ACME.appSecret }));
  const token = issued.body?.accessToken as string;
  return {
    dingread,
    sdk,
    token,
    async sendGroup() {
      const sent = await sdk.robot.orgGroupSendWithOptions(
        new $Robot.OrgGroupSendRequest({
          robotCode: ACME.robot,
          openConversationId: ACME.smallGroup,
          msgKey: 'sampleText',
          msgParam: JSON.stringify({ content: 'hi' }),
        }),
        new $Robot.OrgGroupSendHeaders({ xAcsDingtalkAccessToken: token }),
        sdk.runtime,
      );
      return sent.body?.processQueryKey as string;
    },
    async queryGroup(processQueryKey) {
      const page = await sdk.robot.orgGroupQueryWithOptions(
        new $Robot.OrgGroupQueryRequest({ robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey }),
        new $Robot.OrgGroupQueryHeaders({ xAcsDingtalkAccessToken: token }),
        sdk.runtime,
      );
      return page.body ?? {};
    },
    close: () => dingread.close(),
  };
}
