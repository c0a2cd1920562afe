/**
 * bench/engine, counted in instructions (run with `npm run bench:instructions`; needs valgrind).
 *
 * The engine bench's timings swing by a quarter on this kind of shared VM, more than most single changes
 * to the engine move them. Instructions do not: this runs the engine bench's message stream under
 * valgrind's callgrind twice, in parallel, with V8 made deterministic (`--predictable`, one thread, fixed
 * random and hash seeds):
 * once with ROUNDS fresh exchanges that each replay the messages, once with the same fresh exchanges and
 * no replay. The difference, divided by the messages replayed, is the instructions one message costs.
 *
 * It prints that figure whole, without V8's optimizing compiler (in a normal run the compiler works on
 * another thread, here on the main one), and the garbage collector's share. The same code in the same
 * checkout gives the engine's instructions to ~1–2 % run after run (three runs of one build: 3,942–4,018
 * a message), its simulated misses to ~10 % (L1 71–80, L2 39.1–40.0). The collector's share is
 * not as steady across checkouts and builds (a major collection falls inside the replays or not: a few
 * hundred instructions a message), nor, by up to ~2 %, the rest: compare two versions of the engine
 * built in one directory, one after the other, by the engine-and-builtins figure, then confirm with the
 * timed bench.
 *
 * Instructions are not time: a load that misses the caches costs one instruction and tens to hundreds of
 * cycles, and a command that reads a thousand accounts' orders scattered over the heap misses often. So
 * callgrind also simulates the caches (BENCH_CACHE=0 leaves that out, for a run about twice as fast): a
 * 32 KiB 8-way L1 data cache and a 512 KiB 8-way second level, this machine's per-core sizes (AMD EPYC;
 * its 32 MiB L3 is shared with other tenants), and prints the misses per message of each, as steady as
 * the instruction count. A change that moves data around is judged by those.
 *
 * BENCH_TARGET=ioc counts bench:ioc's loop instead (ioc-alone.bench.ts): one exchange, 20,000 pairs of
 * warm-up (makers' GTC orders, then an IOC that takes them: BENCH_FILLS fills, default 1), then BENCH_N
 * (4,000) pairs or none; the figures are per pair. An IOC is 3 % of the mix, so a change to it moves the
 * mix's figures by less than their noise; here it is most of what is counted (two runs of one build agree
 * to ~1 %).
 *
 * BENCH_FUNCTIONS=n also lists the n functions that cost the most a message (their own instructions and
 * misses, not their callees'), the engine's JIT-compiled functions named through V8's perf map
 * (`--perf-basic-prof`): where to look first. V8 then logs every object the collector moves, so the
 * collector's share is larger in that mode (`Heap::OnMoveEvent`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { V8_START_FLAGS } from '../../src/cli/v8-tuning.js';

/** what is counted: the engine bench's message mix, or (`ioc`) bench:ioc's pairs of makers' orders and an IOC */
const TARGET = process.env['BENCH_TARGET'] === 'ioc' ? 'ioc' : 'mix';
const N = Number(process.env['BENCH_N'] ?? (TARGET === 'ioc' ? 4_000 : 60_000));
/** the mix's replays (fresh exchanges); the IOC pairs run on one exchange after its warm-up */
const ROUNDS = TARGET === 'ioc' ? 1 : Number(process.env['BENCH_ROUNDS'] ?? 3);
const BENCH = join(dirname(fileURLToPath(import.meta.url)), TARGET === 'ioc' ? 'ioc-alone.bench.js' : 'engine.bench.js');
/** what one unit of the figures is */
const UNIT = TARGET === 'ioc' ? 'pair' : 'message';

/** A function's share: the optimizing compilers, the garbage collector, or the rest (the program itself). */
type Part = 'compiler' | 'gc' | 'program';
const COMPILER = /compiler::|maglev::|Maglev|turboshaft::|TurboFan|Turbofan/;
const GC = /Scaveng|MarkCompact|Marking|Sweeper|Evacuat|heap::base|Heap::|LiveObject|PretenuringHandler|ConcurrentMarking|MinorMark/;
const partOf = (fn: string): Part => (COMPILER.test(fn) ? 'compiler' : GC.test(fn) ? 'gc' : 'program');

const CACHE = process.env['BENCH_CACHE'] !== '0';
const FUNCTIONS = Number(process.env['BENCH_FUNCTIONS'] ?? 0);
/** the machine name for `setarch <machine> -R` (no address-space randomization), when setarch is there */
const NO_ASLR = ((): string | undefined => {
  const machine = spawnSync('uname', ['-m'], { encoding: 'utf8' }).stdout?.trim();
  if (!machine || spawnSync('setarch', [machine, '-R', 'true']).status !== 0) return undefined;
  return machine;
})();

/** Self costs of one part: instructions, and with the cache simulation, L1 data misses and second-level data misses. */
interface Costs {
  ir: number;
  d1: number;
  l2: number;
  /** instruction fetches that missed the L1 instruction cache */
  i1: number;
}

