/**
 * Hostile input, by property: every route of DingTalk's API and of the control plane answers
 * random and adversarial bodies, query strings and path segments with a 2xx (when the input happens
 * to be valid) or a 4xx in DingTalk's envelope, never a 5xx, never a crash. Plus: a rejected
 * request writes nothing, and the control plane's admin token guards every route but health.
 *
 * fast-check runs from the suite's seed (helpers/property.ts; override with DINGREAD_FC_SEED); a
 * failure prints the seed and the shrunk counterexample.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CARDS, seedCards } from '../helpers/cards.js';
import { fc } from '../helpers/property.js';
import { ACME, GLOBEX, SMALL_GROUP_MEMBERS, testDirectory } from '../helpers/fixtures.js';
import {
  assertEnvelope,
  assertPrototypeClean,
  assertSane,
  prototypeSnapshot,
  rawRequest,
  type RawResponse,
} from '../helpers/raw-http.js';
import { forEachStore, startTestServer, tokenFor, type TestServer } from '../helpers/server.js';

const RUNS = Number(process.env['DINGREAD_FC_RUNS'] ?? 200);
fc.configureGlobal({ ...fc.readConfigureGlobal(), numRuns: RUNS, endOnFailure: true });

// ---------------------------------------------------------------------------------------------
// Arbitraries. Bodies are built as JSON *text*, so that keys like __proto__ reach the wire as
// own keys, duplicate keys are possible, and numbers like 1e999 or 9007199254740993 survive.

type Text = fc.Arbitrary<string>;

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const anyUnit = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: loneSurrogate },
);
/** Any code points, control characters, emoji and lone surrogates included. */
const weirdString = fc.string({ unit: anyUnit, maxLength: 40 });

const SPECIAL_STRINGS = [
  '',
  ' ',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '\u0000',
  '\ud800',
  '\udc00x',
  'a\ud83d',
  '\u202eevil',
  '\ufeff',
  '💥',
  '%00',
  '%ZZ',
  '../../etc/passwd',
  "'; DROP TABLE messages;--",
  '" OR 1=1 --',
  'null',
  'NaN',
  '{}',
  '[]',
  '{"content":"hi"}',
  '{"content":""}',
  '{"__proto__":{"polluted":1}}',
  'sampleText',
  'sampleMarkdown',
  '$where',
];

/** Strings for bodies: weird, special, real ids (so validation gets past the first check), huge. */
function bodyStrings(real: readonly string[]): Text {
  return fc.oneof(
    { weight: 4, arbitrary: weirdString },
    { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
    { weight: 4, arbitrary: fc.constantFrom(...real) },
    { weight: 1, arbitrary: fc.integer({ min: 200, max: 300_000 }).map((n) => 'x'.repeat(n)) },
  );
}

/** Strings for bodies that should get past the schema: mostly real ids, never huge. */
function plausibleStrings(real: readonly string[]): Text {
  return fc.oneof(
    { weight: 1, arbitrary: weirdString },
    { weight: 1, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
    { weight: 6, arbitrary: fc.constantFrom(...real) },
  );
}

/** Strings for URLs: no bigger than a URL can be without Node answering 431 before any routing. */
function urlStrings(real: readonly string[]): Text {
  return fc.oneof(
    { weight: 4, arbitrary: weirdString },
    { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
    { weight: 4, arbitrary: fc.constantFrom(...real) },
    { weight: 1, arbitrary: fc.integer({ min: 200, max: 4000 }).map((n) => 'k'.repeat(n)) },
  );
}

/** encodeURIComponent, or a lone surrogate's invalid UTF-8 encoding where it refuses. */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

/** URL text that is not what encodeURIComponent makes: broken escapes, dot segments, raw latin-1. */
const urlGarbage: Text = fc.oneof(
  fc
    .array(
      fc.oneof(
        fc.constantFrom('%', '%Z', '%ZZ', '%ED%A0%80', '%C0%AF', '%FF', '%00', '%2F', '%2e%2e', '..', '.', '%25', '+', '=', ';', '@', ':', '$', '*', "'", '!', '~', '%u0041'),
        fc.stringMatching(/^[A-Za-z0-9_-]{0,6}$/),
      ),
      { maxLength: 6 },
    )
    .map((parts) => parts.join('')),
  // Raw bytes 0x21-0xff that an HTTP client may put in a path (no '/', '?', '#').
  fc.string({
    unit: fc
      .integer({ min: 0x21, max: 0xff })
      .filter((c) => c !== 0x2f && c !== 0x3f && c !== 0x23)
      .map((c) => String.fromCharCode(c)),
    maxLength: 20,
  }),
);

function pathSegment(real: readonly string[]): Text {
  return fc.oneof(
    { weight: 3, arbitrary: urlStrings(real).map(encode) },
    { weight: 2, arbitrary: urlGarbage },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 3000 }).map((n) => 'p'.repeat(n)) },
  );
}

