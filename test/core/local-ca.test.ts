/**
 * The local CA of proxy mode (core/local-ca.ts): what its certificates say, that a TLS client
 * trusting the CA accepts them for DingTalk's hosts and for nothing outside dingtalk.com, and
 * that a store makes its CA once, even when asked twice at the same moment.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:tls';
import { describe, it } from 'node:test';
import { issueServerCertificate, localCa, makeLocalCa, ServerCertificates, type ServerCertificate } from '../../src/core/local-ca.js';
import { openStore } from '../../src/store/open-store.js';

const DAY_MS = 24 * 3600 * 1000;

/** Serves `certificate` over TLS and connects to it as `servername`, trusting only `caPem`. */
async function handshake(certificate: ServerCertificate, caPem: string, servername: string): Promise<{ authorized: boolean; error?: string }> {
  const server = createServer({ key: certificate.privateKeyPem, cert: certificate.chainPem }, (socket) => socket.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, servername, ca: caPem }, () => {
        resolve({ authorized: socket.authorized });
        socket.destroy();
      });
      socket.on('error', (error) => resolve({ authorized: false, error: error.message }));
    });
  } finally {
    server.close();
  }
}

describe('local CA', () => {
  it('is a CA for names under dingtalk.com only, valid for years', async () => {
    const ca = await makeLocalCa();
    const certificate = new X509Certificate(ca.certificatePem);
    assert.equal(certificate.ca, true);
    assert.ok(certificate.verify(certificate.publicKey), 'self-signed');
    assert.match(certificate.subject, /CN=dingread local CA [0-9a-f]{8}/);
    assert.ok(Date.parse(certificate.validTo) - Date.now() > 9 * 365 * DAY_MS);
    assert.match(ca.privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
  });

  it('signs server certificates that a client trusting it accepts for DingTalk hosts', async () => {
    const ca = await makeLocalCa();
    const certificate = await issueServerCertificate(ca, ['api.dingtalk.com', 'oapi.dingtalk.com']);
    const leaf = new X509Certificate(certificate.chainPem);
    assert.equal(leaf.ca, false);
    assert.equal(leaf.subjectAltName, 'DNS:api.dingtalk.com, DNS:oapi.dingtalk.com');
    assert.ok(leaf.verify(new X509Certificate(ca.certificatePem).publicKey), 'signed by the CA');
    assert.ok(certificate.notAfter - Date.now() <= 31 * DAY_MS, 'short-lived');
    assert.ok(Date.parse(leaf.validFrom) < Date.now(), 'valid already, for clients whose clocks run behind');
    for (const host of ['api.dingtalk.com', 'oapi.dingtalk.com']) assert.deepEqual(await handshake(certificate, ca.certificatePem, host), { authorized: true });
    // Another CA's client refuses it.
    const other = await makeLocalCa();
    assert.equal((await handshake(certificate, other.certificatePem, 'api.dingtalk.com')).authorized, false);
  });

  it('cannot vouch for a site outside dingtalk.com, even with its own key', async () => {
    const ca = await makeLocalCa();
    const forged = await issueServerCertificate(ca, ['example.com']);
    const answer = await handshake(forged, ca.certificatePem, 'example.com');
    assert.equal(answer.authorized, false);
    assert.match(String(answer.error), /subtree|name constraint/i);
  });

  it('is made once per store: two first uses at once get the same CA, and later ones too', async () => {
    const store = openStore('memory');
    try {
      const [a, b] = await Promise.all([localCa(store), localCa(store)]);
      assert.deepEqual(a, b);
      assert.deepEqual(await localCa(store), a);
      const certificates = new ServerCertificates(store, ['api.dingtalk.com']);
      assert.equal(await certificates.caCertificatePem(), a.certificatePem);
      const first = await certificates.serverCertificate();
      assert.equal(await certificates.serverCertificate(), first, 'the server certificate is made once and reused');
    } finally {
      await store.close();
    }
  });
});