/**
 * Self costs by part from a callgrind output file. Its `events:` line names the columns of the cost
 * lines, `<position> <cost>…`; the line after a `calls=` line is the call's inclusive cost (counted in the
 * callee's own lines, so skipped); function names are given once with their number, `fn=(12) name`, and
 * by number alone afterwards.
 */
function costsByPart(file: string, byFunction?: Map<string, Costs>, jitName?: (address: number) => string): Record<Part, Costs> {
  const names = new Map<string, string>();
  let fnCosts: Costs | undefined;
  const parts: Record<Part, Costs> = {
    compiler: { ir: 0, d1: 0, l2: 0, i1: 0 },
    gc: { ir: 0, d1: 0, l2: 0, i1: 0 },
    program: { ir: 0, d1: 0, l2: 0, i1: 0 },
  };
  // columns (after the position) of Ir and of the data misses, read and write, at each level
  let ir = 0;
  let d1: number[] = [];
  let l2: number[] = [];
  let i1 = -1;
  let part: Part = 'program';
  let callCost = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('events:')) {
      const events = line.slice(7).trim().split(' ');
      ir = events.indexOf('Ir');
      d1 = [events.indexOf('D1mr'), events.indexOf('D1mw')].filter((i) => i >= 0);
      l2 = [events.indexOf('DLmr'), events.indexOf('DLmw')].filter((i) => i >= 0);
      i1 = events.indexOf('I1mr');
      continue;
    }
    if (line.startsWith('fn=') || line.startsWith('cfn=')) {
      const m = /^c?fn=\((\d+)\)(?: (.*))?$/.exec(line);
      if (m === null) continue;
      const id = m[1] as string;
      if (m[2] !== undefined) names.set(id, m[2]);
      if (line.startsWith('fn=')) {
        const name = names.get(id) ?? '';
        part = partOf(name);
        if (byFunction !== undefined) {
          // JIT code has no symbol: callgrind names it by address (`0x…`, `'2` for a recursion level)
          const key = name.startsWith('0x') && jitName !== undefined ? jitName(parseInt(name, 16)) : name;
          fnCosts = byFunction.get(key);
          if (fnCosts === undefined) byFunction.set(key, (fnCosts = { ir: 0, d1: 0, l2: 0, i1: 0 }));
        }
      }
      continue;
    }
    if (line.startsWith('calls=')) {
      callCost = true;
      continue;
    }
    const c = line.charCodeAt(0);
    if (!(c === 43 || c === 45 || c === 42 || (c >= 48 && c <= 57))) continue; // + - * digit
    if (callCost) {
      callCost = false;
      continue;
    }
    // a cost line's columns: the position, then the events; trailing zero costs may be left out
    const cols = line.split(' ');
    const at = (i: number) => Number(cols[1 + i] ?? 0) || 0;
    for (const costs of fnCosts === undefined ? [parts[part]] : [parts[part], fnCosts]) {
      costs.ir += at(ir);
      for (const i of d1) costs.d1 += at(i);
      for (const i of l2) costs.l2 += at(i);
      if (i1 >= 0) costs.i1 += at(i1);
    }
  }
  return parts;
}

/**
 * Names JIT code by address from V8's perf map of process `pid` (`/tmp/perf-<pid>.map`: start, size, name
 * per line), as `*take engine/order-fast-path.js` (`*` optimized, `^` baseline code).
 */
function perfMapNamer(pid: number): (address: number) => string {
  const file = `/tmp/perf-${pid}.map`;
  const entries: { start: number; end: number; name: string }[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (m === null) continue;
    const start = parseInt(m[1] as string, 16);
    const name = (m[3] as string).replace(/^JS:/, '').replace(/ file:\/\/\S*\/dist\/src\/(\S+?)(?::\d+)+$/, ' $1');
    entries.push({ start, end: start + parseInt(m[2] as string, 16), name });
  }
  rmSync(file, { force: true });
  entries.sort((a, b) => a.start - b.start);
  return (address) => {
    let lo = 0;
    let hi = entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const e = entries[mid] as { start: number; end: number; name: string };
      if (address < e.start) hi = mid - 1;
      else if (address >= e.end) lo = mid + 1;
      else return e.name;
    }
    return '(JIT code not in the perf map)';
  };
}

interface RunCosts {
  readonly parts: Record<Part, Costs>;
  readonly byFunction: Map<string, Costs>;
}

