/** Reading callgrind's table of functions and V8's perf map (bench/callgrind.ts, for bench/instructions.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheFigures, codeNames, estimatedCycles, eventTotals, medianRun, ownCosts } from '../../bench/callgrind.js';

/** Each function's own instructions a request, from ownCosts. */
function ownInstructions(annotated: string, nameAt: (address: number) => string | undefined, requests: number): Map<string, number> {
  return new Map([...ownCosts(annotated, nameAt, requests)].map(([name, own]) => [name, own.get('Ir') ?? 0]));
}

const PERF_MAP = [
  'd1f9c00 1a0 JS:*validate13 :3:88',
  'd1d0000 80 JS:*record /home/a/dingread/dist/src/bin.cjs:55870:13',
  'd1e0000 40 JS:*find /home/a/dingread/dist-before/src/bin.cjs:40677:42',
  '',
].join('\n');

// The shape of `callgrind_annotate --threshold=100` output: a header, then one line per function.
const ANNOTATED = `--------------------------------------------------------------------------------
Profile data file 'callgrind.1.1' (creator: callgrind-3.19.0)
--------------------------------------------------------------------------------
590,252,579 (100.0%)  PROGRAM TOTALS

--------------------------------------------------------------------------------
Ir                    file:function
--------------------------------------------------------------------------------
430,356,190 (72.91%)  ./csu/../csu/libc-start.c:__libc_start_main@@GLIBC_2.34 [/usr/lib/x86_64-linux-gnu/libc.so.6]
159,896,389 (27.09%)  ./nptl/./nptl/pthread_create.c:start_thread [/usr/lib/x86_64-linux-gnu/libc.so.6]
 77,094,000 (13.06%)  ???:v8::internal::JsonStringifier::SerializeString(v8::internal::Handle<v8::internal::String>) [/usr/bin/node]
  6,864,000 ( 1.16%)  ???:0x000000000d1f9c80 [???]
  2,388,000 ( 0.40%)  ???:0x000000000d1d0010 [???]
     30,000 ( 0.01%)  ???:0x000000000d1e0000 [???]
     12,000 ( 0.00%)  ???:0x0000000000000040 [???]
  1,000,000 ( 0.17%)  ???:Builtins_KeyedLoadIC_Megamorphic [/usr/bin/node]
  2,000,000 ( 0.34%)  ???:Builtins_KeyedLoadIC_Megamorphic [/usr/bin/node]
`;

// The same table with a cache simulation's events shown: a column per event, `.` for none.
const ANNOTATED_WITH_MISSES = `--------------------------------------------------------------------------------
Events shown:     Ir I1mr D1mr D1mw ILmr DLmr DLmw
--------------------------------------------------------------------------------
Ir                   I1mr                D1mr               D1mw               ILmr             DLmr             DLmw
--------------------------------------------------------------------------------
716,923,701 (100.0%) 16,133,192 (100.0%) 7,581,629 (100.0%) 2,280,885 (100.0%) 307,561 (100.0%) 217,004 (100.0%) 1,482,410 (100.0%)  PROGRAM TOTALS

--------------------------------------------------------------------------------
Ir                  I1mr             D1mr             D1mw             ILmr           DLmr            DLmw              file:function
--------------------------------------------------------------------------------
55,832,000 ( 7.79%) 105,000 ( 0.64%)  48,000 ( 0.61%) 429,000 (18.76%)   300 ( 0.09%)    240 ( 0.11%) 429,000 (28.86%)  ???:Builtins_StringAdd_CheckNone [/usr/bin/node]
15,826,000 ( 2.21%) 345,000 ( 2.14%) 309,000 ( 4.07%)     900 ( 0.04%)   900 ( 0.27%)  4,800 ( 2.24%)       .           ???:Builtins_KeyedLoadIC_Megamorphic [/usr/bin/node]
  2,388,000 ( 0.40%)  3,000 ( 0.02%)       .                .                .              .               .            ???:0x000000000d1d0010 [???]
`;

