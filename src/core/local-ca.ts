/**
 * The local certificate authority of proxy mode. dingread ends the TLS of a tunnel to one of
 * DingTalk's hosts itself (api/proxy/), with a certificate it signs; a client trusts that
 * certificate by trusting this CA (`dingread ca`, `GET /_dingread/v1/ca.pem`).
 *
 * The CA is made once per store and kept there with its key (Store.keepLocalCa), so that a CA a
 * developer trusted once stays valid across restarts and every node of a shared store signs with
 * the same one. Its key is never written anywhere else and never served. The CA may only sign
 * names under dingtalk.com (a critical name constraint): should its key leak, it cannot vouch for
 * any other site.
 *
 * Keys are RSA 2048, made by Node's own crypto; node-forge builds and signs the certificates
 * (Node can read X.509 but not write it). Validity follows the machine's real time, never the
 * server clock: a client checks certificates against its own clock, and tests move the server's.
 */
import { generateKeyPair as generateKeyPairCallback, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { LocalCaRecord, Store } from './store.js';

type Forge = typeof import('node-forge');

let loaded: Promise<Forge> | undefined;
/** node-forge is loaded on first use: most runs never open a tunnel. */
function loadForge(): Promise<Forge> {
  // A CommonJS module: its exports arrive as the default export.
  loaded ??= import('node-forge').then((module) => (module as unknown as { default: Forge }).default);
  return loaded;
}

const generateKeyPair = promisify(generateKeyPairCallback);

/** The only names the CA may sign for, DingTalk's hosts among them. */
export const LOCAL_CA_PERMITTED_DOMAIN = 'dingtalk.com';
const CA_VALIDITY_MS = 10 * 365 * 24 * 3600 * 1000;
/** A server certificate is short-lived; ServerCertificates makes a new one before it ends. */
const SERVER_VALIDITY_MS = 30 * 24 * 3600 * 1000;
/** Certificates start a little in the past, for clients whose clocks run behind. */
const BACKDATE_MS = 3600 * 1000;
/** A server certificate with less than this left is replaced. */
const RENEW_BEFORE_MS = 24 * 3600 * 1000;

/** The store's CA; made and kept on first use (when several nodes race, the store keeps one). */
export async function localCa(store: Store): Promise<LocalCaRecord> {
  return (await store.findLocalCa()) ?? store.keepLocalCa(await makeLocalCa());
}

async function rsaKeyPair(): Promise<{ publicKeyPem: string; privateKeyPem: string }> {
  const { publicKey, privateKey } = await generateKeyPair('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

/** A positive 128-bit serial number, as hex (RFC 5280 asks for unpredictable ones). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x40;
  return bytes.toString('hex');
}

/** NameConstraints (RFC 5280 §4.2.1.10): permitted DNS subtree `domain`, as DER. */
function nameConstraints(forge: Forge, domain: string): string {
  const { asn1 } = forge;
  const dnsName = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 2, false, domain);
  const subtree = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [dnsName]);
  const permitted = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [subtree]);
  return asn1.toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [permitted])).getBytes();
}

/** forge writes PEM with CRLF; files and everything else here use LF. */
function pem(forge: Forge, certificate: ReturnType<Forge['pki']['createCertificate']>): string {
  return forge.pki.certificateToPem(certificate).replace(/\r\n/g, '\n');
}

export async function makeLocalCa(now: number = Date.now()): Promise<LocalCaRecord> {
  const forge = await loadForge();
  const keys = await rsaKeyPair();
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  certificate.serialNumber = serialNumber();
  certificate.validity.notBefore = new Date(now - BACKDATE_MS);
  certificate.validity.notAfter = new Date(now + CA_VALIDITY_MS);
  // A short id in the name tells one store's CA from another's in a trust store.
  const name = [
    { name: 'commonName', value: `dingread local CA ${randomBytes(4).toString('hex')}` },
    { name: 'organizationName', value: 'dingread' },
  ];
  certificate.setSubject(name);
  certificate.setIssuer(name);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { id: '2.5.29.30', critical: true, value: nameConstraints(forge, LOCAL_CA_PERMITTED_DOMAIN) },
  ]);
  certificate.sign(forge.pki.privateKeyFromPem(keys.privateKeyPem), forge.md.sha256.create());
  return { certificatePem: pem(forge, certificate), privateKeyPem: keys.privateKeyPem };
}

export interface ServerCertificate {
  /** The certificate, then the CA's: the chain a TLS server presents. */
  chainPem: string;
  privateKeyPem: string;
  /** Epoch ms (real time) after which the certificate is no longer valid. */
  notAfter: number;
}

/** A server certificate for `hostnames`, signed by the CA. */
export async function issueServerCertificate(ca: LocalCaRecord, hostnames: string[], now: number = Date.now()): Promise<ServerCertificate> {
  const forge = await loadForge();
  const keys = await rsaKeyPair();
  const issuer = forge.pki.certificateFromPem(ca.certificatePem);
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  certificate.serialNumber = serialNumber();
  certificate.validity.notBefore = new Date(now - BACKDATE_MS);
  certificate.validity.notAfter = new Date(Math.min(now + SERVER_VALIDITY_MS, issuer.validity.notAfter.getTime()));
  certificate.setSubject([{ name: 'commonName', value: hostnames[0] ?? LOCAL_CA_PERMITTED_DOMAIN }]);
  certificate.setIssuer(issuer.subject.attributes);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: hostnames.map((value) => ({ type: 2, value })) },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: issuer.generateSubjectKeyIdentifier().getBytes() },
  ]);
  certificate.sign(forge.pki.privateKeyFromPem(ca.privateKeyPem), forge.md.sha256.create());
  return {
    chainPem: `${pem(forge, certificate)}${ca.certificatePem}`,
    privateKeyPem: keys.privateKeyPem,
    notAfter: certificate.validity.notAfter.getTime(),
  };
}

/**
 * The CA and one server certificate for a fixed set of hostnames, each made once and reused:
 * the certificate is made again only when it is about to end. A failure (the store does not
 * answer) is not kept, so the next call tries again.
 */
export class ServerCertificates {
  private ca: Promise<LocalCaRecord> | undefined;
  private current: Promise<ServerCertificate> | undefined;

  constructor(
    private readonly store: Store,
    readonly hostnames: string[],
  ) {}

  /** The CA's certificate, as PEM. */
  async caCertificatePem(): Promise<string> {
    return (await this.authority()).certificatePem;
  }

  async serverCertificate(): Promise<ServerCertificate> {
    const now = Date.now();
    if (this.current) {
      const certificate = await this.current.catch(() => undefined);
      if (certificate && certificate.notAfter - now > RENEW_BEFORE_MS) return certificate;
    }
    const made = this.authority().then((ca) => issueServerCertificate(ca, this.hostnames, now));
    this.current = made;
    made.catch(() => {
      if (this.current === made) this.current = undefined;
    });
    return made;
  }

  private authority(): Promise<LocalCaRecord> {
    if (!this.ca) {
      const loading = localCa(this.store);
      this.ca = loading;
      loading.catch(() => {
        if (this.ca === loading) this.ca = undefined;
      });
    }
    return this.ca;
  }
}
