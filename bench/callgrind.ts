/**
 * Reading what valgrind's callgrind wrote, for instructions.ts: `callgrind_annotate`'s table of
 * functions, with V8's JIT code named from the perf map that `node --perf-basic-prof` writes, and
 * the totals of its cache simulation.
 */

/**
 * The name of the code at an address, from a perf map's lines (`start size name`, hex). V8 puts new
 * code where collected code was, so entries can overlap: the latest line covering an address names
 * it (the map is written in order), which is the code that ran there last.
 */
export function codeNames(perfMap: string): (address: number) => string | undefined {
  const code: Array<{ start: number; end: number; name: string }> = [];
  for (const line of perfMap.split('\n')) {
    const [start, size, ...name] = line.split(' ');
    if (start && size && name.length > 0) code.push({ start: parseInt(start, 16), end: parseInt(start, 16) + parseInt(size, 16), name: name.join(' ') });
  }
  // A scan from the end per address: the table holds a few thousand unnamed addresses at most.
  return (address) => {
    for (let i = code.length - 1; i >= 0; i--) {
      const entry = code[i] as (typeof code)[number];
      if (address >= entry.start && address < entry.end) return entry.name;
    }
    return undefined;
  };
}

/** The events a cache simulation's table shows a function's own counts of, in this order. */
export const CACHE_EVENTS = ['Ir', 'I1mr', 'D1mr', 'D1mw', 'ILmr', 'DLmr', 'DLmw'] as const;

/**
 * Each function's own counts a request, by event, from `callgrind_annotate`'s table (`count
 * (share)` per event shown, `.` for none, then `file:function [object]`; the events are named by
 * the header line that ends in `file:function`): unnamed JIT code (`???:0x…`) named by `nameAt`,
 * the directory before a build's `src/bin.cjs` or `node_modules/` left out so that the listing
 * reads short, and functions of the same name added up. A function bundled into `bin.cjs`
 * (Fastify's, in dingread) keeps its position in the bundle, so it does not pair with the floor's
 * copy from `node_modules/`: the two show as two rows.
 */
export function ownCosts(annotated: string, nameAt: (address: number) => string | undefined, requests: number): Map<string, Map<string, number>> {
  const functions = new Map<string, Map<string, number>>();
  let events: string[] = [];
  for (const line of annotated.split('\n')) {
    const header = /^(\S.*?)\s+file:function\s*$/.exec(line);
    if (header) {
      events = (header[1] as string).trim().split(/\s+/);
      continue;
    }
    if (events.length === 0) continue;
    let rest = line;
    const counts: number[] = [];
    for (let i = 0; i < events.length; i++) {
      const column = /^\s*(?:([\d,]+) \(\s*[\d.]+%\)|\.)\s+/.exec(rest);
      if (!column) break;
      counts.push(column[1] === undefined ? 0 : Number(column[1].replaceAll(',', '')));
      rest = rest.slice(column[0].length);
    }
    if (counts.length !== events.length || rest === '') continue;
    let name = rest.replace(/ \[[^\]]*\]$/, '');
    // Callgrind's lines for the program's total and its threads' entry points are not functions' own.
    if (/PROGRAM TOTALS|\(below main\)|libc_start|start_thread|clone\.S/.test(name)) continue;
    const jit = /^\?\?\?:0x([0-9a-f]+)$/.exec(name);
    if (jit) name = nameAt(parseInt(jit[1] as string, 16)) ?? name;
    name = name.replace(/ \S*\/([^/\s]+\/src\/bin\.cjs|node_modules\/)/, ' $1');
    const own = functions.get(name) ?? new Map<string, number>();
    events.forEach((event, i) => own.set(event, (own.get(event) ?? 0) + (counts[i] as number) / requests));
    functions.set(name, own);
  }
  return functions;
}

/**
 * KCachegrind's cycle estimate of some counts (its CEst, without the branch terms callgrind does
 * not count here): an instruction a cycle, 10 for a first-level miss, 100 for a last-level one.
 */
export function estimatedCycles(counts: (event: string) => number): number {
  return counts('Ir') + 10 * (counts('I1mr') + counts('D1mr') + counts('D1mw')) + 100 * (counts('ILmr') + counts('DLmr') + counts('DLmw'));
}

/** What callgrind's cache simulation (`--cache-sim=yes`) counted, a request. */
export interface CacheFigures {
  instructions: number;
  /** Instruction fetches, data reads and data writes that missed the first level. */
  firstLevelMisses: number;
  /** The same, missing the last level too. */
  lastLevelMisses: number;
  /** The last level simulated, as the dump describes it (`1048576 B, 64 B, 8-way associative`). */
  lastLevel: string | undefined;
  /**
   * estimatedCycles of the totals. Rough for any one processor, but it weighs the misses against
   * the work, which an instruction count alone cannot.
   */
  estimatedCycles: number;
}

/**
 * A callgrind dump's totals by event (`Ir`, and with cache simulation `I1mr`, `DLmw`…), from its
 * `events:` and `summary:` lines; undefined without both, or with a count that is not a number.
 */
export function eventTotals(dump: string): Map<string, number> | undefined {
  const events = /^events: (.+)$/m.exec(dump)?.[1]?.trim().split(/\s+/);
  const counts = /^summary: (.+)$/m.exec(dump)?.[1]?.trim().split(/\s+/).map(Number);
  if (!events || !counts || counts.some((count) => !Number.isFinite(count))) return undefined;
  // Callgrind leaves a cost line's trailing zeros out: an event named but without a count is 0.
  return new Map(events.map((event, i) => [event, counts[i] ?? 0]));
}

/** The cache figures of a callgrind dump's totals (eventTotals); undefined without cache simulation. */
export function cacheFigures(dump: string, requests: number): CacheFigures | undefined {
  const totals = eventTotals(dump);
  if (!totals) return undefined;
  const total = (...names: string[]): number | undefined => {
    let sum = 0;
    for (const name of names) {
      const value = totals.get(name);
      if (value === undefined) return undefined;
      sum += value;
    }
    return sum / requests;
  };
  const instructions = total('Ir');
  const firstLevelMisses = total('I1mr', 'D1mr', 'D1mw');
  const lastLevelMisses = total('ILmr', 'DLmr', 'DLmw');
  if (instructions === undefined || firstLevelMisses === undefined || lastLevelMisses === undefined) return undefined;
  const lastLevel = /^desc: LL cache: (.+)$/m.exec(dump)?.[1]?.trim();
  return { instructions, firstLevelMisses, lastLevelMisses, lastLevel, estimatedCycles: estimatedCycles((event) => (totals.get(event) ?? 0) / requests) };
}

/**
 * Of several counts of one server, the one to report: the median by estimated cycles (with a cache
 * simulation) or by instructions. One count can run several per cent high when V8 compiles or
 * marks during the counted window; the median of three leaves such a run out. With an even number
 * of runs, the lower of the middle two.
 */
export function medianRun<T extends { perRequest: number; cache: { estimatedCycles: number } | undefined }>(runs: readonly T[]): T {
  if (runs.length === 0) throw new Error('medianRun: no runs');
  const cost = (run: T): number => run.cache?.estimatedCycles ?? run.perRequest;
  const sorted = [...runs].sort((a, b) => cost(a) - cost(b));
  return sorted[Math.floor((sorted.length - 1) / 2)] as T;
}
