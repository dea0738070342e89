/**
 * Several `dingread serve` nodes on one PostgreSQL under the same offered load: for each node
 * count N in turn, N nodes on one fresh schema, the fixture loaded once, and the same number of
 * keep-alive connections spread round-robin over the nodes (connection i to node i mod N), each
 * repeating send → batch of reads of that message → two queries of it. Prints throughput, p50/p99,
 * errors and the CPU the nodes, the load generator and the whole machine used, per N (what the
 * machine used beyond the nodes and the generator is PostgreSQL's, and whatever else runs there).
 *
 *   node dist/bench/nodes.js                                   # 1, 2, 3 nodes, 5 s each
 *   node dist/bench/nodes.js --nodes 1,2,3 --duration 5 --warmup 6 --connections 24
 *   options: --postgres URL (default postgres://postgres@127.0.0.1:5432/test)
 *
 * The offered load is closed-loop: `--connections` callers, each waiting for its answer before
 * the next call, the same total for every N, so what changes between rows is only how many
 * processes share it. With `--rate R` it is also held to R requests a second in all (spread over
 * the nodes as the connections are): below what one node can serve, every N should then serve R,
 * and the rows show what more nodes cost in latency and CPU at the same work.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { cpuTimeMs } from './load.js';
import { numberOption } from './options.js';
import { startDingread, type ServerProcess } from './processes.js';
import { scratchStore } from './reliability/crash.js';

const CORP = 'dingnodes';
const APP = { appKey: 'dingnodesapp', appSecret: 'nodes-secret' };
const ROBOT = 'dingnodesbot';
/** Several chats, so that sends do not all wait for one chat's lock (they serialize per chat). */
const GROUPS = 8;
const GROUP_SIZE = 5;
const USERS = Array.from({ length: 40 }, (_, i) => `n${String(i + 1).padStart(3, '0')}`);
const groupId = (g: number): string => `cidNodes${g}==`;
const members = (g: number): string[] => Array.from({ length: GROUP_SIZE }, (_, k) => USERS[(g * GROUP_SIZE + k) % USERS.length] as string);

function fixture(): unknown {
  return {
    orgs: [
      {
        corpId: CORP,
        apps: [APP],
        users: USERS.map((userId) => ({ userId })),
        robots: [{ robotCode: ROBOT }],
        conversations: Array.from({ length: GROUPS }, (_, g) => ({ openConversationId: groupId(g), type: 'group', members: members(g), robots: [ROBOT] })),
      },
    ],
  };
}

/** How many of `connections` go to each of `nodes` nodes, round-robin (connection i to node i mod nodes). */
export function spreadConnections(connections: number, nodes: number): number[] {
  if (!Number.isInteger(nodes) || nodes < 1) throw new Error(`nodes must be a positive integer, not ${nodes}`);
  if (!Number.isInteger(connections) || connections < nodes) throw new Error(`${connections} connections cannot reach ${nodes} nodes`);
  return Array.from({ length: nodes }, (_, i) => Math.floor(connections / nodes) + (i < connections % nodes ? 1 : 0));
}