/** A query string of repeated, missing, bracketed, broken and unknown parameters. */
function queryString(fields: readonly string[], real: readonly string[]): Text {
  const key = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...fields) },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'a[b]', `${fields[0] ?? 'x'}[]`, `${fields[0] ?? 'x'}[0]`, '', '%ZZ') },
    { weight: 1, arbitrary: weirdString.map(encode) },
  );
  const value = fc.oneof(
    { weight: 4, arbitrary: urlStrings(real).map(encode) },
    { weight: 1, arbitrary: urlGarbage },
  );
  const hostile = fc
    .array(fc.tuple(key, fc.option(value, { nil: undefined })), { maxLength: 6 })
    .map((pairs) => pairs.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join('&'));
  // Each field at most once, with a well-formed value: gets past the schema into the core.
  const plausible = fc
    .tuple(...fields.map((name) => fc.option(plausibleStrings(real).map(encode), { nil: undefined, freq: 6 }).map((v) => [name, v] as const)))
    .chain((pairs) => fc.shuffledSubarray(pairs.filter(([, v]) => v !== undefined), { minLength: pairs.filter(([, v]) => v !== undefined).length }))
    .map((pairs) => pairs.map(([k, v]) => `${k}=${String(v)}`).join('&'));
  return fc.oneof(hostile, plausible);
}

const str = (strings: Text): Text => strings.map((s) => JSON.stringify(s));
const arrayOf = (item: Text, maxLength = 6): Text =>
  fc.array(item, { maxLength }).map((items) => `[${items.join(',')}]`);

/** A JSON value of a type no field wants, or a hostile one: pollution objects, 1e999, deep arrays. */
function wrongValue(strings: Text): Text {
  return fc.oneof(
    { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.maxSafeInteger()).map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: arrayOf(str(strings), 25) },
    { weight: 1, arbitrary: str(strings) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '1e999',
        '-1e999',
        '-0',
        '9007199254740993',
        '0.5',
        '-1',
        '0',
        '201',
        '"7"',
        '{"__proto__":{"polluted":1}}',
        '{"constructor":{"prototype":{"polluted":1}}}',
        '[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]',
        '[null]',
        '{}',
        '[]',
        '""',
        '{"":""}',
      ),
    },
  );
}

/** A field that is usually of the right kind and sometimes (or never) of a hostile one. */
const field = (right: Text, strings: Text, wrongWeight: number): Text =>
  wrongWeight === 0 ? right : fc.oneof({ weight: 3, arbitrary: right }, { weight: wrongWeight, arbitrary: wrongValue(strings) });

const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'extra', ''];

/**
 * A JSON object with some of `shape`'s fields (each usually right, sometimes wrong) and sometimes
 * unknown or dangerous keys, in random order. With `wrongWeight` 0, every field has the right
 * type and there are no extra keys: such bodies get past the schema into the core's own checks.
 */
function objectText(shape: Record<string, Text>, strings: Text, wrongWeight = 1): Text {
  const names = Object.keys(shape);
  // Plausible objects usually carry every field (so the core gets past "x is missing").
  const known =
    names.length === 0
      ? fc.constant([] as Array<[string, string]>)
      : fc
          .tuple(
            ...names.map((name) =>
              fc.option(field(shape[name] as Text, strings, wrongWeight), { nil: undefined, freq: wrongWeight === 0 ? 8 : 2 }).map(
                (v): [string, string | undefined] => [name, v],
              ),
            ),
          )
          .map((entries) => entries.filter((entry): entry is [string, string] => entry[1] !== undefined));
  const extra = fc.array(
    fc.tuple(fc.oneof(fc.constantFrom(...EXTRA_KEYS), weirdString), wrongValue(strings)),
    { maxLength: 2 },
  );
  const extras = wrongWeight === 0 ? fc.constant([] as Array<[string, string]>) : fc.oneof({ weight: 4, arbitrary: fc.constant([] as Array<[string, string]>) }, { weight: 1, arbitrary: extra });
  return fc
    .tuple(known, extras)
    .chain(([a, b]) => fc.shuffledSubarray([...a, ...b], { minLength: a.length + b.length }))
    .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);
}

/**
 * Any body at all: any JSON, a non-object, an object shaped like the route's with hostile parts, or
 * one with only right-typed fields (`plausible`, built from a pool rich in real ids) that the
 * schema lets through to the core.
 */
function bodyText(shape: Record<string, Text>, strings: Text, plausible?: Record<string, Text>): Text {
  return fc.oneof(
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.constantFrom('null', '[]', '"body"', '0', 'true', '{}', '[{}]', '{"__proto__":{"polluted":true}}') },
    { weight: 4, arbitrary: objectText(shape, strings) },
    { weight: plausible ? 4 : 0, arbitrary: plausible ? objectText(plausible, strings, 0) : fc.constant('{}') },
  );
}

const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant<string | undefined>('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom<string | undefined>(
      'application/json; charset=utf-8',
      'Application/JSON',
      'application/json; charset=latin1',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      undefined,
    ),
  },
);

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

// ---------------------------------------------------------------------------------------------

interface World {
  server: TestServer;
  token: string;
  keys: { oto: string; group: string; privateChat: string };
}

async function post(world: World, path: string, body: unknown, token?: string): Promise<RawResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers['x-acs-dingtalk-access-token'] = token;
  return rawRequest(world.server.url, { method: 'POST', path, headers, body: JSON.stringify(body) });
}