function run(dir: string, replay: boolean): Promise<RunCosts> {
  const out = join(dir, replay ? 'replay.out' : 'setup.out');
  // BENCH_NODE_FLAGS: more flags for node (a V8 setting tried before changing the code for it)
  const extra = (process.env['BENCH_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== '');
  const args = [
    '--tool=callgrind',
    ...(CACHE ? ['--cache-sim=yes', '--I1=32768,8,64', '--D1=32768,8,64', '--LL=524288,8,64'] : []),
    `--callgrind-out-file=${out}`,
    process.execPath,
    '--predictable',
    '--single-threaded',
    '--random-seed=1',
    '--hash-seed=1',
    // V8's start flags, as `perpsim` runs (the rest the bench sets itself)
    ...(process.env['BENCH_V8'] === 'default' ? [] : V8_START_FLAGS),
    ...(FUNCTIONS > 0 ? ['--perf-basic-prof'] : []),
    ...extra,
    BENCH,
  ];
  const env = {
    ...process.env,
    BENCH_MODE: 'instructions',
    BENCH_REPLAY: replay ? '1' : '0',
    BENCH_N: String(N),
    BENCH_ROUNDS: String(ROUNDS),
  };
  return new Promise((resolve, reject) => {
    // without address-space randomization where setarch can turn it off: the simulated caches then see
    // the same addresses run after run (the misses of a randomized run vary by ~10 %)
    const [cmd, cmdArgs] = NO_ASLR === undefined ? ['valgrind', args] : ['setarch', [NO_ASLR, '-R', 'valgrind', ...args]];
    const child = spawn(cmd, cmdArgs, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`valgrind exited with ${code}: ${err.slice(-2000)}`));
      else {
        // the traced node keeps the pid it was started with (setarch and valgrind exec it in place)
        const byFunction = new Map<string, Costs>();
        const namer = FUNCTIONS > 0 && child.pid !== undefined ? perfMapNamer(child.pid) : undefined;
        resolve({ parts: costsByPart(out, FUNCTIONS > 0 ? byFunction : undefined, namer), byFunction });
      }
    });
  });
}

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.log('bench/engine instructions: valgrind is not installed; skipped');
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), 'perpsim-instructions-'));
try {
  const t0 = Date.now();
  const [replay, setup] = await Promise.all([run(dir, true), run(dir, false)]);
  const messages = N * ROUNDS; // units: messages, or IOC pairs
  const per = (p: Part, k: keyof Costs = 'ir') => (replay.parts[p][k] - setup.parts[p][k]) / messages;
  const all = per('compiler') + per('gc') + per('program');
  const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  console.log(
    TARGET === 'ioc'
      ? `bench/engine instructions: bench:ioc's pairs (makers' GTC orders, then the IOC that takes them, ${process.env['BENCH_FILLS']?.split(',')[0] ?? 1} fill(s)), ${fmt(N)} pairs after 20,000 of warm-up`
      : `bench/engine instructions: the engine bench's message mix (seed ${process.env['BENCH_SEED'] ?? 42}), ${fmt(N)} messages × ${ROUNDS} replays`,
  );
  console.log(`  instructions per ${UNIT}: ${fmt(all - per('compiler'))} without the optimizing compiler (${fmt(all)} with it)`);
  console.log(`    of which the garbage collector: ${fmt(per('gc'))}; the engine and V8's builtins: ${fmt(per('program'))}`);
  if (CACHE) {
    const fmt1 = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    const misses = (k: 'd1' | 'l2' | 'i1') =>
      `${fmt1(per('gc', k) + per('program', k))} (the garbage collector ${fmt1(per('gc', k))}, the engine and builtins ${fmt1(per('program', k))})`;
    console.log(`  data cache misses per ${UNIT}, simulated (reads and writes; without the optimizing compiler):`);
    console.log(`    L1 (32 KiB): ${misses('d1')}`);
    console.log(`    L2 (512 KiB): ${misses('l2')}`);
    // code is read through its own first-level cache; a message whose code was pushed out by other
    // messages' code refetches it from L2 (docs/engine.md: an IOC alone against one in the mix)
    console.log(`  instruction cache misses per ${UNIT}, simulated (L1i, 32 KiB): ${misses('i1')}`);
  }
  if (FUNCTIONS > 0) {
    const zero: Costs = { ir: 0, d1: 0, l2: 0, i1: 0 };
    const rows = [...replay.byFunction].map(([name, c]) => {
      const b = setup.byFunction.get(name) ?? zero;
      return {
        name,
        ir: (c.ir - b.ir) / messages,
        d1: (c.d1 - b.d1) / messages,
        l2: (c.l2 - b.l2) / messages,
        i1: (c.i1 - b.i1) / messages,
      };
    });
    rows.sort((x, y) => y.ir - x.ir);
    console.log(
      `  the ${FUNCTIONS} functions that cost the most a ${UNIT} (own instructions${CACHE ? ', L1 and L2 data misses, L1 instruction misses' : ''}):`,
    );
    for (const r of rows.slice(0, FUNCTIONS))
      console.log(
        `    ${fmt(r.ir).padStart(6)}${CACHE ? `  ${r.d1.toFixed(1).padStart(5)} ${r.l2.toFixed(1).padStart(5)} ${r.i1.toFixed(1).padStart(5)}` : ''}  ${r.name.slice(0, 110)}`,
      );
  }
  console.log(
    `  V8 settings: ${process.env['BENCH_V8'] === 'default' ? "V8's defaults (BENCH_V8=default)" : "perpsim's (src/cli/v8-tuning.ts; BENCH_V8=default for V8's own)"}`,
  );
  console.log(
    `  (callgrind${NO_ASLR === undefined ? '' : ' under setarch -R'}, node --predictable --single-threaded --random-seed=1 --hash-seed=1; ${((Date.now() - t0) / 1000).toFixed(0)} s)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
