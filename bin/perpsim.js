#!/usr/bin/env node
// Thin launcher: the CLI is written in TypeScript and compiled to dist/ by `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('perpsim: not built yet; run `npm run build` (or `npm ci`, which builds) first\n');
  process.exit(2);
}
// V8 settings first, before the code they tune is compiled (src/cli/v8-tuning.ts)
const { tuneV8 } = await import(new URL('../dist/src/cli/v8-tuning.js', import.meta.url).href);
tuneV8();
await import(entry.href);
