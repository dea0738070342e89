/**
 * What `--sqlite-sync full` costs: acknowledged sends per second and their p50/p99 with 8
 * closed-loop callers, against `dingread serve` on a SQLite file in each synchronous mode.
 *
 *   node dist/bench/reliability/sync-cost.js [--seconds 10] [--workers 8]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { numberOption } from '../options.js';
import { startDingread } from '../processes.js';
import { scratchStore } from './crash.js';
import { Client, directory, Ledger, randomFrom, send } from './workload.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, workers: { type: 'string', default: '8' } } });
const seconds = numberOption(values.seconds, 'seconds', { above: 0 });
const workers = numberOption(values.workers, 'workers', { whole: true, least: 1 });
const rows: string[] = ['| mode | sends/s | p50 ms | p99 ms |', '|---|---|---|---|'];
for (const mode of ['normal', 'full']) {
  const scratch = await scratchStore('sqlite', '');
  const server = await startDingread(scratch.spec, ['--sqlite-sync', mode]);
  const client = new Client(server.url);
  try {
    await client.must('POST', '/_dingread/v1/fixtures', directory());
    await client.login();
    const ledger = new Ledger();
    const random = randomFrom(1);
    const latencies: number[] = [];
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (performance.now() < end) {
          const t0 = performance.now();
          const outcome = await send(client, ledger, random);
          if (outcome.kind !== 'ack') throw new Error(JSON.stringify(outcome));
          latencies.push(performance.now() - t0);
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    const at = (q: number): string => (latencies[Math.floor(latencies.length * q)] ?? 0).toFixed(1);
    rows.push(`| ${mode} | ${Math.round(latencies.length / seconds)} | ${at(0.5)} | ${at(0.99)} |`);
  } finally {
    client.close();
    await server.stop();
    await scratch.remove();
  }
}
console.log(rows.join('\n'));