async function okJson(response: RawResponse): Promise<any> {
  assert.equal(response.status, 200, response.text);
  return JSON.parse(response.text);
}

async function setUp(world: Partial<World>, server: TestServer): Promise<World> {
  world.server = server;
  world.token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
  const w = world as World;
  const msg = { msgKey: 'sampleText', msgParam: JSON.stringify({ content: 'hello' }) };
  const oto = await okJson(
    await post(w, '/v1.0/robot/oToMessages/batchSend', { robotCode: ACME.robot, userIds: ['u0001', 'u0002'], ...msg }, w.token),
  );
  const group = await okJson(
    await post(w, '/v1.0/robot/groupMessages/send', { robotCode: ACME.robot, openConversationId: ACME.smallGroup, ...msg }, w.token),
  );
  const privateChat = await okJson(
    await post(
      w,
      '/v1.0/robot/privateChatMessages/send',
      { robotCode: ACME.robot, openConversationId: ACME.pair, coolAppCode: ACME.coolAppCode, ...msg },
      w.token,
    ),
  );
  w.keys = { oto: oto.processQueryKey, group: group.processQueryKey, privateChat: privateChat.processQueryKey };
  return w;
}

/** The ids of the test directory and of the messages sent in setUp. */
function realIds(world: World): string[] {
  return [
    ACME.robot,
    ACME.stoppedRobot,
    ACME.ownedRobot,
    ACME.loneRobot,
    GLOBEX.robot,
    ACME.bigGroup,
    ACME.smallGroup,
    ACME.pair,
    GLOBEX.group,
    ACME.coolAppCode,
    ACME.corpId,
    GLOBEX.corpId,
    ACME.appKey,
    ...SMALL_GROUP_MEMBERS,
    'g001',
    world.keys.oto,
    world.keys.group,
    world.keys.privateChat,
    `${world.keys.group}x`,
  ];
}

async function assertAlive(world: World, snapshot: string[]): Promise<void> {
  const health = await rawRequest(world.server.url, { method: 'GET', path: '/_dingread/health' });
  assert.equal(health.status, 200, health.text);
  assert.equal(JSON.parse(health.text).status, 'ok');
  assertPrototypeClean(snapshot);
}

interface RouteSpec {
  path: string;
  shape: (strings: Text, world: World) => Record<string, Text>;
}

const robotCodeOf = (strings: Text): Text => str(strings);
const msgParam = (strings: Text): Text =>
  fc.oneof(
    str(strings),
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(JSON.stringify(v))),
    fc.constantFrom('{"content":"hi"}', '{"title":"t","text":"x"}', '{"content":"' + 'y'.repeat(16_000) + '"}').map((s) => JSON.stringify(s)),
  );
const msgKey = (strings: Text): Text =>
  fc.oneof(str(fc.constantFrom('sampleText', 'sampleMarkdown', 'sampleActionCard6', 'hasOwnProperty', '__proto__')), str(strings));
const stringList = (strings: Text): Text => arrayOf(str(strings), 25);
const pageSize: Text = fc.oneof(fc.integer({ min: -5, max: 300 }).map(String), fc.constantFrom('1e999', '0.5', '200', '201', '-0'));

const DINGTALK_BODY_ROUTES: RouteSpec[] = [
  {
    path: '/v1.0/robot/oToMessages/batchSend',
    shape: (s) => ({ robotCode: robotCodeOf(s), userIds: stringList(s), msgKey: msgKey(s), msgParam: msgParam(s) }),
  },
  { path: '/v1.0/robot/otoMessages/batchRecall', shape: (s) => ({ robotCode: robotCodeOf(s), processQueryKeys: stringList(s) }) },
  {
    path: '/v1.0/robot/groupMessages/send',
    shape: (s) => ({
      robotCode: robotCodeOf(s),
      openConversationId: str(s),
      coolAppCode: str(s),
      msgKey: msgKey(s),
      msgParam: msgParam(s),
      token: str(s),
    }),
  },
  {
    path: '/v1.0/robot/groupMessages/query',
    shape: (s) => ({
      openConversationId: str(s),
      robotCode: robotCodeOf(s),
      processQueryKey: str(s),
      maxResults: pageSize,
      nextToken: str(s),
      token: str(s),
    }),
  },
  {
    path: '/v1.0/robot/groupMessages/recall',
    shape: (s) => ({ robotCode: robotCodeOf(s), openConversationId: str(s), processQueryKeys: stringList(s) }),
  },
  {
    path: '/v1.0/robot/privateChatMessages/send',
    shape: (s) => ({
      robotCode: robotCodeOf(s),
      openConversationId: str(s),
      coolAppCode: str(s),
      msgKey: msgKey(s),
      msgParam: msgParam(s),
    }),
  },
  {
    path: '/v1.0/robot/privateChatMessages/query',
    shape: (s) => ({
      openConversationId: str(s),
      robotCode: robotCodeOf(s),
      processQueryKey: str(s),
      maxResults: pageSize,
      nextToken: str(s),
    }),
  },
  {
    path: '/v1.0/robot/privateChatMessages/batchRecall',
    shape: (s) => ({ robotCode: robotCodeOf(s), openConversationId: str(s), processQueryKeys: stringList(s) }),
  },
];

