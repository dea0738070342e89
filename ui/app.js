// dingread dashboard: a page over the control plane (/_dingread/v1) and the DingTalk API (/v1.0).
// No framework, nothing fetched from elsewhere. Everything shown goes through textContent, never
// innerHTML: message contents come from bots and are untrusted.

import { chatView } from './chat.js';

const TOKEN_KEY = 'dingread.adminToken';
const APP_KEY = 'dingread.app';
const ADMIN_COOKIE = 'dingread_admin';
const EVENTS_PATH = '/_dingread/v1/events';
const DEMO = { corpId: 'dingdemocorp', appKey: 'dingdemoapp', appSecret: 'demo-secret' };

const main = document.getElementById('main');
const crumbs = document.getElementById('crumbs');
const live = document.getElementById('live');
const clockEl = document.getElementById('clock');
const toastEl = document.getElementById('toast');

// ------------------------------------------------------------------ helpers

/** h('a', {href: '#/'}, 'text', child…): a DOM element; strings become text nodes. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== undefined && child !== null && child !== false) el.append(child);
  return el;
}

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  for (const child of children) el.append(child);
  return el;
}

const enc = encodeURIComponent;
const pad = (n) => String(n).padStart(2, '0');
function formatTime(ms) {
  if (ms === null || ms === undefined) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
function shortTime(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function toast(text) {
  toastEl.textContent = text;
  toastEl.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => toastEl.classList.remove('show'), 3000);
}

/** What a message says, in one line, from its msgParam JSON. */
function preview(message) {
  try {
    const p = JSON.parse(message.msgParam);
    return p.content ?? p.title ?? p.text ?? p.fileName ?? message.msgKey;
  } catch {
    return message.msgKey;
  }
}

const KIND_LABEL = { oto: 'one-on-one', group: 'group', privateChat: 'person-to-person' };

class HttpError extends Error {
  constructor(status, code, message) {
    super(`${code}: ${message}`);
    this.status = status;
    this.code = code;
  }
}

async function http(method, path, body, headers = {}) {
  const init = { method, headers: { accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { code: `HTTP${response.status}`, message: text.slice(0, 200) };
  }
  if (!response.ok) throw new HttpError(response.status, parsed.code ?? `HTTP${response.status}`, parsed.message ?? '');
  return parsed;
}

/** A control-plane call, with the admin token when the page has one. */
function admin(method, path, body) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return http(method, `/_dingread/v1${path}`, body, token ? { authorization: `Bearer ${token}` } : {});
}

// ------------------------------------------------------------------ live events and the clock

let source;
let clockState;
let currentView;

function setClock(state) {
  clockState = { ...state, at: Date.now() };
  paintClock();
}
function serverNow() {
  if (!clockState) return Date.now();
  return clockState.mode === 'manual' ? clockState.nowMs : clockState.nowMs + (Date.now() - clockState.at);
}
function paintClock() {
  if (!clockState) return;
  clockEl.textContent = `${formatTime(serverNow())}${clockState.mode === 'manual' ? ' (manual clock)' : ''}`;
}
setInterval(paintClock, 1000);

function setLive(on, text) {
  live.classList.toggle('on', on);
  live.textContent = text;
}

function connect() {
  source?.close();
  const token = sessionStorage.getItem(TOKEN_KEY);
  // EventSource sends no headers: the token goes in a cookie only the event stream receives.
  document.cookie = token
    ? `${ADMIN_COOKIE}=${enc(token)}; path=${EVENTS_PATH}; SameSite=Strict`
    : `${ADMIN_COOKIE}=; path=${EVENTS_PATH}; max-age=0; SameSite=Strict`;
  source = new EventSource(EVENTS_PATH);
  source.addEventListener('ready', (event) => {
    setClock(JSON.parse(event.data).clock);
    setLive(true, 'live');
    // Anything may have happened while disconnected.
    currentView?.refresh();
  });
  source.addEventListener('error', () => setLive(false, 'reconnecting…'));
  for (const type of ['sent', 'read', 'recalled', 'opened', 'changed', 'clock']) {
    source.addEventListener(type, (event) => {
      const data = JSON.parse(event.data);
      if (type === 'clock') setClock(data);
      currentView?.onEvent?.(data);
      scheduleRefresh();
    });
  }
}

