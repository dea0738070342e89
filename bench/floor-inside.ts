/**
 * The framework's floor inside a dingread process: loaded into `dingread serve` with Node's
 * `--import` (processes.ts, `startDingread` with `floorInside`), it waits for the answer the floor
 * is to give and then serves it from a bare Fastify route (framework-floor.ts) on a port of its
 * own, in dingread's process, beside dingread's routes. Measured in turns with dingread
 * (`pairs.ts --floor-inside`), it says whether the floor's code costs more in dingread's process
 * (its heap, its loaded code, the feedback Node's own functions have gathered there) than in a
 * process of its own, or whether what dingread adds is the work of its own requests.
 *
 * The handshake is two files in the folder named by DINGREAD_BENCH_FLOOR_INSIDE: the bench writes
 * `answer.json` (`{method, path, status, body}`, the body in base64) once it has dingread's answer;
 * this writes `port` once the floor listens. Without the variable, loading it does nothing.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { frameworkFloorApp, portOf } from './framework-floor.js';

/** What the bench writes to `answer.json`. */
export interface FloorAnswer {
  method: string;
  path: string;
  status: number;
  /** The answer's bytes, base64. */
  body: string;
}

const folder = process.env['DINGREAD_BENCH_FLOOR_INSIDE'];
if (folder) {
  const answerFile = join(folder, 'answer.json');
  // Looked for every 50 ms, unreferenced: it never keeps the process alive nor delays its exit.
  const waiting = setInterval(() => {
    if (!existsSync(answerFile)) return;
    clearInterval(waiting);
    const { method, path, status, body } = JSON.parse(readFileSync(answerFile, 'utf8')) as FloorAnswer;
    const app = frameworkFloorApp(method, path, status, JSON.parse(Buffer.from(body, 'base64').toString('utf8')));
    app.listen({ port: 0, host: '127.0.0.1' }).then(
      () => {
        // Written whole, then renamed: the bench never reads half a port.
        writeFileSync(join(folder, 'port.part'), String(portOf(app)));
        renameSync(join(folder, 'port.part'), join(folder, 'port'));
      },
      (error: unknown) => process.stderr.write(`floor inside: ${(error as Error).message}\n`),
    );
  }, 50);
  waiting.unref();
}
