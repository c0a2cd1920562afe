import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { missingStartFlags, V8_START_FLAGS } from './v8-tuning.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };

describe('V8 start flags (v8-tuning.ts)', () => {
  it('`npm start`, the engine bench in `npm run bench` and `npm run bench:ioc` start node with every one of them', () => {
    assert.ok(V8_START_FLAGS.length > 0);
    const start = pkg.scripts['start'] ?? '';
    const engineBench = (pkg.scripts['bench'] ?? '').split('&&').find((c) => c.includes('engine.bench.js')) ?? '';
    const iocBench = (pkg.scripts['bench:ioc'] ?? '').split('&&').find((c) => c.includes('ioc-alone.bench.js')) ?? '';
    for (const flag of V8_START_FLAGS) {
      assert.match(start, new RegExp(`^node ${flag} bin/perpsim\\.js serve$`));
      assert.match(engineBench.trim(), new RegExp(`^node ${flag} dist/bench/engine/engine\\.bench\\.js$`));
      assert.match(iocBench.trim(), new RegExp(`^node ${flag} dist/bench/engine/ioc-alone\\.bench\\.js$`));
    }
  });

  it('counts a flag as given in NODE_OPTIONS too, with dashes or underscores', () => {
    const saved = process.env['NODE_OPTIONS'];
    const onCommandLine = (f: string) => process.execArgv.includes(f);
    try {
      delete process.env['NODE_OPTIONS'];
      assert.deepEqual(
        missingStartFlags(),
        V8_START_FLAGS.filter((f) => !onCommandLine(f)),
      );
      process.env['NODE_OPTIONS'] = `--enable-source-maps ${V8_START_FLAGS.join(' ')}`;
      assert.deepEqual(missingStartFlags(), []);
      process.env['NODE_OPTIONS'] = V8_START_FLAGS.map((f) => f.replace(/-/g, '_').replace(/^__/, '--')).join(' ');
      assert.deepEqual(missingStartFlags(), []);
    } finally {
      if (saved === undefined) delete process.env['NODE_OPTIONS'];
      else process.env['NODE_OPTIONS'] = saved;
    }
  });
});