let refreshTimer;
function scheduleRefresh() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = undefined;
    currentView?.refresh();
  }, 200);
}

// ------------------------------------------------------------------ router

function setCrumbs(items) {
  crumbs.replaceChildren(
    ...items.map(([label, href], i) =>
      h('li', {}, i === items.length - 1 ? h('span', { 'aria-current': 'page' }, label) : h('a', { href }, label)),
    ),
  );
  document.title = `${items.at(-1)?.[0] ?? 'dingread'} · dingread`;
}

const routes = [
  [/^#?\/?$/, () => homeView()],
  [/^#\/orgs\/([^/]+)$/, (corpId) => orgView(corpId)],
  [/^#\/orgs\/([^/]+)\/directory$/, (corpId) => directoryView(corpId)],
  [/^#\/orgs\/([^/]+)\/(conversations|robots)\/([^/]+)$/, (corpId, what, id) => streamView(corpId, what, id)],
  [/^#\/messages\/([^/]+)$/, (key) => messageView(key)],
  [/^#\/orgs\/([^/]+)\/chat\/(conversations|robots)\/([^/]+)$/, (corpId, what, id) => chatView(CHAT_UI, corpId, what, id)],
];

/** What the chat view (chat.js) uses of this page. */
const CHAT_UI = { h, admin, view, card, setCrumbs, formatTime, enc, directory, findOrg, toast, main };

let navigated = false;
async function route() {
  const hash = location.hash || '#/';
  for (const [pattern, view] of routes) {
    const match = pattern.exec(hash);
    if (!match) continue;
    currentView = view(...match.slice(1).map(decodeURIComponent));
    try {
      await currentView.refresh();
    } catch (error) {
      showError(error);
    }
    // After a navigation, focus moves to the new content (as a page load would put it at the top).
    if (navigated) main.focus({ preventScroll: true });
    navigated = true;
    return;
  }
  main.replaceChildren(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the organizations')));
}

function showError(error) {
  if (error instanceof HttpError && (error.status === 401 || error.status === 403)) return loginView(error);
  main.replaceChildren(h('h1', {}, 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, String(error.message ?? error)));
}

/** A view: `refresh()` fetches and repaints its data parts, leaving its forms alone. */
function view(build) {
  let built;
  const v = {
    async refresh() {
      try {
        if (!built) built = await build();
        await built.refresh();
      } catch (error) {
        if (currentView === v) showError(error);
      }
    },
    onEvent: (event) => built?.onEvent?.(event),
  };
  return v;
}

// ------------------------------------------------------------------ login

function loginView(error) {
  setCrumbs([['Sign in', '#/']]);
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'current-password', required: true });
  const form = h(
    'form',
    {
      class: 'stack card',
      onsubmit: (event) => {
        event.preventDefault();
        sessionStorage.setItem(TOKEN_KEY, input.value);
        connect();
        route();
      },
    },
    h('label', { for: 'token' }, 'Admin token', input),
    h('p', { class: 'muted' }, 'The token the server was started with (--admin-token). It is kept in this tab only.'),
    h('div', {}, h('button', { type: 'submit' }, 'Sign in')),
  );
  const reason = error.status === 403
    ? 'This server answers its control plane on loopback addresses only. Open the dashboard from the machine it runs on.'
    : sessionStorage.getItem(TOKEN_KEY) ? 'That admin token was not accepted.' : 'This server needs its admin token.';
  main.replaceChildren(h('h1', {}, 'Sign in'), h('p', { role: 'alert' }, reason), error.status === 403 ? null : form);
  if (error.status !== 403) input.focus();
}

// ------------------------------------------------------------------ shared parts

async function directory() {
  return admin('GET', '/fixtures');
}
function findOrg(doc, corpId) {
  const org = doc.orgs.find((o) => o.corpId === corpId);
  if (!org) throw new Error(`No organization ${corpId}`);
  return org;
}

function progressOf(message) {
  const label = `${message.readCount} / ${message.recipientCount} read`;
  return h(
    'div',
    { class: 'progress-line' },
    h('progress', { max: Math.max(message.recipientCount, 1), value: message.readCount, 'aria-label': label }),
    h('span', { class: 'count' }, label),
  );
}
function statusBadge(status) {
  return h('span', { class: `badge ${status}` }, status);
}

/** A list of messages, newest first, with "Load more". */
function messageList(query, empty) {
  const list = h('ul', { class: 'messages', 'aria-label': 'Messages, newest first' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  let shown = 50;
  more.addEventListener('click', () => {
    shown += 50;
    refresh();
  });
  const container = h('div', {}, list, more);
  let known;
  async function refresh() {
    const items = [];
    let cursor;
    do {
      const page = await admin('GET', `/messages?${new URLSearchParams({ ...query, limit: String(Math.min(shown - items.length, 500)), ...(cursor ? { cursor } : {}) })}`);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && items.length < shown);
    more.hidden = !cursor;
    const before = known;
    known = new Map(items.map((m) => [m.processQueryKey, `${m.readCount}/${m.sendStatus}`]));
    if (items.length === 0) return list.replaceChildren(h('li', { class: 'muted' }, empty));
    list.replaceChildren(
      ...items.map((m) => {
        const changed = before && before.get(m.processQueryKey) !== `${m.readCount}/${m.sendStatus}`;
        return h(
          'li',
          { class: `message${changed ? ' fresh' : ''}`, 'data-key': m.processQueryKey },
          h('a', { class: 'text', href: `#/messages/${enc(m.processQueryKey)}` }, preview(m)),
          h('span', {}, statusBadge(m.sendStatus)),
          progressOf(m),
          h(
            'span',
            { class: 'meta' },
            h('span', { class: 'badge kind' }, KIND_LABEL[m.kind] ?? m.kind),
            ` ${formatTime(m.sentAt)} · robot ${m.robotCode}`,
            m.openConversationId ? ` · ${m.openConversationId}` : '',
          ),
        );
      }),
    );
  }
  return { element: container, refresh };
}

function card(title, ...children) {
  const id = `h-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

/** Buttons that move the server clock through the control plane. */
function clockCard() {
  const state = h('p', { class: 'mono' });
  const move = (body, label) => async () => {
    try {
      setClock(await admin('POST', '/clock', body));
      toast(label);
      paint();
    } catch (error) {
      toast(error.message);
    }
  };
  function paint() {
    if (clockState) state.textContent = `${formatTime(serverNow())} (${clockState.mode})`;
  }
  const element = card(
    'Server clock',
    state,
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'button', class: 'secondary', onclick: move({ advanceMs: 60_000 }, 'Clock moved 1 minute on') }, '+1 minute'),
      h('button', { type: 'button', class: 'secondary', onclick: move({ advanceMs: 3_600_000 }, 'Clock moved 1 hour on') }, '+1 hour'),
      h('button', { type: 'button', class: 'secondary', onclick: move({ advanceMs: 25 * 3_600_000 }, 'Clock moved 25 hours on') }, '+25 hours'),
      h('button', { type: 'button', class: 'secondary', onclick: move({ mode: 'system' }, 'Clock follows system time') }, 'System time'),
    ),
    h('p', { class: 'muted' }, 'Moving the clock stops it; queries answer processQueryKey.expireTime 24 hours after a send.'),
  );
  return {
    element,
    async refresh() {
      setClock(await admin('GET', '/clock'));
      paint();
    },
  };
}

// ------------------------------------------------------------------ views

function homeView() {
  return view(async () => {
    setCrumbs([['Organizations', '#/']]);
    const list = h('ul', { class: 'plain' });
    const clock = clockCard();
    main.replaceChildren(h('h1', {}, 'Organizations'), card('Organizations', list), clock.element);
    return {
      async refresh() {
        const doc = await directory();
        await clock.refresh();
        if (doc.orgs.length === 0) {
          list.replaceChildren(h('li', { class: 'muted' }, 'No organizations yet: load a fixture (POST /_dingread/v1/fixtures) or start with --demo.'));
          return;
        }
        list.replaceChildren(
          ...doc.orgs.map((org) =>
            h(
              'li',
              {},
              h('a', { href: `#/orgs/${enc(org.corpId)}` }, org.name),
              h('span', { class: 'muted' }, ` ${org.corpId} · ${org.users.length} users · ${org.robots.length} robots · ${org.conversations.length} conversations`),
            ),
          ),
        );
      },
    };
  });
}

