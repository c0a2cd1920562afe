/** The `perpsim` command line. */
import { Command, CommanderError } from 'commander';
import { CalcError, calcText, readInput } from './calc.js';
import { registerJournalCommand } from './journal.js';
import { serve } from './serve.js';

/** A bad command-line value: one line on stderr, exit code 2. */
class CliError extends Error {}

const program = new Command();
program
  .name('perpsim')
  .description('A local USDⓈ-M perpetual-futures exchange whose margin system reproduces Binance Futures to the cent.')
  .version('0.1.0')
  .exitOverride();

program
  .command('calc')
  .description('Evaluate one JSON account snapshot (FILE, or - / nothing for standard input) and print every margin figure as JSON.')
  .argument('[file]', 'JSON account snapshot; see docs/calc.md and examples/')
  .action((file: string | undefined) => {
    try {
      process.stdout.write(calcText(readInput(file)));
    } catch (e) {
      if (e instanceof CalcError) {
        process.stderr.write(`perpsim calc: ${e.message}\n`);
        process.exitCode = 2;
        return;
      }
      throw e;
    }
  });

program
  .command('serve')
  .description('Run the exchange: Binance-compatible REST and WebSocket, journaled to --data-dir.')
  .option('--port <port>', 'TCP port (0: any free port)', '8080')
  .option('--host <host>', 'interface to listen on', '127.0.0.1')
  .option('--data-dir <dir>', 'journal, snapshots and history', './perpsim-data')
  .option('--feed <feed>', 'replay (shipped Binance history) or manual (prices set through /sim/v1/markPrice)', 'replay')
  .option('--speed <n>', 'replay speed: seconds of history per second', '60')
  .option('--admin-token <token>', 'token for /sim/v1 (random when not given)')
  .option('--snapshot-every <n>', 'journal records between snapshots', '100000')
  .option('--rate-limits <which>', "binance (Binance's request weight and order limits) or none (benchmarks)", 'binance')
  .action(
    async (opts: {
      port: string;
      host: string;
      dataDir: string;
      feed: string;
      speed: string;
      adminToken?: string;
      snapshotEvery: string;
      rateLimits: string;
    }) => {
      const port = Number(opts.port);
      const speed = Number(opts.speed);
      const snapshotEvery = Number(opts.snapshotEvery);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be 0..65535, not ${opts.port}`);
      if (opts.feed !== 'replay' && opts.feed !== 'manual') throw new CliError(`--feed must be replay or manual, not ${opts.feed}`);
      if (!(speed > 0 && speed <= 100_000)) throw new CliError(`--speed must be a number in (0, 100000], not ${opts.speed}`);
      if (!Number.isInteger(snapshotEvery) || snapshotEvery < 0)
        throw new CliError(`--snapshot-every must be a whole number, not ${opts.snapshotEvery}`);
      if (opts.rateLimits !== 'binance' && opts.rateLimits !== 'none')
        throw new CliError(`--rate-limits must be binance or none, not ${opts.rateLimits}`);
      const running = await serve({
        port,
        host: opts.host,
        dataDir: opts.dataDir,
        feed: opts.feed,
        speed,
        adminToken: opts.adminToken,
        snapshotEvery,
        rateLimits: opts.rateLimits,
      });
      const stop = (signal: string) => {
        process.stdout.write(`perpsim serve: ${signal}, writing a snapshot and stopping\n`);
        running.close().then(
          () => process.exit(0),
          (e: unknown) => {
            process.stderr.write(`perpsim serve: could not stop cleanly: ${(e as Error).message}\n`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    },
  );

registerJournalCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else if (e instanceof CliError) {
    process.stderr.write(`perpsim: ${e.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`perpsim: internal error: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