/** The card routes (docs/cards.md), with their methods: nested maps as JSON text, openSpaceIds well and badly formed. */
const paramMapOf = (strings: Text): Text =>
  fc.oneof(
    fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 20 }), fc.constant('v'.repeat(1100))), { maxKeys: 4 }).map((map) => JSON.stringify({ cardParamMap: map })),
    str(strings),
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
  );
const openSpaceIdOf = (strings: Text): Text =>
  fc.oneof(
    str(strings),
    str(
      fc.constantFrom(
        `dtv1.card//IM_GROUP.${ACME.smallGroup}`,
        'dtv1.card//im_robot.u0001',
        `dtv1.card//IM_SINGLE.${ACME.pair};ONE_BOX.x`,
        `dtv1.card//IM_GROUP.${GLOBEX.group};IM_ROBOT.nobody`,
        'dtv1.card//',
        'dtv1.card//IM_GROUP.',
        'dtv1.card//;;;',
      ),
    ),
  );
const deliverModelOf = (strings: Text): Text =>
  fc.oneof(fc.constant(JSON.stringify({ robotCode: ACME.robot })), fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)), str(strings));
const templateOf = (strings: Text): Text => fc.oneof(str(fc.constantFrom(CARDS.template, CARDS.publicTemplate)), str(strings));
const outTrackIdOf = (strings: Text): Text => fc.oneof(str(fc.constantFrom('hostile-1', 'hostile-2')), str(strings));

const CARD_ROUTES: Array<RouteSpec & { method: 'POST' | 'PUT' }> = [
  {
    method: 'POST',
    path: '/v1.0/card/instances/createAndDeliver',
    shape: (s) => ({
      outTrackId: outTrackIdOf(s),
      cardTemplateId: templateOf(s),
      cardData: paramMapOf(s),
      openSpaceId: openSpaceIdOf(s),
      imGroupOpenDeliverModel: deliverModelOf(s),
      imRobotOpenDeliverModel: deliverModelOf(s),
      privateData: fc.oneof(paramMapOf(s).map((map) => `{"u0001":${map}}`), str(s)),
      callbackType: fc.oneof(str(fc.constantFrom('STREAM', 'HTTP')), str(s)),
      userIdType: fc.oneof(fc.integer({ min: -1, max: 3 }).map(String), str(s)),
    }),
  },
  { method: 'POST', path: '/v1.0/card/instances', shape: (s) => ({ outTrackId: outTrackIdOf(s), cardTemplateId: templateOf(s), cardData: paramMapOf(s) }) },
  {
    method: 'POST',
    path: '/v1.0/card/instances/deliver',
    shape: (s) => ({ outTrackId: outTrackIdOf(s), openSpaceId: openSpaceIdOf(s), imGroupOpenDeliverModel: deliverModelOf(s), imRobotOpenDeliverModel: deliverModelOf(s) }),
  },
  {
    method: 'PUT',
    path: '/v1.0/card/instances',
    shape: (s) => ({
      outTrackId: outTrackIdOf(s),
      cardData: paramMapOf(s),
      privateData: fc.oneof(paramMapOf(s).map((map) => `{"u0002":${map}}`), str(s)),
      cardUpdateOptions: fc.oneof(fc.constant('{"updateCardDataByKey":true}'), str(s)),
    }),
  },
  {
    method: 'PUT',
    path: '/v1.0/card/streaming',
    shape: (s) => ({
      outTrackId: outTrackIdOf(s),
      guid: str(s),
      key: str(s),
      content: str(s),
      isFull: fc.oneof(fc.boolean().map(String), str(s)),
      isFinalize: fc.boolean().map(String),
    }),
  },
];

/** A random body for one of `routes`, with a random Content-Type. */
function bodyCase(routes: RouteSpec[], world: World) {
  const strings = bodyStrings(realIds(world));
  const plausible = plausibleStrings(realIds(world));
  return fc
    .constantFrom(...routes)
    .chain((route) =>
      fc.tuple(fc.constant(route.path), bodyText(route.shape(strings, world), strings, route.shape(plausible, world)), contentType),
    );
}

function sendBody(world: World, path: string, body: string, type: string | undefined, token?: string): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  if (type !== undefined) headers['content-type'] = type;
  if (token !== undefined) headers['x-acs-dingtalk-access-token'] = token;
  return rawRequest(world.server.url, { method: 'POST', path, headers, body });
}