function orgView(corpId) {
  return view(async () => {
    const doc = await directory();
    const org = findOrg(doc, corpId);
    setCrumbs([['Organizations', '#/'], [org.name, `#/orgs/${enc(corpId)}`]]);
    const messages = messageList({ corpId }, 'No messages yet. Send one below.');
    const robots = h('ul', { class: 'plain' });
    const conversations = h('ul', { class: 'plain' });
    main.replaceChildren(
      h('h1', {}, org.name, ' ', h('span', { class: 'muted mono' }, corpId)),
      h('p', {}, h('a', { href: `#/orgs/${enc(corpId)}/directory` }, `Directory: ${org.users.length} users, ${org.apps.length} apps`)),
      h(
        'div',
        { class: 'grid' },
        card('Robots', robots),
        card('Conversations', conversations),
      ),
      card('Messages', messages.element),
      h('div', { class: 'grid' }, sendCard(org), openChatCard(org)),
    );
    return {
      async refresh() {
        const fresh = findOrg(await directory(), corpId);
        robots.replaceChildren(
          ...fresh.robots.map((r) =>
            h('li', {}, h('a', { href: `#/orgs/${enc(corpId)}/robots/${enc(r.robotCode)}` }, r.name), h('span', { class: 'muted' }, ` ${r.robotCode} · ${r.status}`)),
          ),
        );
        conversations.replaceChildren(
          ...fresh.conversations.map((c) =>
            h(
              'li',
              {},
              h('a', { href: `#/orgs/${enc(corpId)}/conversations/${enc(c.openConversationId)}` }, c.title ?? c.openConversationId),
              h('span', { class: 'muted' }, ` ${c.type === 'group' ? 'group' : 'person-to-person'} · ${c.members.length} members`),
            ),
          ),
        );
        await messages.refresh();
      },
    };
  });
}

