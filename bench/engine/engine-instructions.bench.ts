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
 * checkout gives the same figures to within a few instructions run after run. The collector's share is
 * not as steady across checkouts and builds (a major collection falls inside the replays or not: a few
 * hundred instructions a message), nor, by up to ~2 %, the rest: compare two versions of the engine
 * built in one directory, one after the other, by the engine-and-builtins figure, then confirm with the
 * timed bench. Instructions are not time (cache misses cost no instructions), so a
 * change that moves data around must still be timed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const N = Number(process.env['BENCH_N'] ?? 60_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const BENCH = join(dirname(fileURLToPath(import.meta.url)), 'engine.bench.js');

/** A function's share: the optimizing compilers, the garbage collector, or the rest (the program itself). */
type Part = 'compiler' | 'gc' | 'program';
const COMPILER = /compiler::|maglev::|Maglev|turboshaft::|TurboFan|Turbofan/;
const GC = /Scaveng|MarkCompact|Marking|Sweeper|Evacuat|heap::base|Heap::|LiveObject|PretenuringHandler|ConcurrentMarking|MinorMark/;
const partOf = (fn: string): Part => (COMPILER.test(fn) ? 'compiler' : GC.test(fn) ? 'gc' : 'program');

/**
 * Self instructions by part from a callgrind output file. Cost lines are `<position> <Ir>`; the line after
 * a `calls=` line is the call's inclusive cost (counted in the callee's own lines, so skipped); function
 * names are given once with their number, `fn=(12) name`, and by number alone afterwards.
 */
function instructionsByPart(file: string): Record<Part, number> {
  const names = new Map<string, string>();
  const parts: Record<Part, number> = { compiler: 0, gc: 0, program: 0 };
  let part: Part = 'program';
  let callCost = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('fn=') || line.startsWith('cfn=')) {
      const m = /^c?fn=\((\d+)\)(?: (.*))?$/.exec(line);
      if (m === null) continue;
      const id = m[1] as string;
      if (m[2] !== undefined) names.set(id, m[2]);
      if (line.startsWith('fn=')) part = partOf(names.get(id) ?? '');
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
    const ir = Number(line.split(' ')[1] ?? 0);
    if (Number.isFinite(ir)) parts[part] += ir;
  }
  return parts;
}

function run(dir: string, replay: boolean): Promise<Record<Part, number>> {
  const out = join(dir, replay ? 'replay.out' : 'setup.out');
  // BENCH_NODE_FLAGS: more flags for node (a V8 setting tried before changing the code for it)
  const extra = (process.env['BENCH_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== '');
  const args = [
    '--tool=callgrind',
    `--callgrind-out-file=${out}`,
    process.execPath,
    '--predictable',
    '--single-threaded',
    '--random-seed=1',
    '--hash-seed=1',
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
    const child = spawn('valgrind', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`valgrind exited with ${code}: ${err.slice(-2000)}`));
      else resolve(instructionsByPart(out));
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
  const messages = N * ROUNDS;
  const per = (p: Part) => (replay[p] - setup[p]) / messages;
  const all = per('compiler') + per('gc') + per('program');
  const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  console.log(
    `bench/engine instructions: the engine bench's message mix (seed ${process.env['BENCH_SEED'] ?? 42}), ${fmt(N)} messages × ${ROUNDS} replays`,
  );
  console.log(`  instructions per message: ${fmt(all - per('compiler'))} without the optimizing compiler (${fmt(all)} with it)`);
  console.log(`    of which the garbage collector: ${fmt(per('gc'))}; the engine and V8's builtins: ${fmt(per('program'))}`);
  console.log(
    `  V8 settings: ${process.env['BENCH_V8'] === 'default' ? "V8's defaults (BENCH_V8=default)" : "perpsim's (src/cli/v8-tuning.ts; BENCH_V8=default for V8's own)"}`,
  );
  console.log(
    `  (callgrind, node --predictable --single-threaded --random-seed=1 --hash-seed=1; ${((Date.now() - t0) / 1000).toFixed(0)} s)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
