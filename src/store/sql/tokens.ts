/** The SQL rules of tokens and third-party suites: app and corp tokens, suite tokens, tickets and authorizations. */
import type { AuthorizationRecord, SuiteRecord, SuiteTokenRecord, TokenRecord } from '../../core/store.js';
import { toSuite, type SuiteRow } from './rows.js';
import { get, run, type Work } from './unit.js';

/** Where a token owner keeps its generation, and where its tokens go (fixed names, never input). */
const TOKEN_OWNERS = {
  app: { owners: 'apps', tokens: 'tokens', ownerColumn: 'app_id' },
  suite: { owners: 'suites', tokens: 'suite_tokens', ownerColumn: 'suite_id' },
} as const;

/** Moves the owner to the token's generation and keeps the token's hash (saving again renews it). */
function* saveToken(
  kind: keyof typeof TOKEN_OWNERS,
  ownerId: number,
  generation: number,
  tokenHash: string,
  expiresAt: number,
): Work<void> {
  const { owners, tokens, ownerColumn } = TOKEN_OWNERS[kind];
  yield* run(`UPDATE ${owners} SET token_generation = :generation, token_expires_at = :expiresAt WHERE id = :ownerId`, {
    ownerId,
    generation,
    expiresAt,
  });
  yield* run(
    `INSERT INTO ${tokens} (token_hash, ${ownerColumn}, expires_at) VALUES (:tokenHash, :ownerId, :expiresAt)
     ON CONFLICT (token_hash) DO UPDATE SET expires_at = excluded.expires_at`,
    { tokenHash, ownerId, expiresAt },
  );
}

export function* saveAppToken(appId: number, generation: number, tokenHash: string, expiresAt: number): Work<void> {
  yield* saveToken('app', appId, generation, tokenHash, expiresAt);
}

export function* findToken(tokenHash: string): Work<TokenRecord | undefined> {
  // A corp token takes its suite's key and scopes (changing the suite changes its tokens at once);
  // a revoked authorization's tokens are deleted, and the join refuses them besides.
  const row = yield* get<{
    app_id: number;
    app_key: string;
    org_id: number;
    corp_id: string;
    scopes: string;
    expires_at: number;
    suite_key: string | null;
    suite_scopes: string | null;
  }>(
    `SELECT t.app_id, t.expires_at, a.app_key, a.scopes, a.org_id, o.corp_id, s.suite_key, s.scopes AS suite_scopes
     FROM tokens t JOIN apps a ON a.id = t.app_id JOIN orgs o ON o.id = a.org_id
     LEFT JOIN suites s ON s.id = a.suite_id
     WHERE t.token_hash = :tokenHash AND a.revoked = 0`,
    { tokenHash },
  );
  return (
    row && {
      appId: row.app_id,
      appKey: row.suite_key ?? row.app_key,
      suiteKey: row.suite_key,
      orgId: row.org_id,
      corpId: row.corp_id,
      scopes: JSON.parse(row.suite_scopes ?? row.scopes) as string[],
      expiresAt: row.expires_at,
    }
  );
}

export function* findSuite(suiteKey: string): Work<SuiteRecord | undefined> {
  const row = yield* get<SuiteRow>(`SELECT * FROM suites WHERE suite_key = :suiteKey`, { suiteKey });
  return row && toSuite(row);
}

export function* setSuiteTicket(suiteKey: string, ticketHash: string): Work<boolean> {
  return (yield* run(`UPDATE suites SET ticket_hash = :ticketHash WHERE suite_key = :suiteKey`, { suiteKey, ticketHash })) > 0;
}

export function* findAuthorization(suiteKey: string, corpId: string): Work<AuthorizationRecord | undefined> {
  const row = yield* get<{
    app_id: number;
    app_key: string;
    org_id: number;
    suite_id: number;
    token_generation: number;
    token_expires_at: number;
  }>(
    `SELECT a.id AS app_id, a.app_key, a.org_id, a.suite_id, a.token_generation, a.token_expires_at
     FROM apps a JOIN suites s ON s.id = a.suite_id JOIN orgs o ON o.id = a.org_id
     WHERE s.suite_key = :suiteKey AND o.corp_id = :corpId AND a.revoked = 0`,
    { suiteKey, corpId },
  );
  return (
    row && {
      appId: row.app_id,
      appKey: row.app_key,
      orgId: row.org_id,
      corpId,
      suiteId: row.suite_id,
      suiteKey,
      tokenGeneration: row.token_generation,
      tokenExpiresAt: row.token_expires_at,
    }
  );
}

export function* revokeAuthorization(suiteKey: string, corpId: string): Work<boolean> {
  const authorization = yield* findAuthorization(suiteKey, corpId);
  if (!authorization) return false;
  // token_expires_at = 0: the next corp token after a new authorization is a new generation, so
  // no token issued before the revocation ever works again.
  yield* run(`UPDATE apps SET revoked = 1, token_expires_at = 0 WHERE id = :appId`, { appId: authorization.appId });
  yield* run(`DELETE FROM tokens WHERE app_id = :appId`, { appId: authorization.appId });
  return true;
}

export function* saveSuiteToken(suiteId: number, generation: number, tokenHash: string, expiresAt: number): Work<void> {
  yield* saveToken('suite', suiteId, generation, tokenHash, expiresAt);
}

export function* findSuiteToken(tokenHash: string): Work<SuiteTokenRecord | undefined> {
  const row = yield* get<{ suite_id: number; suite_key: string; expires_at: number }>(
    `SELECT t.suite_id, s.suite_key, t.expires_at FROM suite_tokens t JOIN suites s ON s.id = t.suite_id
     WHERE t.token_hash = :tokenHash`,
    { tokenHash },
  );
  return row && { suiteId: row.suite_id, suiteKey: row.suite_key, expiresAt: row.expires_at };
}