function streamView(corpId, what, id) {
  return view(async () => {
    const org = findOrg(await directory(), corpId);
    const isRobot = what === 'robots';
    const thing = isRobot ? org.robots.find((r) => r.robotCode === id) : org.conversations.find((c) => c.openConversationId === id);
    const title = isRobot ? (thing?.name ?? id) : (thing?.title ?? id);
    setCrumbs([['Organizations', '#/'], [org.name, `#/orgs/${enc(corpId)}`], [title, location.hash]]);
    const messages = messageList(isRobot ? { robotCode: id } : { openConversationId: id }, 'No messages here yet.');
    main.replaceChildren(
      h('h1', {}, title, ' ', h('span', { class: 'muted mono' }, id)),
      h('p', {}, h('a', { href: `#/orgs/${enc(corpId)}/chat/${what}/${enc(id)}` }, isRobot ? 'Chat with this robot as a user' : 'Open the chat, as a user')),
      card(isRobot ? 'Messages sent by this robot' : 'Messages in this conversation', messages.element),
    );
    return { refresh: () => messages.refresh() };
  });
}

function directoryView(corpId) {
  return view(async () => {
    const org = findOrg(await directory(), corpId);
    setCrumbs([['Organizations', '#/'], [org.name, `#/orgs/${enc(corpId)}`], ['Directory', location.hash]]);
    const filter = h('input', { id: 'user-filter', type: 'search', placeholder: 'name or userId' });
    const body = h('tbody');
    const paint = () => {
      const term = filter.value.trim().toLowerCase();
      const users = org.users.filter((u) => !term || u.userId.toLowerCase().includes(term) || (u.name ?? '').toLowerCase().includes(term));
      body.replaceChildren(...users.slice(0, 500).map((u) => h('tr', {}, h('td', {}, u.name ?? u.userId), h('td', { class: 'mono' }, u.userId))));
    };
    filter.addEventListener('input', paint);
    const rows = (items, cells) => items.map((item) => h('tr', {}, ...cells(item).map((c) => h('td', {}, c))));
    const table = (heads, bodyRows) => h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ...heads.map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, ...bodyRows)));
    main.replaceChildren(
      h('h1', {}, `${org.name}: directory`),
      card(
        'Users',
        h('label', { for: 'user-filter' }, 'Filter users', filter),
        h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'userId'))), body)),
      ),
      h(
        'div',
        { class: 'grid' },
        card('Apps', table(['appKey', 'scopes'], rows(org.apps, (a) => [h('span', { class: 'mono' }, a.appKey), (a.scopes ?? []).join(', ')]))),
        card('Robots', table(['robotCode', 'name', 'status', 'template'], rows(org.robots, (r) => [h('span', { class: 'mono' }, r.robotCode), r.name, r.status, r.templateStatus]))),
      ),
      card(
        'Conversations',
        table(['openConversationId', 'type', 'title', 'members', 'robots / cool app'], rows(org.conversations, (c) => [
          h('span', { class: 'mono' }, c.openConversationId),
          c.type,
          c.title ?? '',
          String(c.members.length),
          c.type === 'group' ? (c.robots ?? []).join(', ') : (c.coolAppCode ?? ''),
        ])),
      ),
    );
    paint();
    return { refresh: async () => {} };
  });
}

