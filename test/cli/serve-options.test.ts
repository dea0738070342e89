/**
 * The server options `serve` and `exec` share, as `serverOptionsFrom` reads them from flags and
 * the environment (src/cli/serve-options.ts): the request log's sizes, the whole-number options'
 * ranges, strict mode. What the commands print for a bad option is in serve.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverOptionsFrom } from '../../src/cli/serve-options.js';

describe('serve --request-log', () => {
  it('sets how many calls the request log keeps, from the flag or the environment; 1,000 by default', () => {
    const defaults = { port: '3939', store: 'memory', simulate: false };
    assert.equal(serverOptionsFrom({}, {}, defaults).emulator?.requestLogSize, 1000);
    assert.equal(serverOptionsFrom({ 'request-log': '0' }, {}, defaults).emulator?.requestLogSize, 0);
    assert.equal(serverOptionsFrom({}, { DINGREAD_REQUEST_LOG: '25' }, defaults).emulator?.requestLogSize, 25);
    assert.equal(serverOptionsFrom({ 'request-log': '7' }, { DINGREAD_REQUEST_LOG: '25' }, defaults).emulator?.requestLogSize, 7);
  });

  it('sets the bytes of bodies it keeps with --request-log-bodies, in bytes or K, M, G; 1 MiB by default', () => {
    const defaults = { port: '3939', store: 'memory', simulate: false };
    const bodies = (values: { 'request-log-bodies'?: string }, env: Record<string, string> = {}): number | undefined =>
      serverOptionsFrom(values, env, defaults).emulator?.requestLogBodyBytes;
    assert.equal(bodies({}), 1024 * 1024);
    assert.equal(bodies({ 'request-log-bodies': '0' }), 0);
    assert.equal(bodies({ 'request-log-bodies': '262144' }), 262_144);
    assert.equal(bodies({ 'request-log-bodies': '512K' }), 512 * 1024);
    assert.equal(bodies({ 'request-log-bodies': '8MiB' }), 8 * 1024 * 1024);
    assert.equal(bodies({ 'request-log-bodies': '1g' }), 1024 ** 3);
    assert.equal(bodies({ 'request-log-bodies': '512b' }), 512);
    assert.equal(bodies({}, { DINGREAD_REQUEST_LOG_BODIES: '4M' }), 4 * 1024 * 1024);
    assert.equal(bodies({ 'request-log-bodies': '2K' }, { DINGREAD_REQUEST_LOG_BODIES: '4M' }), 2048);
    for (const bad of ['-1', '2G', '1T', 'lots', '', '1.5M', '99999999999']) {
      assert.throws(() => bodies({ 'request-log-bodies': bad }), /--request-log-bodies must be a number of bytes from 0 to 1G/, bad);
    }
  });
});

describe('serve: whole-number options', () => {
  it('takes digits only, within each option\'s range, and names the option and what it was given otherwise', () => {
    const defaults = { port: '3939', store: 'memory', simulate: false };
    const options = (values: Record<string, string>) => serverOptionsFrom(values, {}, defaults);
    // [option, least, most, what the options then hold]
    const ranges: Array<[string, number, number, (o: ReturnType<typeof options>) => number | undefined]> = [
      ['port', 0, 65_535, (o) => o.port],
      ['delivery-delay-ms', 0, 999_999_999, (o) => o.core?.deliveryDelayMs],
      ['qps-limit', 0, 9_999_999, (o) => o.emulator?.qpsLimit],
      ['request-log', 0, 100_000, (o) => o.emulator?.requestLogSize],
      ['control-qps-limit', 0, 9_999_999, (o) => o.controlQpsLimit],
      ['stream-redelivery-ms', 1, 999_999_999, (o) => o.stream?.redeliveryMs],
    ];
    for (const [option, least, most, held] of ranges) {
      assert.equal(held(options({ [option]: String(least) })), least, option);
      assert.equal(held(options({ [option]: String(most) })), most, option);
      assert.equal(held(options({ [option]: `00${most}` })), most, `${option}: leading zeros`);
      // Each of these is a number to Number(), and none is what the option takes.
      for (const bad of [String(most + 1), ...(least > 0 ? [String(least - 1)] : []), '-1', '1e3', '0x10', '1.5', ' 7', '7 ', '+7', '', 'Infinity', '99999999999999999']) {
        assert.throws(() => options({ [option]: bad }), (error: Error) => error.message.startsWith(`--${option} must be `) && error.message.endsWith(`, not ${JSON.stringify(bad)}`), `${option} ${JSON.stringify(bad)}`);
      }
    }
  });
});

describe('serve --strict', () => {
  it('turns strict mode on; leniency is the default', () => {
    const defaults = { port: '3939', store: 'memory', simulate: false };
    assert.equal(serverOptionsFrom({ strict: true }, {}, defaults).strict, true);
    assert.equal(serverOptionsFrom({}, {}, defaults).strict, false);
  });
});
