/**
 * The framework's floor (framework-floor.ts) in a process of its own, answering dingread's own
 * answer: what any Fastify service pays to take this request and give this answer.
 * Between the bare node:http baseline and dingread, it says how much of the gap is the framework
 * and JSON, and how much is dingread's own work.
 *
 * Run as its own process: `node framework-floor-server.js <port> <method> <path> <status> <base64 body>`;
 * prints READY <port>.
 */
import { frameworkFloorApp, portOf } from './framework-floor.js';

const [portText = '0', method = 'GET', path = '/', statusText = '200', bodyB64 = ''] = process.argv.slice(2);
const answer: unknown = JSON.parse(Buffer.from(bodyB64, 'base64').toString('utf8'));

const app = frameworkFloorApp(method, path, Number(statusText), answer);
await app.listen({ port: Number(portText), host: '127.0.0.1' });
process.stdout.write(`READY ${portOf(app)}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
