/**
 * The framework's floor: a bare Fastify server (the version dingread runs on) with one route at the
 * scenario's method and path that answers with dingread's own answer, parsed once at start and
 * serialized again for every request, as dingread serializes its answers. No hooks, no token, no
 * schema, no store: what any Fastify service pays to take this request and give this answer.
 * Between the bare node:http baseline and dingread, it says how much of the gap is the framework
 * and JSON, and how much is dingread's own work.
 *
 * Run as its own process: `node framework-floor-server.js <port> <method> <path> <status> <base64 body>`;
 * prints READY <port>.
 */
import Fastify from 'fastify';

const [portText = '0', method = 'GET', path = '/', statusText = '200', bodyB64 = ''] = process.argv.slice(2);
const answer: unknown = JSON.parse(Buffer.from(bodyB64, 'base64').toString('utf8'));
const status = Number(statusText);

const app = Fastify({ logger: false, keepAliveTimeout: 10_000 });
app.route({
  method: method as 'GET' | 'POST',
  url: path.split('?')[0] as string,
  handler: (_request, reply) => reply.code(status).send(answer),
});
await app.listen({ port: Number(portText), host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`READY ${typeof address === 'object' && address ? address.port : portText}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
