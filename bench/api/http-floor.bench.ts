/**
 * bench/api/http-floor: what HTTP alone reaches on this machine, for comparison with bench/api (run with
 * `npm run bench`; never part of `npm test`).
 *
 * The same load as bench/api (autocannon, 32 connections, POST /fapi/v1/order with a form body, client on
 * the same machine) against two servers that do no work at all: a fastify route that parses the body
 * and answers a constant JSON, and a raw node:http handler that reads the body and answers the same
 * bytes. The figures bound what any order endpoint can do here: perpsim's requests also verify an
 * HMAC, validate, run the engine and wait for the journal's fsync.
 *
 * Env: API_SECONDS (default 10), API_CONNECTIONS (default 32).
 */
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const SECONDS = Number(process.env['API_SECONDS'] ?? 10);
const CONNECTIONS = Number(process.env['API_CONNECTIONS'] ?? 32);
const BODY = 'symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&timestamp=1700000000000&recvWindow=60000&signature=' + 'ab'.repeat(32);
const ANSWER = '{"orderId":1,"symbol":"BTCUSDT","status":"NEW"}';

async function load(url: string): Promise<{ perSecond: number; p50: number; p99: number }> {
  const r = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    body: BODY,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'X-MBX-APIKEY': 'k'.repeat(64) },
  });
  return { perSecond: r['2xx'] / SECONDS, p50: r.latency.p50, p99: r.latency.p99 };
}

const print = (name: string, r: { perSecond: number; p50: number; p99: number }) =>
  console.log(`  ${name}: ${Math.round(r.perSecond).toLocaleString('en-US')} requests/s, p50 ${r.p50} ms, p99 ${r.p99} ms`);

console.log(
  `bench/api/http-floor: no-op servers under bench/api's load (${CONNECTIONS} connections, ${SECONDS} s, client on this machine)`,
);

const app = Fastify({ logger: false });
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
app.post('/fapi/v1/order', async (_req, reply) => reply.header('content-type', 'application/json').send(ANSWER));
await app.listen({ port: 0, host: '127.0.0.1' });
print('fastify, empty handler', await load(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/fapi/v1/order`));
await app.close();

const raw: Server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(ANSWER);
  });
});
await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
print('node:http, empty handler', await load(`http://127.0.0.1:${(raw.address() as AddressInfo).port}/fapi/v1/order`));
await new Promise<void>((resolve) => raw.close(() => resolve()));
