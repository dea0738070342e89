/**
 * A stand-in for the OpenClaw host framework (`openclaw/plugin-sdk/*`), which the @soimy/dingtalk
 * plugin imports and its users' OpenClaw provides. Only the host is stood in for: the plugin's
 * own code, its axios and every HTTP call it makes run as they are. Each export does the least
 * that lets the plugin load and send; openclaw-hooks.ts points every `openclaw/…` import here.
 */
type Anything = Record<string, unknown>;

export const DEFAULT_ACCOUNT_ID = 'default';
export const defineChannelPluginEntry = (entry: Anything): Anything => entry;
export const buildChannelConfigSchema = (schema: unknown): Anything => ({ schema });
export const createPluginRuntimeStore = (missing: string) => {
  let runtime: unknown;
  return {
    setRuntime: (next: unknown): void => {
      runtime = next;
    },
    getRuntime: (): unknown => {
      if (runtime === undefined) throw new Error(missing);
      return runtime;
    },
  };
};
export const normalizeAccountId = (id: string | undefined): string => id?.trim() || DEFAULT_ACCOUNT_ID;
export const formatDocsLink = (path: string): string => path;
export const readStringParam = (params: Anything, key: string): string | undefined => {
  const value = params[key];
  return typeof value === 'string' ? value : undefined;
};
export const jsonResult = (value: unknown): Anything => ({ content: [{ type: 'text', text: JSON.stringify(value) }] });
export const extractToolSend = (): undefined => undefined;
export const isAbortRequestText = (): boolean => false;
export const isBtwRequestText = (): boolean => false;
export const parseInlineDirectives = (text: string): Anything => ({ text });
export const resolveNativeCommandSessionTargets = (): unknown[] => [];
export const maybeResolveTextAlias = (text: string): string => text;
const noMedia = async (): Promise<never> => {
  throw new Error('no ffmpeg in this host');
};
export const runFfmpeg = (): Promise<never> => noMedia();
export const runFfprobe = (): Promise<never> => noMedia();
