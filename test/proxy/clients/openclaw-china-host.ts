/**
 * A stand-in for the host framework (OpenClaw, formerly Moltbot) that runs the
 * @openclaw-china/dingtalk plugin. The plugin imports nothing of its host: the host loads its
 * default export and calls `register(api)` with `api.runtime` (the core's API) and
 * `api.registerChannel`, then calls the channel's `gateway.startAccount(ctx)` to receive and its
 * `outbound.sendText` to send. This file makes those calls, with a runtime that has only what the
 * plugin's inbound path asks of it: routing a message to an agent and a reply dispatcher, and an
 * "agent" that answers `echo: <text>`. The plugin's own code, its `fetch` calls and its
 * `dingtalk-stream` client run as they are.
 */

/** What the plugin's channel offers the host, as far as the host calls it here (from its dist/index.js). */
export interface ChinaChannel {
  outbound: {
    sendText(args: { cfg: unknown; to: string; text: string; accountId?: string }): Promise<{ channel: string; messageId: string; conversationId?: string }>;
    /** `mediaUrl`: an http(s) URL or a local path; `text`, sent first as a message of its own. */
    sendMedia(args: { cfg: unknown; to: string; mediaUrl: string; text?: string; accountId?: string }): Promise<{ channel: string; messageId: string; conversationId?: string }>;
  };
  gateway: {
    startAccount(ctx: {
      cfg: unknown;
      accountId: string;
      runtime: unknown;
      abortSignal: AbortSignal;
      log: { info(message: string): void; error(message: string): void };
    }): Promise<void>;
  };
}

/** A reply the host hands the plugin to deliver (OpenClaw's ReplyPayload, as far as the plugin reads it). */
interface ReplyPayload {
  text?: string;
}

/** The host's reply dispatcher: it queues the agent's replies and has the plugin's `deliver` send each. */
interface ReplyDispatcher {
  sendFinalReply(payload: ReplyPayload): boolean;
  waitForIdle(): Promise<void>;
}

/** The context the plugin builds for an inbound message (its buildInboundContext), as far as the host reads it. */
export interface InboundContext {
  Body: string;
  From: string;
  To: string;
  SessionKey: string;
  ChatType: 'direct' | 'group';
  SenderId: string;
  WasMentioned: boolean;
  MessageSid: string;
}

/**
 * The runtime the host gives the plugin, with an agent that echoes: `onInbound` hears each message
 * the plugin dispatches, `log` and `error` what the plugin logs.
 */
export function echoRuntime(hooks: { onInbound(ctx: InboundContext): void; log(message: string): void; error(message: string): void }): unknown {
  return {
    log: hooks.log,
    error: hooks.error,
    channel: {
      routing: {
        resolveAgentRoute: ({ peer }: { peer: { kind: string; id: string } }) => ({
          agentId: 'main',
          accountId: 'default',
          sessionKey: `agent:main:dingtalk:${peer.kind}:${peer.id}`,
        }),
      },
      reply: {
        createReplyDispatcher: ({ deliver, onError }: { deliver(payload: ReplyPayload): Promise<void>; onError(error: unknown, info: { kind: string }): void }): ReplyDispatcher => {
          let queue = Promise.resolve();
          return {
            sendFinalReply: (payload) => {
              queue = queue.then(() => deliver(payload)).catch((error: unknown) => onError(error, { kind: 'final' }));
              return true;
            },
            waitForIdle: () => queue,
          };
        },
        dispatchReplyFromConfig: async ({ ctx, dispatcher }: { ctx: InboundContext; dispatcher: ReplyDispatcher }) => {
          hooks.onInbound(ctx);
          dispatcher.sendFinalReply({ text: `echo: ${ctx.Body}` });
          await dispatcher.waitForIdle();
          return { queuedFinal: true, counts: { tool: 0, block: 0, final: 1 } };
        },
      },
    },
  };
}

/** Loads the plugin as the host does (its default export's `register`) and returns the channel it registers. */
export async function loadChinaPlugin(runtime: unknown): Promise<ChinaChannel> {
  // Imported by its resolved URL so that TypeScript does not read its dist/index.d.ts, which does
  // not parse (its bundler wrote zod's types as `undefined<…>`).
  const entry = (await import(import.meta.resolve('@openclaw-china/dingtalk'))) as { default: { register(api: unknown): void } };
  let channel: ChinaChannel | undefined;
  entry.default.register({
    runtime,
    registerChannel: ({ plugin }: { plugin: ChinaChannel }) => {
      channel = plugin;
    },
  });
  if (!channel) throw new Error('the plugin registered no channel');
  return channel;
}
