/** The `perpsim` command line. */
import { Command, CommanderError } from 'commander';
import { CalcError, calcText, readInput } from './calc.js';

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

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`perpsim: internal error: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
