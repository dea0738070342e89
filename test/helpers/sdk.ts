/**
 * The official `@alicloud/dingtalk` SDK, pointed at a dingread server. Its package has no exports
 * map and its root files confuse Node's ESM loader, so the typed client files are imported directly.
 */
import OAuthModule, * as $OAuth from '@alicloud/dingtalk/dist/oauth2_1_0/client.js';
import RobotModule, * as $Robot from '@alicloud/dingtalk/dist/robot_1_0/client.js';
import * as $OpenApi from '@alicloud/openapi-client';
import * as $Util from '@alicloud/tea-util';

export { $OAuth, $Robot, $Util };

export interface OfficialSdk {
  robot: InstanceType<typeof RobotModule.default>;
  oauth: InstanceType<typeof OAuthModule.default>;
  runtime: InstanceType<typeof $Util.RuntimeOptions>;
}

export function officialSdk(url: string): OfficialSdk {
  const endpoint = new URL(url).host;
  const config = new $OpenApi.Config({ protocol: 'http', endpoint, readTimeout: 10_000, connectTimeout: 10_000 });
  return {
    robot: new RobotModule.default(config),
    oauth: new OAuthModule.default(config),
    runtime: new $Util.RuntimeOptions({}),
  };
}

/** The error the SDK throws for a 4xx/5xx answer. */
export interface SdkResponseError {
  code: string;
  statusCode: number;
  message: string;
  data: { code: string; message: string; requestid: string; accessdenieddetail?: unknown; statusCode: number };
  accessDeniedDetail?: { requiredScopes: string[] };
}

/** Runs `call` and returns the SDK's error, failing if it succeeded. */
export async function sdkError(call: () => Promise<unknown>): Promise<SdkResponseError> {
  try {
    await call();
  } catch (error) {
    const candidate = error as Partial<SdkResponseError>;
    if (typeof candidate.statusCode === 'number' && candidate.data) return candidate as SdkResponseError;
    throw error;
  }
  throw new Error('expected the SDK call to fail, but it succeeded');
}