function messageView(key) {
  return view(async () => {
    let message = await admin('GET', `/messages/${enc(key)}`);
    const head = h('div');
    const chart = h('div', { class: 'chart' });
    const body = h('tbody');
    const tableCaption = h('caption', { class: 'muted' });
    main.replaceChildren(
      head,
      card('Reads over time', chart),
      card(
        'Recipients',
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            {},
            tableCaption,
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col', class: 'optional' }, 'userId'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Read at'), h('th', { scope: 'col' }, h('span', { class: 'sr' }, 'Action')))),
            body,
          ),
        ),
      ),
    );
    let previous;
    async function markRead(userId, name) {
      try {
        const outcome = await admin('POST', '/reads', { reads: [{ processQueryKey: key, userId }] });
        toast(outcome.accepted ? `${name} has read it` : `Not read: ${outcome.ignored[0]?.reason}`);
      } catch (error) {
        toast(error.message);
      }
    }
    function paint() {
      const m = message;
      const corpHref = `#/orgs/${enc(m.corpId)}`;
      setCrumbs([
        ['Organizations', '#/'],
        [m.corpId, corpHref],
        m.openConversationId ? [m.openConversationId, `${corpHref}/conversations/${enc(m.openConversationId)}`] : [m.robotCode, `${corpHref}/robots/${enc(m.robotCode)}`],
        ['Message', location.hash],
      ]);
      head.replaceChildren(
        h('h1', {}, preview(m)),
        h(
          'section',
          { class: 'card', 'aria-label': 'Message' },
          h('p', {}, statusBadge(m.sendStatus), ' ', h('span', { class: 'badge kind' }, KIND_LABEL[m.kind] ?? m.kind), ` sent ${formatTime(m.sentAt)} by robot ${m.robotCode}`, m.recalledAt ? `, recalled ${formatTime(m.recalledAt)}` : ''),
          progressOf(m),
          h('p', { class: 'muted' }, 'processQueryKey ', h('span', { class: 'mono' }, m.processQueryKey), ` · ${m.msgKey}`),
        ),
      );
      chart.replaceChildren(readChart(m));
      const recipients = [...m.recipients].sort((a, b) => (a.readAt ?? Infinity) - (b.readAt ?? Infinity) || a.userId.localeCompare(b.userId));
      tableCaption.textContent = `${m.readCount} of ${m.recipientCount} recipients have read it`;
      const canRead = m.sendStatus === 'SUCCESS';
      body.replaceChildren(
        ...recipients.slice(0, 1000).map((r) =>
          h(
            'tr',
            { class: r.readAt !== null && previous && !previous.has(r.userId) ? 'fresh' : undefined, 'data-user': r.userId },
            h('td', {}, r.name),
            h('td', { class: 'mono optional' }, r.userId),
            h('td', {}, r.readAt === null ? h('span', { class: 'read-no' }, 'Unread') : h('span', { class: 'read-yes' }, 'Read')),
            h('td', {}, r.readAt === null ? '' : formatTime(r.readAt)),
            h('td', {}, r.readAt === null && canRead ? h('button', { type: 'button', class: 'small secondary', 'aria-label': `Mark read as ${r.name}`, onclick: () => markRead(r.userId, r.name) }, 'Mark read') : ''),
          ),
        ),
      );
      previous = new Set(m.recipients.filter((r) => r.readAt !== null).map((r) => r.userId));
    }
    paint();
    return {
      async refresh() {
        message = await admin('GET', `/messages/${enc(key)}`);
        paint();
      },
    };
  });
}