/** Busy and total CPU ticks of the whole machine so far (/proc/stat's first line). */
function machineTicks(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

interface Context {
  group?: number;
  key?: string | undefined;
}

/**
 * The requests every connection of one node repeats: a send to the connection's group, one batch
 * of reads of that message by every member, two queries of it. Each round takes the next group
 * (`nextGroup`: autocannon clears a connection's context when its list starts over), so the
 * chats get equal shares; the calls after the send use the send's processQueryKey, kept in the
 * connection's context.
 */
function cycle(nextGroup: () => number, token: string): autocannon.Request[] {
  const robotHeaders = { 'content-type': 'application/json', 'x-acs-dingtalk-access-token': token };
  let sent = 0;
  const query: autocannon.Request = {
    method: 'POST',
    path: '/v1.0/robot/groupMessages/query',
    headers: robotHeaders,
    setupRequest: (req, context) => {
      const { group, key } = context as Context;
      return { ...req, body: JSON.stringify({ robotCode: ROBOT, openConversationId: groupId(group ?? 0), processQueryKey: key, maxResults: 20 }) };
    },
  };
  return [
    {
      method: 'POST',
      path: '/v1.0/robot/groupMessages/send',
      headers: robotHeaders,
      setupRequest: (req, context) => {
        const own = context as Context;
        own.group ??= nextGroup();
        return { ...req, body: JSON.stringify({ robotCode: ROBOT, openConversationId: groupId(own.group), msgKey: 'sampleText', msgParam: JSON.stringify({ content: `m${sent++}` }) }) };
      },
      onResponse: (status, body, context) => {
        (context as Context).key = status === 200 ? (JSON.parse(body) as { processQueryKey: string }).processQueryKey : undefined;
      },
    },
    {
      method: 'POST',
      path: '/_dingread/v1/reads',
      headers: { 'content-type': 'application/json' },
      setupRequest: (req, context) => {
        const { group, key } = context as Context;
        return { ...req, body: JSON.stringify({ reads: members(group ?? 0).map((userId) => ({ processQueryKey: key, userId })) }) };
      },
    },
    query,
    query,
  ];
}

interface Row {
  nodes: number;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
  /** CPU the nodes used together, in cores (1.0 = one core busy the whole time). */
  nodeCores: number;
  /** CPU the load generator (this process) used, in cores. */
  generatorCores: number;
  /** CPU the whole machine used (the nodes, the generator, PostgreSQL, anything else), in cores. */
  machineCores: number;
  cores: number;
}

/** One load run over all `servers`, `connections` spread round-robin; autocannon instances side by side, results summed. */
async function run(servers: ServerProcess[], token: string, connections: number, durationSec: number, rate?: number): Promise<autocannon.Result[]> {
  const spread = spreadConnections(connections, servers.length);
  // Rounds on all nodes take groups 0, 1, 2, … in turn, so every chat gets the same share.
  let group = 0;
  const nextGroup = (): number => group++ % GROUPS;
  return Promise.all(
    servers.map((server, n) =>
      autocannon({
        url: server.url,
        connections: spread[n] as number,
        duration: durationSec,
        pipelining: 1,
        // A node's share of the offered rate, as its share of the connections.
        ...(rate === undefined ? {} : { overallRate: Math.max(1, Math.round((rate * (spread[n] as number)) / connections)) }),
        requests: cycle(nextGroup, token),
        initialContext: {},
      }),
    ),
  );
}

async function measureNodes(postgresUrl: string, nodes: number, options: { connections: number; durationSec: number; warmupSec: number; rate?: number }): Promise<Row> {
  const scratch = await scratchStore('postgres', postgresUrl);
  const servers: ServerProcess[] = [];
  try {
    // The first node creates the schema; the others start on it once it is there.
    servers.push(await startDingread(scratch.spec));
    servers.push(...(await Promise.all(Array.from({ length: nodes - 1 }, () => startDingread(scratch.spec)))));
    const first = servers[0] as ServerProcess;
    const load = await fetch(`${first.url}/_dingread/v1/fixtures`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fixture()) });
    if (!load.ok) throw new Error(`fixture: ${load.status} ${await load.text()}`);
    const auth = await fetch(`${first.url}/v1.0/oauth2/accessToken`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(APP) });
    if (!auth.ok) throw new Error(`token: ${auth.status} ${await auth.text()}`);
    const token = ((await auth.json()) as { accessToken: string }).accessToken;

    if (options.warmupSec > 0) await run(servers, token, options.connections, options.warmupSec, options.rate);
    const cpuBefore = servers.map((s) => cpuTimeMs(s.pid) ?? 0);
    const machineBefore = machineTicks();
    const generatorBefore = process.cpuUsage();
    const started = performance.now();
    const results = await run(servers, token, options.connections, options.durationSec, options.rate);
    const seconds = (performance.now() - started) / 1000;
    const generator = process.cpuUsage(generatorBefore);
    const nodeCpuMs = servers.reduce((sum, s, i) => sum + ((cpuTimeMs(s.pid) ?? 0) - (cpuBefore[i] ?? 0)), 0);
    const machineAfter = machineTicks();
    const cores = (readFileSync('/proc/stat', 'utf8').match(/^cpu\d+ /gm) ?? []).length;

    const requests = results.reduce((sum, r) => sum + r.requests.total, 0);
    // Latency percentiles over all instances: each instance's, weighted by its requests, is close
    // enough for a row (the instances see the same mix); the worst p99 is reported.
    const weighted = (pick: (r: autocannon.Result) => number): number => results.reduce((sum, r) => sum + pick(r) * r.requests.total, 0) / Math.max(1, requests);
    for (const server of servers) {
      const stderr = server.stderr().trim();
      if (stderr) console.error(`node ${server.url}: ${stderr.slice(0, 500)}`);
    }
    return {
      nodes,
      rps: requests / seconds,
      p50: weighted((r) => r.latency.p50),
      p99: Math.max(...results.map((r) => r.latency.p99)),
      requests,
      errors: results.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
      non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
      nodeCores: nodeCpuMs / 1000 / seconds,
      generatorCores: (generator.user + generator.system) / 1e6 / seconds,
      machineCores: ((machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total)) * cores,
      cores,
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await scratch.remove();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string', default: '1,2,3' },
      duration: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '6' },
      connections: { type: 'string', default: '24' },
      rate: { type: 'string' },
      postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    },
  });
  const counts = values.nodes.split(',').map((count) => numberOption(count, 'nodes', { whole: true, least: 1 }));
  // Requests a second offered in all.
  const rate = values.rate === undefined ? undefined : numberOption(values.rate, 'rate', { above: 0 });
  const options = {
    connections: numberOption(values.connections, 'connections', { whole: true, least: 1 }),
    durationSec: numberOption(values.duration, 'duration', { above: 0 }),
    warmupSec: numberOption(values.warmup, 'warmup', { least: 0 }),
    ...(rate === undefined ? {} : { rate }),
  };
  // Each node needs a connection of its own (spreadConnections), known before any node starts.
  if (options.connections < Math.max(...counts)) {
    process.stderr.write(`--connections (${options.connections}) must be at least the largest --nodes (${Math.max(...counts)})\n`);
    process.exit(2);
  }
  console.log(
    `${options.connections} connections${rate === undefined ? '' : `, offered ${rate} req/s in all`}, ${options.warmupSec} s warm-up, ${options.durationSec} s measured; a connection repeats send, reads, query, query`,
  );
  console.log('| nodes | req/s | p50 ms | p99 ms | requests | errors | non-2xx | nodes\' CPU | generator CPU | machine CPU (cores) |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const n of counts) {
    const row = await measureNodes(values.postgres, n, options);
    console.log(
      `| ${row.nodes} | ${row.rps.toFixed(0)} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${row.requests} | ${row.errors} | ${row.non2xx} | ${row.nodeCores.toFixed(2)} | ${row.generatorCores.toFixed(2)} | ${row.machineCores.toFixed(2)} of ${row.cores} |`,
    );
  }
}
