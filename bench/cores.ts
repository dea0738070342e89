/**
 * Cores for the measured server and for the load generator, apart: sharing one, each steals the
 * other's time slices and wakes it at will, which moves a server's CPU per request by more than
 * the differences being measured. With `taskset` (util-linux) and two cores this process may run
 * on, every measured server runs on one of them and the load generator (this process) on the
 * other; without, everything shares the machine as before and the report says why.
 */
import { spawnSync } from 'node:child_process';

/** `all`: the CPUs this process could run on before, given back once the measurements are done. */
export type CorePlacement = { server: number; load: number; all: number[] } | { unpinned: string };

/** The CPUs `pid` may run on, from `taskset -pc` ("pid 12's current affinity list: 0,2-3"). */
function affinityOf(pid: number): number[] | string {
  const asked = spawnSync('taskset', ['-pc', String(pid)], { encoding: 'utf8' });
  if (asked.error) return `taskset not found (${asked.error.message})`;
  if (asked.status !== 0) return `taskset -pc failed: ${asked.stderr.trim()}`;
  const list = /list:\s*([\d,\s-]+)$/m.exec(asked.stdout)?.[1]?.trim();
  if (!list) return `taskset -pc said ${JSON.stringify(asked.stdout.trim())}`;
  const cpus: number[] = [];
  for (const part of list.split(',')) {
    const bounds = part.split('-').map(Number);
    const from = bounds[0] ?? Number.NaN;
    const to = bounds[1] ?? from;
    if (!Number.isInteger(from) || !Number.isInteger(to)) return `taskset -pc said ${JSON.stringify(asked.stdout.trim())}`;
    for (let cpu = from; cpu <= to; cpu++) cpus.push(cpu);
  }
  return cpus;
}

/**
 * Where the servers and the load generator go: the first CPU this process may run on for the load
 * generator, the second for the servers.
 */
export function placeOnCores(): CorePlacement {
  const cpus = affinityOf(process.pid);
  if (typeof cpus === 'string') return { unpinned: cpus };
  if (cpus.length < 2) return { unpinned: `only ${cpus.length} CPU to run on` };
  // Setting the affinity it has already: where that is not allowed (some containers), nothing is pinned.
  try {
    pinSelf(cpus);
  } catch (error) {
    return { unpinned: (error as Error).message };
  }
  return { load: cpus[0] as number, server: cpus[1] as number, all: cpus };
}

/** `[command, args]` that runs `file args` on `cpu` alone: taskset execs it, so the pid is the server's. */
export function onCpu(cpu: number | undefined, file: string, args: string[]): [string, string[]] {
  return cpu === undefined ? [file, args] : ['taskset', ['-c', String(cpu), file, ...args]];
}

/** Every thread of this process (the load generator runs in it) on `cpus`; threads started later inherit it. */
function pinSelf(cpus: number[]): void {
  const done = spawnSync('taskset', ['-a', '-pc', cpus.join(','), String(process.pid)], { encoding: 'utf8' });
  if (done.error || done.status !== 0) throw new Error(`taskset -a -pc ${cpus.join(',')}: ${done.error?.message ?? done.stderr.trim()}`);
}

export function pinLoadGenerator(placement: CorePlacement): void {
  if ('load' in placement) pinSelf([placement.load]);
}

/** Back on every CPU it had (cold starts spawn children, which inherit the affinity). */
export function releaseLoadGenerator(placement: CorePlacement): void {
  if ('load' in placement) pinSelf(placement.all);
}

/** How the run placed its processes, for the report. */
export function describePlacement(placement: CorePlacement): string {
  return 'load' in placement
    ? `each measured server on CPU ${placement.server} alone and the load generator on CPU ${placement.load} (taskset)`
    : `not pinned to cores (${placement.unpinned}): servers and load generator share every CPU`;
}