/** Cumulative reads against time, as an inline SVG step line. */
function readChart(m) {
  const times = m.recipients.map((r) => r.readAt).filter((t) => t !== null).sort((a, b) => a - b);
  const W = 640, H = 220, L = 44, R = 16, T = 14, B = 34;
  const start = m.sentAt;
  const end = Math.max(start + 60_000, times.at(-1) ?? start, Math.min(serverNow(), (times.at(-1) ?? start) + 3_600_000));
  const max = Math.max(m.recipientCount, 1);
  const x = (t) => L + ((t - start) / (end - start)) * (W - L - R);
  const y = (n) => H - B - (n / max) * (H - T - B);
  let d = `M${x(start)},${y(0)}`;
  times.forEach((t, i) => {
    d += ` L${x(t)},${y(i)} L${x(t)},${y(i + 1)}`;
  });
  d += ` L${x(end)},${y(times.length)}`;
  const area = `${d} L${x(end)},${y(0)} Z`;
  const label = times.length
    ? `Reads over time: ${times.length} of ${m.recipientCount} read, the first at ${formatTime(times[0])}, the latest at ${formatTime(times.at(-1))}`
    : `Reads over time: nobody has read it yet (${m.recipientCount} recipients)`;
  const text = (x0, y0, anchor, s) => svg('text', { x: x0, y: y0, 'text-anchor': anchor }, document.createTextNode(s));
  return svg(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label },
    svg('title', {}, document.createTextNode(label)),
    svg('line', { class: 'grid-line', x1: L, x2: W - R, y1: y(max), y2: y(max) }),
    svg('line', { class: 'grid-line', x1: L, x2: W - R, y1: y(max / 2), y2: y(max / 2) }),
    svg('line', { class: 'axis', x1: L, x2: W - R, y1: y(0), y2: y(0) }),
    svg('line', { class: 'axis', x1: L, x2: L, y1: y(0), y2: y(max) }),
    svg('path', { class: 'area', d: area }),
    svg('path', { class: 'line', d }),
    text(L - 6, y(0) + 4, 'end', '0'),
    text(L - 6, y(max) + 4, 'end', String(m.recipientCount)),
    text(L - 6, y(max / 2) + 4, 'end', String(Math.round(max / 2))),
    text(L, H - 10, 'start', `sent ${shortTime(start)}`),
    text(W - R, H - 10, 'end', shortTime(end)),
  );
}

// ------------------------------------------------------------------ simulator forms

