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

/** Sets V8_FLAGS in this process (before the code they are for is compiled) and answers them. */
export function tuneV8(): readonly string[] {
  for (const flag of V8_FLAGS) setFlagsFromString(flag);
  return V8_FLAGS;
}
