/** The steps of every request (src/api/request-steps.ts): run in order, by one hook per phase. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { RequestSteps } from '../../src/api/request-steps.js';

describe('RequestSteps', () => {
  it('runs the steps in the order they were added, stops at one that answered, and hands each send step the last payload', async () => {
    const app = Fastify();
    const steps = new RequestSteps();
    const ran: string[] = [];
    steps.onRequest(() => (ran.push('first'), false));
    steps.onRequest((request, reply) => {
      ran.push('second');
      if (request.url === '/refused') {
        void reply.code(403).send({ refused: true });
        return true;
      }
      return false;
    });
    steps.onRequest(() => (ran.push('third'), false));
    steps.onSend((_request, _reply, payload) => `${String(payload)}+a`);
    steps.onSend((_request, _reply, payload) => `${String(payload)}+b`);
    steps.install(app);
    app.get('/ok', async () => 'answer');
    app.get('/refused', async () => 'never');

    const ok = await app.inject({ method: 'GET', url: '/ok' });
    assert.equal(ok.body, 'answer+a+b');
    assert.deepEqual(ran, ['first', 'second', 'third']);

    ran.length = 0;
    const refused = await app.inject({ method: 'GET', url: '/refused' });
    assert.equal(refused.statusCode, 403);
    assert.deepEqual(ran, ['first', 'second'], 'the step after the one that answered does not run');
    assert.equal(refused.body, '{"refused":true}+a+b', 'an answer given by a step goes out through the send steps too');
    await app.close();
  });

  it('lets a step that throws fail the request as a throwing hook would', async () => {
    const app = Fastify();
    const steps = new RequestSteps();
    steps.onRequest(() => {
      throw new Error('broken step');
    });
    steps.install(app);
    app.get('/', async () => 'never');
    const answer = await app.inject({ method: 'GET', url: '/' });
    assert.equal(answer.statusCode, 500);
    await app.close();
  });
});
