/** Module resolution hooks: every `openclaw/…` import resolves to the stand-in host (openclaw-host.ts). */
const HOST = new URL('./openclaw-host.js', import.meta.url).href;

type Resolve = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: unknown, nextResolve: Resolve): Promise<{ url: string; shortCircuit?: boolean }> {
  if (specifier === 'openclaw' || specifier.startsWith('openclaw/')) return { url: HOST, shortCircuit: true };
  return nextResolve(specifier, context);
}
