/** `perpsim journal verify|replay|export DIR`: operator tools over a data directory (read-only). */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { exportJournal, replayJournal, verifyJournal, type ReplayReport } from '../store/journal-tools.js';

const DEFAULT_DATA_DIR = './perpsim-data';

function summary(r: ReplayReport): string {
  const perSecond = r.ms > 0 ? Math.round((r.records / r.ms) * 1000) : 0;
  return [
    `records ${r.records} (commands ${r.commands}) in ${r.segments} segment(s)`,
    `replayed in ${r.ms.toFixed(0)} ms (${perSecond.toLocaleString('en-US')} records/s)`,
    `state hash ${r.stateHash}`,
    ...(r.tornBytes > 0 ? [`torn last write: ${r.tornBytes} bytes (would be dropped at start-up)`] : []),
  ].join('\n');
}

function run(fn: () => Promise<string> | string): () => Promise<void> {
  return async () => {
    try {
      process.stdout.write(`${await fn()}\n`);
    } catch (e) {
      process.stderr.write(`perpsim journal: ${(e as Error).message}\n`);
      process.exitCode = 1;
    }
  };
}

function dataDir(dir: string): string {
  if (!existsSync(dir)) throw new Error(`no data directory at ${dir}`);
  return dir;
}

export function registerJournalCommand(program: Command): void {
  const journal = program.command('journal').description('Check, replay or export the command journal of a data directory (read-only).');
  journal
    .command('verify')
    .description('Replay the whole journal from nothing and check every snapshot against it.')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action((opts: { dataDir: string }) =>
      run(() => {
        const r = verifyJournal(dataDir(opts.dataDir));
        const snaps = r.snapshotsChecked.map((s) => `  snapshot at record ${s.seq}: ${s.hash} = replay`).join('\n');
        return `${summary(r)}\n${r.snapshotsChecked.length} snapshot(s) match the replay${snaps ? `\n${snaps}` : ''}\nOK`;
      })(),
    );
  journal
    .command('replay')
    .description('Replay the whole journal and print the final state hash and the replay speed.')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action((opts: { dataDir: string }) => run(() => summary(replayJournal(dataDir(opts.dataDir))))());
  journal
    .command('export')
    .description('Write DIR/journal.jsonl (every record, with its sequence number) and DIR/state.json (the final engine state).')
    .argument('<dir>', 'output directory')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action((out: string, opts: { dataDir: string }) =>
      run(
        async () => `${summary(await exportJournal(dataDir(opts.dataDir), out))}\nwritten to ${out}/journal.jsonl and ${out}/state.json`,
      )(),
    );
}
