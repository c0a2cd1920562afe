/**
 * Test support: `perpsim serve` started as a child process (the crash test, the browser test). Resolves
 * once the server has recovered its data directory and listens, with what it printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { V8_START_FLAGS } from './v8-tuning.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'perpsim.js');

export interface ServeProcess {
  readonly proc: ChildProcess;
  readonly url: string;
  /** everything printed up to the ready line */
  readonly banner: string;
  /** the state hash right after recovery, and the journal record it was recovered to */
  readonly stateHash: string;
  readonly recoveredSeq: number;
  readonly exited: Promise<number | null>;
}

/** `perpsim serve --port 0 …args`; rejects with its output if it exits before it is ready. */
export function startServeProcess(args: readonly string[]): Promise<ServeProcess> {
  // as `npm start` runs it (V8's start flags: src/cli/v8-tuning.ts)
  const proc = spawn(process.execPath, [...V8_START_FLAGS, BIN, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /venue on (http:\/\/[^\s]+)/.exec(out)?.[1];
      const recovered = /recovered\s+state hash ([0-9a-f]{16}) after journal record (\d+)/.exec(out);
      if (url !== undefined && recovered !== null)
        resolve({ proc, url, banner: out, stateHash: recovered[1] as string, recoveredSeq: Number(recovered[2]), exited });
    });
    void exited.then((code) => reject(new Error(`perpsim serve exited (${code}) before it was ready: ${out}${err}`)));
  });
}
