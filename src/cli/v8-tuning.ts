/**
 * The V8 settings perpsim runs with: `perpsim` (bin/perpsim.js) sets them before it loads anything else,
 * and bench/engine sets them so that it measures the engine as perpsim runs it. A program that embeds
 * the engine can call `tuneV8()` first too (docs/engine.md, "Performance").
 *
 * - `--max-inlined-bytecode-size-cumulative=3000` (V8's default: 920): how much code the optimizing
 *   compiler may inline into one function. An order command's path (the fast path's amend, the general
 *   path's fills) calls many small functions; with the default budget the calls after the first few stay
 *   calls, and floats passed to them are boxed. Measured on bench/engine's message mix
 *   (`npm run bench:instructions`): 6,899 instructions a message with the default, 6,466 at 1,840, 6,232
 *   at 3,000, 6,140 at 5,000 given on node's command line (6,489 when set by `tuneV8()` at
 *   start); in the timed bench p50 latency ~1.3 → ~1.1 µs and a one-fill IOC's ~8.8 →
 *   ~7.5 µs. Compiling takes a little longer and the compiled code is larger.
 */
import { setFlagsFromString } from 'node:v8';

export const V8_FLAGS: readonly string[] = ['--max-inlined-bytecode-size-cumulative=3000'];

/**
 * Settings V8 reads only when the process starts (it sizes the heap then): they work on node's command
 * line or in NODE_OPTIONS, not from `tuneV8()`. `npm start` and `npm run bench` give them (package.json);
 * `perpsim serve` started without them says so. A program embedding the engine gives them to node.
 *
 * - `--max-semi-space-size=64` (V8's default here: 16 MiB): the young generation may grow to two 64 MiB
 *   semi-spaces (up to ~128 MiB more memory in use under load). Every order is kept (open, then closed
 *   for queries) and survives its first collections; with 16 MiB the young generation is collected every
 *   ~20,000 messages of bench/engine's mix, and what the collector copies out goes into fresh pages, which
 *   cost ~11–15 µs each on this project's VMs (docs/engine.md, "Fresh memory is dear"). With 64 MiB:
 *   3–4 collections a 300,000-message pass instead of 15, pauses 43–54 ms instead of 85–94, page faults
 *   ~2,300–2,600 instead of ~4,500, and 1.13M against 0.80–0.91M messages/s, p99 5.3–5.7 µs against
 *   5.9–6.1 µs (alternating runs, one quiet hour).
 */
export const V8_START_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/** The start flags this process was not given (on node's command line or in NODE_OPTIONS). */
export function missingStartFlags(): string[] {
  const norm = (f: string) => f.replace(/_/g, '-');
  const given = new Set([...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)].map(norm));
  return V8_START_FLAGS.filter((f) => !given.has(norm(f)));
}

/** Sets V8_FLAGS in this process (before the code they are for is compiled) and answers them. */
export function tuneV8(): readonly string[] {
  for (const flag of V8_FLAGS) setFlagsFromString(flag);
  return V8_FLAGS;
}
