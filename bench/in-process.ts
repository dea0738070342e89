/**
 * The hot path without the network: one scenario's request, injected into a dingread app in this
 * process (`app.inject`, no socket) many times over, beside the framework's floor (a bare Fastify
 * route answering the same answer, as bench/framework-floor-server.ts) injected alike. CPU time per
 * request of each, and their ratio. The sockets cost both servers the same, so leaving them out
 * says the same about dingread's own work with far less noise on a busy machine; `npm run bench`
 * stays the measure of record. Run under `node --cpu-prof` to see where dingread's time goes.
 *
 *   node dist/bench/in-process.js --scenario group-query --store memory [--requests 20000]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { startServer } from '../src/server.js';
import { numberOption } from './options.js';
import { scenarioById } from './scenarios.js';

/** CPU microseconds (user + system) per request over `count` sequential injections. */
async function cpuPerRequest(app: FastifyInstance, request: InjectOptions, count: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const response = await app.inject(request);
    if (response.statusCode !== 200) throw new Error(`answered ${response.statusCode}: ${response.body}`);
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'group-query' },
      store: { type: 'string', default: 'memory' },
      requests: { type: 'string', default: '20000' },
      'request-log-size': { type: 'string' },
    },
  });
  const scenario = scenarioById(values.scenario);
  // Read before the server starts: a bad value stops the script with nothing left running.
  // Measured in blocks of 200 (below), so at least one block; a quarter as many again warm each up.
  const count = numberOption(values.requests, 'requests', { whole: true, least: 200 });
  const requestLogSize = values['request-log-size'] === undefined ? undefined : numberOption(values['request-log-size'], 'request-log-size', { whole: true, least: 0 });
  const store = values.store === 'sqlite' ? `sqlite:${join(mkdtempSync(join(tmpdir(), 'dingread-in-process-')), 'bench.db')}` : (values.store as string);
  // As `dingread serve` runs in the bench: no request logging by Fastify, throttling off.
  const server = await startServer({ port: 0, store, emulator: { qpsLimit: 0, ...(requestLogSize === undefined ? {} : { requestLogSize }) } });
  try {
    const { request } = await scenario.prepare(server.url);
    const inject: InjectOptions = {
      method: request.method,
      url: request.path,
      headers: { ...request.headers, ...(request.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(request.body === undefined ? {} : { payload: request.body }),
    };
    const answer: unknown = JSON.parse((await server.app.inject(inject)).body);
    const floor = Fastify({ logger: false });
    floor.route({ method: request.method, url: request.path.split('?')[0] as string, handler: (_request, reply) => reply.send(answer) });
    await floor.ready();
    // Warm both up (JIT), then alternate in small blocks, so that both meet the same load from
    // whatever else runs on the machine; each one's CPU time is summed over its blocks.
    await cpuPerRequest(server.app, inject, count / 4);
    await cpuPerRequest(floor, inject, count / 4);
    const block = 200;
    let dingreadTotal = 0;
    let floorTotal = 0;
    for (let done = 0; done < count; done += block) {
      dingreadTotal += await cpuPerRequest(server.app, inject, block);
      floorTotal += await cpuPerRequest(floor, inject, block);
    }
    const blocks = Math.ceil(count / block);
    const dingread = dingreadTotal / blocks;
    const bare = floorTotal / blocks;
    await floor.close();
    process.stdout.write(
      `${scenario.id} [${values.store}], in process: dingread ${dingread.toFixed(1)} µs/req, floor ${bare.toFixed(1)} µs/req, ` +
        `dingread ÷ floor ${(dingread / bare).toFixed(2)}\n`,
    );
  } finally {
    await server.close();
  }
}

await main();
