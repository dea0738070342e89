/**
 * What the OpenClaw client scripts (openclaw-plugin.ts, openclaw-card.ts, openclaw-media.ts) share:
 * their settings from the environment (`env`, which the openclaw-china-*.ts scripts use too), and
 * the @soimy/dingtalk plugin loaded with the little of a runtime the host would hand it (a sessions
 * file in a folder of the run's own).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function env(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}

/** The plugin's outbound adapter, and the run's own folder. */
export async function startPlugin<Outbound>(): Promise<{ outbound: Outbound; folder: string }> {
  // The plugin's type declarations name the host framework's types, which are not installed: typed here by hand.
  const plugin = (await import('@soimy/dingtalk')) as unknown as { dingtalkPlugin: { outbound: Outbound }; setDingTalkRuntime(runtime: unknown): void };
  const folder = mkdtempSync(join(tmpdir(), 'openclaw-'));
  const sessions = join(folder, 'sessions.json');
  plugin.setDingTalkRuntime({ channel: { session: { resolveStorePath: () => sessions } } });
  return { outbound: plugin.dingtalkPlugin.outbound, folder };
}