/** Sends through the DingTalk API with app credentials, as a bot would: the page holds no secret of its own. */
function sendCard(org) {
  const saved = JSON.parse(sessionStorage.getItem(APP_KEY) ?? 'null');
  const isDemo = org.corpId === DEMO.corpId;
  const appKey = h('input', { id: 'send-app-key', autocomplete: 'off', required: true, value: saved?.appKey ?? (isDemo ? DEMO.appKey : org.apps[0]?.appKey ?? '') });
  const appSecret = h('input', { id: 'send-app-secret', type: 'password', autocomplete: 'off', required: true, value: saved?.appSecret ?? (isDemo ? DEMO.appSecret : '') });
  const robot = h('select', { id: 'send-robot' }, ...org.robots.map((r) => h('option', { value: r.robotCode }, `${r.name} (${r.robotCode})`)));
  const target = h(
    'select',
    { id: 'send-target' },
    ...org.conversations.map((c) => h('option', { value: `c:${c.openConversationId}` }, `${c.type === 'group' ? 'Group' : 'Person-to-person'}: ${c.title ?? c.openConversationId}`)),
    h('option', { value: 'oto' }, 'One-on-one: the users below'),
  );
  const users = h('input', { id: 'send-users', placeholder: 'user001, user002', value: org.users.slice(0, 3).map((u) => u.userId).join(', ') });
  const text = h('input', { id: 'send-text', required: true, value: 'Hello from the dashboard' });
  const result = h('p', { role: 'status' });
  async function submit(event) {
    event.preventDefault();
    const button = event.submitter;
    button && (button.disabled = true);
    try {
      sessionStorage.setItem(APP_KEY, JSON.stringify({ appKey: appKey.value, appSecret: appSecret.value }));
      const { accessToken } = await http('POST', '/v1.0/oauth2/accessToken', { appKey: appKey.value, appSecret: appSecret.value });
      const headers = { 'x-acs-dingtalk-access-token': accessToken };
      const msg = { robotCode: robot.value, msgKey: 'sampleText', msgParam: JSON.stringify({ content: text.value }) };
      let answer;
      if (target.value === 'oto') {
        const userIds = users.value.split(/[\s,]+/).filter(Boolean);
        answer = await http('POST', '/v1.0/robot/oToMessages/batchSend', { ...msg, userIds }, headers);
      } else {
        const conversation = org.conversations.find((c) => `c:${c.openConversationId}` === target.value);
        const path = conversation.type === 'group' ? '/v1.0/robot/groupMessages/send' : '/v1.0/robot/privateChatMessages/send';
        const extra = conversation.type === 'group' ? {} : { coolAppCode: conversation.coolAppCode };
        answer = await http('POST', path, { ...msg, openConversationId: conversation.openConversationId, ...extra }, headers);
      }
      result.replaceChildren('Sent: ', h('a', { href: `#/messages/${enc(answer.processQueryKey)}` }, answer.processQueryKey));
    } catch (error) {
      result.replaceChildren(h('span', { class: 'error' }, error.message));
    } finally {
      button && (button.disabled = false);
    }
  }
  return card(
    'Send a test message',
    h(
      'form',
      { class: 'stack', onsubmit: submit },
      h('p', { class: 'muted' }, 'Sent through the DingTalk API with an app\'s credentials, as your bot would send it.', isDemo ? ' Demo app: dingdemoapp / demo-secret.' : ''),
      h('label', { for: 'send-app-key' }, 'appKey', appKey),
      h('label', { for: 'send-app-secret' }, 'appSecret', appSecret),
      h('label', { for: 'send-robot' }, 'Robot', robot),
      h('label', { for: 'send-target' }, 'To', target),
      h('label', { for: 'send-users' }, 'userIds (one-on-one only)', users),
      h('label', { for: 'send-text' }, 'Text', text),
      h('div', {}, h('button', { type: 'submit' }, 'Send')),
      result,
    ),
  );
}

/** A user opens a chat: everything delivered to them in it is read (control plane). */
function openChatCard(org) {
  const user = h('select', { id: 'open-user' }, ...org.users.slice(0, 2000).map((u) => h('option', { value: u.userId }, `${u.name ?? u.userId} (${u.userId})`)));
  const chat = h(
    'select',
    { id: 'open-chat' },
    ...org.conversations.map((c) => h('option', { value: `c:${c.openConversationId}` }, `${c.title ?? c.openConversationId}`)),
    ...org.robots.map((r) => h('option', { value: `r:${r.robotCode}` }, `One-on-one chat with ${r.name}`)),
  );
  const result = h('p', { role: 'status' });
  async function submit(event) {
    event.preventDefault();
    try {
      const [kind, id] = [chat.value.slice(0, 1), chat.value.slice(2)];
      const answer = kind === 'c'
        ? await admin('POST', `/conversations/${enc(id)}/read`, { userId: user.value })
        : await admin('POST', `/robots/${enc(id)}/chats/${enc(user.value)}/read`, {});
      result.textContent = `${user.value} opened the chat: ${answer.marked} message${answer.marked === 1 ? '' : 's'} newly read.`;
    } catch (error) {
      result.replaceChildren(h('span', { class: 'error' }, error.message));
    }
  }
  return card(
    'Open a chat as a user',
    h(
      'form',
      { class: 'stack', onsubmit: submit },
      h('label', { for: 'open-user' }, 'User', user),
      h('label', { for: 'open-chat' }, 'Chat', chat),
      h('div', {}, h('button', { type: 'submit' }, 'Open chat')),
      result,
    ),
  );
}

// ------------------------------------------------------------------ start

window.addEventListener('hashchange', route);
connect();
route();
