/**
 * bench/api: signed order placements over loopback (run with `npm run bench`; never part of `npm test`).
 *
 * Starts `perpsim serve` as a child process (fresh data directory, journal with fsync group commit, SQLite
 * history, manual feed with the built-in market maker, rate limits off), funds 20 accounts through the
 * simulator API, then autocannon sends signed `POST /fapi/v1/order` requests (MARKET buys and sells of
 * 0.001 BTC that fill against the maker's ladder, alternating so positions stay small) from 32
 * connections. The requests are signed ahead of time with recvWindow 60000 (the signature covers the
 * timestamp, as on Binance). Prints 2xx order placements/s and latency p50/p99.
 * Target: ≥ 15,000 orders/s, p99 ≤ 10 ms on this 2-core machine.
 *
 * Also prints the server's CPU time per order (Linux: /proc), whole process and its main (event-loop)
 * thread apart: on a machine shared with other work the throughput is noisy, the CPU cost per order less so.
 *
 * Env: API_SECONDS (default 10), API_CONNECTIONS (default 32), API_PROFILE (a directory: the server writes a
 * V8 CPU profile there).
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SECONDS = Number(process.env['API_SECONDS'] ?? 10);
const CONNECTIONS = Number(process.env['API_CONNECTIONS'] ?? 32);
const ACCOUNTS = 20;
const ADMIN = 'bench-admin';
const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'perpsim.js');

/** CPU seconds (user + system) of a process, or of one of its threads, from /proc (undefined elsewhere). */
function cpuSeconds(pid: number | undefined, tid?: number): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'perpsim-bench-api-'));
const proc = spawn(
  process.execPath,
  [
    ...(process.env['API_PROFILE'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['API_PROFILE']}`] : []),
    BIN,
    'serve',
    '--port',
    '0',
    '--data-dir',
    dir,
    '--feed',
    'manual',
    '--admin-token',
    ADMIN,
    '--rate-limits',
    'none',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
try {
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /venue on (http:\/\/[^\s]+)/.exec(out);
      if (m !== null && out.includes('recovered')) resolve(m[1] as string);
    });
    proc.once('exit', (code) => reject(new Error(`serve exited (${code}): ${out}`)));
  });
  const admin = async (path: string, body: unknown) => {
    const r = await fetch(`${url}/sim/v1/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-PERPSIM-ADMIN': ADMIN },
      body: JSON.stringify(body),
    });
    if (r.status !== 200) throw new Error(`${path}: ${await r.text()}`);
    return (await r.json()) as { apiKey: string; apiSecret: string };
  };
  await admin('markPrice', { symbol: 'BTCUSDT', price: '60000' });
  const creds = [];
  for (let i = 0; i < ACCOUNTS; i++) creds.push(await admin('accounts', { balances: { USDT: '1000000' } }));

  // pre-signed requests: per account a BUY then a SELL (positions return to flat)
  const requests: autocannon.Request[] = [];
  const timestamp = Date.now();
  for (let round = 0; round < 50; round++) {
    for (const [i, c] of creds.entries()) {
      for (const side of ['BUY', 'SELL']) {
        const query = new URLSearchParams({
          symbol: 'BTCUSDT',
          side,
          type: 'MARKET',
          quantity: '0.001',
          newClientOrderId: `b${round}x${i}${side[0]}`,
          timestamp: String(timestamp + round),
          recvWindow: '60000',
        }).toString();
        const signature = createHmac('sha256', c.apiSecret).update(query).digest('hex');
        requests.push({ method: 'POST', path: `/fapi/v1/order?${query}&signature=${signature}`, headers: { 'X-MBX-APIKEY': c.apiKey } });
      }
    }
  }

  console.log(
    `bench/api: signed POST /fapi/v1/order (MARKET 0.001 BTC against the market maker), ${CONNECTIONS} connections, ${SECONDS} s`,
  );
  const cpu0 = [cpuSeconds(proc.pid), cpuSeconds(proc.pid, proc.pid)];
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, requests });
  const cpu1 = [cpuSeconds(proc.pid), cpuSeconds(proc.pid, proc.pid)];
  const ok = result['2xx'];
  const perSecond = ok / SECONDS;
  const p50 = result.latency.p50;
  const p99 = result.latency.p99;
  console.log(
    `  order placements answered 2xx: ${ok.toLocaleString('en-US')} (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`,
  );
  console.log(
    `  throughput: ${Math.round(perSecond).toLocaleString('en-US')} orders/s   [target ≥ 15,000/s: ${perSecond >= 15_000 ? 'met' : 'NOT met'}]`,
  );
  const perOrder = (i: number) => {
    const a = cpu0[i];
    const b = cpu1[i];
    return a === undefined || b === undefined || ok === 0 ? '?' : `${Math.round(((b - a) * 1e6) / ok)} µs`;
  };
  console.log(`  server CPU per order: ${perOrder(0)} (process), ${perOrder(1)} (main thread)`);
  console.log(
    `  latency: p50 ${p50} ms, p99 ${p99} ms, max ${result.latency.max} ms   [target p99 ≤ 10 ms: ${p99 <= 10 ? 'met' : 'NOT met'}]`,
  );
} finally {
  proc.kill(process.env['API_PROFILE'] ? 'SIGINT' : 'SIGKILL');
  await new Promise((r) => setTimeout(r, process.env['API_PROFILE'] ? 3000 : 0));
  rmSync(dir, { recursive: true, force: true });
}