forEachStore('hostile input, by property', (store) => {
  const world: Partial<World> = {};
  let w: World;
  let snapshot: string[];
  before(async () => {
    snapshot = prototypeSnapshot();
    w = await setUp(world, await startTestServer({ store }));
  });
  // world.server, not w: if setUp fails halfway, the server it started must still be closed.
  after(() => world.server?.close());

  it('DingTalk POST routes answer any body with a 2xx or a 4xx envelope', async () => {
    await fc.assert(
      fc.asyncProperty(bodyCase(DINGTALK_BODY_ROUTES, w), async ([path, body, type]) => {
        assertSane(await sendBody(w, path, body, type, w.token));
      }),
      // Eight routes share this property: twice the runs, so each gets a fair share.
      { numRuns: RUNS * 2 },
    );
    await assertAlive(w, snapshot);
  });

  it('the card routes answer any body with a 2xx or a 4xx envelope', async () => {
    await seedCards(w.server);
    const token = await tokenFor(w.server.url, CARDS.appKey, CARDS.appSecret);
    const cases = fc
      .constantFrom(...CARD_ROUTES)
      .chain((route) =>
        fc.tuple(
          fc.constant(route),
          bodyText(route.shape(bodyStrings(realIds(w)), w), bodyStrings(realIds(w)), route.shape(plausibleStrings(realIds(w)), w)),
          contentType,
        ),
      );
    await fc.assert(
      fc.asyncProperty(cases, async ([route, body, type]) => {
        const headers: Record<string, string> = { 'x-acs-dingtalk-access-token': token };
        if (type !== undefined) headers['content-type'] = type;
        assertSane(await rawRequest(w.server.url, { method: route.method, path: route.path, headers, body }));
      }),
    );
    await assertAlive(w, snapshot);
  });

  it('the access-token route answers any body with a 2xx or a 4xx envelope', async () => {
    const credentials = [ACME.appKey, ACME.appSecret, GLOBEX.appKey, GLOBEX.appSecret, ACME.noScopeAppKey, ACME.noScopeAppSecret];
    const strings = bodyStrings(credentials);
    const plausible = plausibleStrings(credentials);
    const body = bodyText(
      { appKey: str(strings), appSecret: str(strings) },
      strings,
      { appKey: str(plausible), appSecret: str(plausible) },
    );
    await fc.assert(
      fc.asyncProperty(body, contentType, async (text, type) => {
        assertSane(await sendBody(w, '/v1.0/oauth2/accessToken', text, type));
      }),
    );
    await assertAlive(w, snapshot);
  });

  it('readStatus answers any query string with a 2xx or a 4xx envelope', async () => {
    await fc.assert(
      fc.asyncProperty(queryString(['robotCode', 'processQueryKey'], realIds(w)), async (query) => {
        const response = await rawRequest(w.server.url, {
          method: 'GET',
          path: `/v1.0/robot/oToMessages/readStatus?${query}`,
          headers: { 'x-acs-dingtalk-access-token': w.token },
        });
        assertSane(response);
      }),
    );
    await assertAlive(w, snapshot);
  });

  it('unknown paths and methods under /v1.0 answer a 4xx envelope', async () => {
    const segment = pathSegment(realIds(w));
    const path = fc.oneof(
      segment.map((s) => `/v1.0/robot/${s}`),
      fc.tuple(fc.constantFrom('oToMessages', 'otoMessages', 'groupMessages', 'privateChatMessages'), segment).map(([a, s]) => `/v1.0/robot/${a}/${s}`),
      segment.map((s) => `/v1.0/oauth2/${s}`),
      fc.tuple(segment, segment).map(([a, b]) => `/${a}/${b}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), path, async (method, target) => {
        const response = await rawRequest(w.server.url, {
          method,
          path: target,
          headers: { 'x-acs-dingtalk-access-token': w.token },
        });
        assertSane(response);
      }),
    );
    await assertAlive(w, snapshot);
  });

  it('random access-token headers answer a 4xx envelope', async () => {
    const tokenValue = fc.oneof(
      fc.string({ unit: 'grapheme-ascii', maxLength: 80 }),
      fc.constantFrom('', ' ', `${w.token} `, `${w.token}x`, w.token.toUpperCase(), 'null', 'Bearer x'),
      fc.integer({ min: 100, max: 8000 }).map((n) => 't'.repeat(n)),
    );
    await fc.assert(
      fc.asyncProperty(tokenValue, async (token) => {
        const response = await rawRequest(w.server.url, {
          method: 'POST',
          path: '/v1.0/robot/groupMessages/query',
          headers: { 'content-type': 'application/json', 'x-acs-dingtalk-access-token': token },
          body: '{}',
        });
        if (token === w.token) return;
        assertEnvelope(response, { status: 400 });
      }),
    );
    await assertAlive(w, snapshot);
  });

  // --- control plane ----------------------------------------------------------------------------

  it('control-plane POST routes answer any body with a 2xx or a 4xx envelope', async () => {
    const strings = bodyStrings(realIds(w));
    const plausible = plausibleStrings([...realIds(w), 'dingfuzzcorp', 'dingfuzzapp', 'cidFuzz==']);
    /** The routes' body shapes; with `wrong` 0 every part is well-typed (the plausible variant). */
    const shapes = (pool: Text, wrong: number) => {
      const id = str(pool);
      const epoch: Text = wrong
        ? fc.oneof(fc.integer({ min: 0, max: 8.64e15 }).map(String), fc.constantFrom('-1', '8640000000000001', '1.5', '"123"', '1e999', '0'))
        : fc.integer({ min: 0, max: 8.64e15 }).map(String);
      const user = objectText({ userId: id, name: id }, strings, wrong);
      const app = objectText({ appKey: id, appSecret: id, scopes: arrayOf(id) }, strings, wrong);
      const robot = objectText(
        {
          robotCode: id,
          name: id,
          status: str(fc.constantFrom('active', 'stopped', 'paused')),
          templateStatus: str(fc.constantFrom('active', 'stopped', 'missing', 'gone')),
          appKey: id,
        },
        strings,
        wrong,
      );
      const conversation = objectText(
        {
          openConversationId: id,
          type: str(fc.constantFrom('group', 'private', 'channel')),
          title: id,
          members: arrayOf(id),
          robots: arrayOf(id),
          coolAppCode: id,
        },
        strings,
        wrong,
      );
      const org = objectText(
        { corpId: id, name: id, apps: arrayOf(app, 3), users: arrayOf(user, 4), robots: arrayOf(robot, 3), conversations: arrayOf(conversation, 3) },
        strings,
        wrong,
      );
      return {
        fixtures: { orgs: arrayOf(org, 3) },
        reads: { reads: arrayOf(objectText({ processQueryKey: id, userId: id, readAt: epoch }, strings, wrong), 20) },
        open: { userId: id, readAt: epoch },
        robotChat: { readAt: epoch },
        clock: {
          advanceMs: wrong
            ? fc.oneof(fc.integer().map(String), fc.constantFrom('8640000000000000', '-8640000000000001', '1e999', '0.5'))
            : fc.integer().map(String),
          nowMs: epoch,
          mode: str(fc.constantFrom('system', 'manual', 'SYSTEM')),
        },
      };
    };
    const h = shapes(strings, 1);
    const p = shapes(plausible, 0);
    const routes: Array<[string, Text]> = [
      ['/_dingread/v1/fixtures', bodyText(h.fixtures, strings, p.fixtures)],
      ['/_dingread/v1/reads', bodyText(h.reads, strings, p.reads)],
      [`/_dingread/v1/conversations/${encodeURIComponent(ACME.smallGroup)}/read`, bodyText(h.open, strings, p.open)],
      [`/_dingread/v1/conversations/${encodeURIComponent(ACME.pair)}/read`, bodyText(h.open, strings, p.open)],
      [`/_dingread/v1/robots/${ACME.robot}/chats/u0001/read`, bodyText(h.robotChat, strings, p.robotChat)],
      ['/_dingread/v1/clock', bodyText(h.clock, strings, p.clock)],
    ];
    const cases = fc
      .constantFrom(...routes)
      .chain(([path, body]) => fc.tuple(fc.constant(path), body, contentType));
    await fc.assert(
      fc.asyncProperty(cases, async ([path, body, type]) => {
        const response = await sendBody(w, path, body, type);
        assertSane(response);
        // Put the clock back, so that tokens and messages stay where the other properties expect them.
        if (path.endsWith('/clock') && response.status === 200) await w.server.admin('POST', '/clock', { mode: 'system' });
      }),
    );
    await assertAlive(w, snapshot);
  });

  it('control-plane path parameters answer any segment with a 2xx or a 4xx envelope', async () => {
    const segment = pathSegment(realIds(w));
    const cases = fc.oneof(
      segment.map((s) => ({ method: 'GET', path: `/_dingread/v1/messages/${s}`, body: undefined })),
      fc.tuple(segment, fc.constantFrom('u0001', 'u9999', '')).map(([s, userId]) => ({
        method: 'POST',
        path: `/_dingread/v1/conversations/${s}/read`,
        body: JSON.stringify({ userId }),
      })),
      fc.tuple(segment, segment).map(([a, b]) => ({ method: 'POST', path: `/_dingread/v1/robots/${a}/chats/${b}/read`, body: '{}' })),
      fc.tuple(fc.constantFrom(...METHODS), segment).map(([method, s]) => ({ method, path: `/_dingread/v1/${s}`, body: undefined })),
      fc.tuple(fc.constantFrom(...METHODS), segment).map(([method, s]) => ({ method, path: `/_dingread/${s}`, body: undefined })),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ({ method, path, body }) => {
        const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
        assertSane(await rawRequest(w.server.url, { method, path, headers, ...(body === undefined ? {} : { body }) }));
      }),
    );
    await assertAlive(w, snapshot);
  });

  it('the message listing answers any query string with a 2xx or a 4xx envelope', async () => {
    const fields = ['corpId', 'openConversationId', 'robotCode', 'limit', 'cursor'];
    const listed = await rawRequest(w.server.url, { method: 'GET', path: '/_dingread/v1/messages?limit=1' });
    const cursor = String(JSON.parse(listed.text).nextCursor);
    const real = [...realIds(w), cursor, '1', '500', '501', '0', '0001', '9999', Buffer.from('m:-1').toString('base64url')];
    await fc.assert(
      fc.asyncProperty(queryString(fields, real), async (query) => {
        assertSane(await rawRequest(w.server.url, { method: 'GET', path: `/_dingread/v1/messages?${query}` }));
      }),
    );
    await assertAlive(w, snapshot);
  });

  it('reset answers any body with a 2xx or a 4xx envelope (runs last: it empties the server)', async () => {
    const strings = bodyStrings(realIds(w));
    await fc.assert(
      fc.asyncProperty(bodyText({ orgs: str(strings) }, strings), contentType, async (body, type) => {
        assertSane(await sendBody(w, '/_dingread/v1/reset', body, type));
      }),
      { numRuns: Math.max(10, Math.floor(RUNS / 5)) },
    );
    await w.server.admin('POST', '/fixtures', testDirectory());
    await assertAlive(w, snapshot);
  });
});

// ---------------------------------------------------------------------------------------------

forEachStore('a rejected request writes nothing', (store) => {
  const world: Partial<World> = {};
  let w: World;
  before(async () => {
    w = await setUp(world, await startTestServer({ store }));
  });
  // world.server, not w: if setUp fails halfway, the server it started must still be closed.
  after(() => world.server?.close());

  const fixtures = () => rawRequest(w.server.url, { method: 'GET', path: '/_dingread/v1/fixtures' }).then(okJson);

  /** Orgs that would each apply cleanly: a new org, and changes to Acme. */
  const goodOrgs = () => [
    {
      corpId: 'dingnewcorp',
      name: 'New',
      apps: [{ appKey: 'dingnewapp', appSecret: 'new-secret' }],
      users: [{ userId: 'n1' }, { userId: 'n2' }],
      robots: [{ robotCode: 'dingnewbot' }],
      conversations: [{ openConversationId: 'cidNew==', type: 'group', members: ['n1', 'n2'], robots: ['dingnewbot'] }],
    },
    {
      corpId: ACME.corpId,
      name: 'Acme renamed',
      users: [{ userId: 'u0001', name: 'Renamed' }, { userId: 'u9999' }],
      robots: [{ robotCode: ACME.robot, status: 'stopped' }],
      conversations: [{ openConversationId: ACME.smallGroup, type: 'group', members: ['u0001'] }],
    },
  ];

  const badLastOrgs: Array<[string, unknown]> = [
    ['a type error', { corpId: 'dingbad', users: [{ userId: 7 }] }],
    ['an unknown field', { corpId: 'dingbad', colour: 'red' }],
    ['a member who is no user', { corpId: 'dingbad', users: [{ userId: 'b1' }], conversations: [{ openConversationId: 'cidBad==', type: 'group', members: ['b1', 'nobody'] }] }],
    ['an appKey of another org', { corpId: 'dingbad', apps: [{ appKey: GLOBEX.appKey, appSecret: 's' }] }],
    ['a corpId that appears twice', { corpId: 'dingnewcorp' }],
    ['a private chat with three members', { corpId: 'dingbad', users: [{ userId: 'a' }, { userId: 'b' }, { userId: 'c' }], conversations: [{ openConversationId: 'cidP==', type: 'private', members: ['a', 'b', 'c'], coolAppCode: 'C' }] }],
    ['a __proto__ key', JSON.parse('{"corpId":"dingbad","__proto__":{"polluted":1}}')],
  ];

  for (const [what, badOrg] of badLastOrgs) {
    it(`a fixture document whose last org has ${what} changes nothing`, async () => {
      const before = await fixtures();
      const document = { orgs: [...goodOrgs(), badOrg] };
      const response = await rawRequest(w.server.url, {
        method: 'POST',
        path: '/_dingread/v1/fixtures',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(document),
      });
      const envelope = assertEnvelope(response, { status: 400, code: 'invalidParameter.param.invalid' });
      // A __proto__ key is refused by the JSON parser itself, before any path is known.
      if (!what.includes('__proto__')) assert.match(envelope.message, /orgs\[2\]/, 'the message names the bad org');
      assert.deepEqual(await fixtures(), before);
      // The credentials of the untouched apps still work, and the would-be new app does not exist.
      await tokenFor(w.server.url, ACME.appKey, ACME.appSecret);
      const stranger = await post(w, '/v1.0/oauth2/accessToken', { appKey: 'dingnewapp', appSecret: 'new-secret' });
      assertEnvelope(stranger, { code: 'invalidClientIdOrSecret' });
    });
  }

  const readCount = async (key: string): Promise<number> =>
    (await okJson(await rawRequest(w.server.url, { method: 'GET', path: `/_dingread/v1/messages/${encodeURIComponent(key)}` })))
      .readCount;

  const badLastReads: Array<[string, unknown]> = [
    ['a number as userId', { processQueryKey: 'k', userId: 7 }],
    ['a string readAt', { processQueryKey: 'k', userId: 'u0001', readAt: '1732000000000' }],
    ['a negative readAt', { processQueryKey: 'k', userId: 'u0001', readAt: -1 }],
    ['an unknown field', { processQueryKey: 'k', userId: 'u0001', extra: true }],
    ['an empty userId', { processQueryKey: 'k', userId: '' }],
    ['null', null],
  ];

  for (const [what, badRead] of badLastReads) {
    it(`a batch of reads whose last item has ${what} records none of the others`, async () => {
      const reads = [
        { processQueryKey: w.keys.oto, userId: 'u0001' },
        { processQueryKey: w.keys.oto, userId: 'u0002' },
        { processQueryKey: w.keys.group, userId: SMALL_GROUP_MEMBERS[1] },
        badRead,
      ];
      const response = await post(w, '/_dingread/v1/reads', { reads });
      assertEnvelope(response, { status: 400, code: 'invalidParameter.param.invalid' });
      assert.equal(await readCount(w.keys.oto), 0);
      assert.equal(await readCount(w.keys.group), 0);
    });
  }

  it('a recall whose last key is not a string recalls none of the others', async () => {
    const response = await post(
      w,
      '/v1.0/robot/otoMessages/batchRecall',
      { robotCode: ACME.robot, processQueryKeys: [w.keys.oto, 5] },
      w.token,
    );
    assertEnvelope(response, { status: 400, code: 'invalidParameter.param.invalid' });
    const message = await okJson(
      await rawRequest(w.server.url, { method: 'GET', path: `/_dingread/v1/messages/${encodeURIComponent(w.keys.oto)}` }),
    );
    assert.equal(message.recalledAt, undefined);
  });

  it('rejected sends create no message', async () => {
    const list = async (): Promise<unknown[]> =>
      (await okJson(await rawRequest(w.server.url, { method: 'GET', path: '/_dingread/v1/messages?limit=500' }))).items;
    const before = await list();
    const msg = { msgKey: 'sampleText', msgParam: JSON.stringify({ content: 'hi' }) };
    const attempts: Array<[string, unknown]> = [
      ['/v1.0/robot/oToMessages/batchSend', { robotCode: ACME.robot, userIds: ['u0001', 7], ...msg }],
      ['/v1.0/robot/oToMessages/batchSend', { robotCode: ACME.robot, userIds: ['u0001'], msgKey: 'sampleText', msgParam: '{"content":' }],
      // null means absent (leniency.ts): no robotCode. An unknown field is refused only under --strict (leniency.test.ts).
      ['/v1.0/robot/oToMessages/batchSend', { robotCode: null, userIds: ['u0001'], ...msg, extra: 1 }],
      ['/v1.0/robot/groupMessages/send', { robotCode: ACME.robot, openConversationId: ACME.smallGroup, msgKey: 'sampleText', msgParam: { content: 'hi' } }],
      ['/v1.0/robot/groupMessages/send', { robotCode: ACME.robot, openConversationId: GLOBEX.group, ...msg }],
      ['/v1.0/robot/privateChatMessages/send', { robotCode: ACME.robot, openConversationId: ACME.pair, coolAppCode: 'wrong', ...msg }],
    ];
    for (const [path, body] of attempts) assertEnvelope(await post(w, path, body, w.token), { status: 400 });
    assert.deepEqual(await list(), before);
  });
});

// ---------------------------------------------------------------------------------------------

describe('the admin token guards the control plane', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ adminToken: 'x' });
  });
  after(() => server.close());

  const routes: Array<[string, string, string | undefined]> = [
    ['POST', '/_dingread/v1/fixtures', JSON.stringify(testDirectory())],
    ['GET', '/_dingread/v1/fixtures', undefined],
    ['POST', '/_dingread/v1/reads', '{"reads":[]}'],
    ['POST', `/_dingread/v1/conversations/${encodeURIComponent(ACME.smallGroup)}/read`, '{"userId":"u0001"}'],
    ['POST', `/_dingread/v1/robots/${ACME.robot}/chats/u0001/read`, '{}'],
    ['GET', '/_dingread/v1/messages/abc', undefined],
    ['GET', '/_dingread/v1/messages?limit=5', undefined],
    ['GET', '/_dingread/v1/clock', undefined],
    ['POST', '/_dingread/v1/clock', '{"advanceMs":1000}'],
    ['POST', '/_dingread/v1/reset', '{}'],
    // A body that would not parse is never read: the token is checked first.
    ['POST', '/_dingread/v1/reads', '{bad'],
  ];

  const attempts: Array<[string, Record<string, string>, string]> = [
    ['no Authorization header', {}, 'adminToken.missing'],
    ['the wrong token', { authorization: 'Bearer y' }, 'adminToken.invalid'],
    ['the token with a suffix', { authorization: 'Bearer xx' }, 'adminToken.invalid'],
    ['an empty bearer', { authorization: 'Bearer ' }, 'adminToken.invalid'],
    ['another scheme', { authorization: 'Basic eDp4' }, 'adminToken.invalid'],
    ['the bare token', { authorization: 'x' }, 'adminToken.invalid'],
  ];

  for (const [what, headers, code] of attempts) {
    it(`${what} answers 401 ${code} on every route`, async () => {
      for (const [method, path, body] of routes) {
        const response = await rawRequest(server.url, {
          method,
          path,
          headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body }),
        });
        assertEnvelope(response, { status: 401, code });
      }
      // Nothing happened: the directory is still there.
      const exported = await server.admin<{ orgs: unknown[] }>('GET', '/fixtures');
      assert.equal(exported.orgs.length, 2);
    });
  }

  it('a huge body without the token is refused before it is read', async () => {
    const response = await rawRequest(server.url, {
      method: 'POST',
      path: '/_dingread/v1/fixtures',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(20 * 1024 * 1024, 'a'),
    });
    assertEnvelope(response, { status: 401, code: 'adminToken.missing' });
  });

  it('health stays open, and the right token (any case of "Bearer") gets through', async () => {
    const health = await rawRequest(server.url, { method: 'GET', path: '/_dingread/health' });
    assert.equal(health.status, 200);
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const clock = await rawRequest(server.url, { method: 'GET', path: '/_dingread/v1/clock', headers: { authorization: `${scheme} x` } });
      assert.equal(clock.status, 200, clock.text);
    }
  });
});
