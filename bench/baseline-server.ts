/**
 * The baseline every throughput figure is divided by: a bare `node:http` server that answers
 * every request with the same status, headers and body bytes dingread gave for the scenario,
 * so the ratio measures what dingread adds on top of Node's own HTTP stack.
 *
 * Run as its own process: `node baseline-server.js <port> <status> <base64 body>`; prints READY.
 */
import { createServer } from 'node:http';

const [portText = '0', statusText = '200', bodyB64 = ''] = process.argv.slice(2);
const body = Buffer.from(bodyB64, 'base64');
const status = Number(statusText);

const server = createServer((request, response) => {
  // Drain the request body as dingread must, then answer with the recorded bytes.
  request.on('data', () => {});
  request.on('end', () => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    response.end(body);
  });
});
server.keepAliveTimeout = 10_000;
server.listen(Number(portText), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`READY ${typeof address === 'object' && address ? address.port : portText}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