describe('bench/callgrind', () => {
  it('names an address inside a code object by the perf map, and none outside every one', () => {
    const nameAt = codeNames(PERF_MAP);
    assert.equal(nameAt(0xd1f9c00), 'JS:*validate13 :3:88', 'the first byte');
    assert.equal(nameAt(0xd1f9c00 + 0x19f), 'JS:*validate13 :3:88', 'the last byte');
    assert.equal(nameAt(0xd1f9c00 + 0x1a0), undefined, 'one past the end');
    assert.equal(nameAt(0xd1d0040), 'JS:*record /home/a/dingread/dist/src/bin.cjs:55870:13');
    assert.equal(nameAt(0x10), undefined);
    assert.equal(codeNames('')(0xd1d0040), undefined, 'an empty map names nothing');
  });

  it('names overlapping code by the latest line: V8 puts new code where collected code was', () => {
    const nameAt = codeNames(['1000 100 JS:*old', '1000 40 JS:*new', '1080 10 JS:*newer', ''].join('\n'));
    assert.equal(nameAt(0x1000), 'JS:*new', 'the same start: the later line');
    assert.equal(nameAt(0x1050), 'JS:*old', 'covered by the older line only');
    assert.equal(nameAt(0x1085), 'JS:*newer');
    assert.equal(nameAt(0x1100), undefined);
  });

  it('gives each function its own instructions a request: JIT code named, paths cut, same names added, totals left out', () => {
    const own = ownInstructions(ANNOTATED, codeNames(PERF_MAP), 3000);
    assert.deepEqual(
      [...own].sort((a, b) => b[1] - a[1]),
      [
        ['???:v8::internal::JsonStringifier::SerializeString(v8::internal::Handle<v8::internal::String>)', 25_698],
        ['JS:*validate13 :3:88', 2288],
        ['???:Builtins_KeyedLoadIC_Megamorphic', 1000],
        ['JS:*record dist/src/bin.cjs:55870:13', 796],
        ['JS:*find dist-before/src/bin.cjs:40677:42', 10],
        ['???:0x0000000000000040', 4],
      ],
    );
  });

  it('reads each function\'s own misses from a table of several events, `.` as none, and weighs them as KCachegrind does', () => {
    const own = ownCosts(ANNOTATED_WITH_MISSES, codeNames(PERF_MAP), 3000);
    assert.deepEqual([...own.keys()], ['???:Builtins_StringAdd_CheckNone', '???:Builtins_KeyedLoadIC_Megamorphic', 'JS:*record dist/src/bin.cjs:55870:13']);
    assert.deepEqual(
      Object.fromEntries(own.get('???:Builtins_StringAdd_CheckNone') as Map<string, number>),
      { Ir: 18_610.666666666668, I1mr: 35, D1mr: 16, D1mw: 143, ILmr: 0.1, DLmr: 0.08, DLmw: 143 },
    );
    assert.deepEqual(Object.fromEntries(own.get('???:Builtins_KeyedLoadIC_Megamorphic') as Map<string, number>), {
      Ir: 15_826_000 / 3000,
      I1mr: 115,
      D1mr: 103,
      D1mw: 0.3,
      ILmr: 0.3,
      DLmr: 1.6,
      DLmw: 0,
    });
    assert.equal(own.get('JS:*record dist/src/bin.cjs:55870:13')?.get('DLmw'), 0);
    // The instructions alone read the same from either table.
    assert.equal(ownInstructions(ANNOTATED_WITH_MISSES, codeNames(PERF_MAP), 3000).get('JS:*record dist/src/bin.cjs:55870:13'), 796);
    const counts: Record<string, number> = { Ir: 1000, I1mr: 1, D1mr: 2, D1mw: 3, ILmr: 0.5, DLmr: 0.25, DLmw: 0.25 };
    assert.equal(estimatedCycles((event) => counts[event] ?? 0), 1000 + 10 * 6 + 100 * 1);
  });

  it('reads the totals of a cache simulation a request, and nothing from a dump without one', () => {
    // A dump's header lines, as callgrind writes them with --cache-sim=yes.
    const events = 'events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw';
    const dump = ['version: 1', 'desc: LL cache: 1048576 B, 64 B, 8-way associative', events, 'summary: 2000 900 400 60 30 10 4 2 1', ''].join('\n');
    assert.deepEqual(cacheFigures(dump, 2), {
      instructions: 1000,
      firstLevelMisses: 50,
      lastLevelMisses: 3.5,
      lastLevel: '1048576 B, 64 B, 8-way associative',
      estimatedCycles: 1000 + 500 + 350,
    });
    // Callgrind leaves trailing zeros out of a cost line.
    assert.deepEqual(cacheFigures([events, 'summary: 2000 900 400 60'].join('\n'), 2), {
      instructions: 1000,
      firstLevelMisses: 30,
      lastLevelMisses: 0,
      lastLevel: undefined,
      estimatedCycles: 1000 + 300,
    });
    assert.equal(cacheFigures(['events: Ir', 'summary: 2000'].join('\n'), 2), undefined, 'instructions alone');
    // The instruction total alone, as a run without the simulation writes it.
    assert.deepEqual(eventTotals(['events: Ir', 'summary: 2000'].join('\n')), new Map([['Ir', 2000]]));
    assert.equal(eventTotals(['events: Ir', 'summary: 2,000'].join('\n')), undefined, 'a count that is not a number');
    assert.equal(cacheFigures('events: Ir', 1), undefined, 'no summary');
  });

  it('reports the median run of several: by estimated cycles with a cache simulation, else by instructions', () => {
    const run = (perRequest: number, cycles?: number) => ({ perRequest, cache: cycles === undefined ? undefined : { estimatedCycles: cycles } });
    // A run with a compile in its window counts high; the median leaves it out whichever order the runs came in.
    assert.deepEqual(medianRun([run(210_000), run(236_000), run(211_000)]), run(211_000));
    assert.deepEqual(medianRun([run(236_000), run(211_000), run(210_000)]), run(211_000));
    // Cycles decide: by instructions the median would be the 215,000 run.
    assert.deepEqual(medianRun([run(200_000, 400_000), run(215_000, 360_000), run(216_000, 361_000)]), run(216_000, 361_000));
    assert.deepEqual(medianRun([run(5), run(3), run(4), run(9)]), run(4));
    assert.deepEqual(medianRun([run(7)]), run(7));
    assert.throws(() => medianRun([]), /no runs/);
  });
});
