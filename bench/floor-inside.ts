/**
 * The framework's floor inside a dingread process: loaded into `dingread serve` with Node's
 * `--import` (processes.ts, `startDingreadWithFloorInside`), it waits for the answer the floor is
 * to give and then serves it from a bare Fastify route (framework-floor.ts) on a port of its own,
 * in dingread's process, beside dingread's routes. The route runs Fastify's own copy from
 * node_modules (dingread's is bundled), but shares the process: its heap, Node's own code and the
 * feedback Node's functions gathered from dingread's traffic. Measured in turns with dingread
 * (`pairs.ts --floor-inside`), it says whether a bare route costs more in dingread's process than
 * in a process of its own, or whether what dingread adds is its own requests' work.
 *
 * The handshake is two files in the folder named by DINGREAD_BENCH_FLOOR_INSIDE: the bench writes
 * `answer.json` (`{method, path, status, body}`, the body in base64) once it has dingread's answer;
 * this writes `port` once the floor listens. Each is written whole and renamed into place. Fastify
 * is loaded only then: loaded at start-up, before the command's first module, it could make the
 * process's first full collection before the command keeps its tick shape (src/tick-shape.ts),
 * and the dingread measured beside it would not be the one users run. Without the variable,
 * loading this does nothing.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the bench writes to `answer.json`. */
export interface FloorAnswer {
  method: string;
  path: string;
  status: number;
  /** The answer's bytes, base64. */
  body: string;
}

async function serveFloor(folder: string): Promise<void> {
  const { method, path, status, body } = JSON.parse(readFileSync(join(folder, 'answer.json'), 'utf8')) as FloorAnswer;
  const { frameworkFloorApp, portOf } = await import('./framework-floor.js');
  const app = frameworkFloorApp(method, path, status, JSON.parse(Buffer.from(body, 'base64').toString('utf8')));
  await app.listen({ port: 0, host: '127.0.0.1' });
  // Closed with the process, so that its keep-alive connections do not hold dingread's exit up.
  process.once('SIGTERM', () => void app.close());
  writeFileSync(join(folder, 'port.part'), String(portOf(app)));
  renameSync(join(folder, 'port.part'), join(folder, 'port'));
}

const folder = process.env['DINGREAD_BENCH_FLOOR_INSIDE'];
if (folder) {
  // Looked for every 50 ms, unreferenced: it never keeps the process alive nor delays its exit.
  const waiting = setInterval(() => {
    if (!existsSync(join(folder, 'answer.json'))) return;
    clearInterval(waiting);
    // A floor that cannot start says why on stderr (the bench's error shows it) and leaves dingread running.
    serveFloor(folder).catch((error: unknown) => process.stderr.write(`floor inside: ${(error as Error).message}\n`));
  }, 50);
  waiting.unref();
}
