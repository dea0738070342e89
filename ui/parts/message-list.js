// A list of messages, newest first: filters (robot, chat, status, text), how many there are,
// 25 at a time. Live updates change rows in place and add new ones around them, so focus stays
// where it was; new messages are announced instead.

import { admin, conversationOf, conversationTitle, MESSAGE_KIND, preview, robotName } from '../lib/api.js';
import { enc, flash, formatTime, h, plural, reconcile, syncOptions } from '../lib/dom.js';
import { announce, atServerTime, serverNow } from '../lib/live.js';

const PAGE = 25;
const STATUSES = [
  ['', 'Any status'],
  ['sendStatus=PROCESSING', 'On its way (PROCESSING)'],
  ['sendStatus=SUCCESS', 'Delivered (SUCCESS)'],
  ['sendStatus=RECALLED', 'Recalled'],
  ['window=open', 'Within the 24-hour window'],
  ['window=closed', 'Past the 24-hour window'],
];

/**
 * `fixed`: the listing's own filter ({corpId}, {robotCode} or {openConversationId}); `org` names
 * robots and chats; `filters` says which of robot and chat can be chosen; `empty` is what an
 * empty list says.
 */
export function messageList({ fixed, org, filters, empty }) {
  let currentOrg = org;
  let shown = PAGE;
  let known;
  let seq = 0;
  let cancelTimer = () => {};

  const robot = h('select', { id: 'filter-robot' });
  const chat = h('select', { id: 'filter-chat' });
  const status = h('select', { id: 'filter-status' }, ...STATUSES.map(([value, label]) => h('option', { value }, label)));
  const text = h('input', { id: 'filter-text', type: 'search', placeholder: 'words in the message', autocomplete: 'off' });
  const summary = h('p', { class: 'summary' });
  const list = h('ul', { class: 'messages', 'aria-label': 'Messages, newest first' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more');
  const clear = h('button', { type: 'button', class: 'small secondary', hidden: true }, 'Clear the filters');

  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter the messages', onsubmit: (event) => event.preventDefault() },
    filters.robot ? h('label', { for: 'filter-robot' }, 'Sent by', robot) : null,
    filters.chat ? h('label', { for: 'filter-chat' }, 'In chat', chat) : null,
    h('label', { for: 'filter-status' }, 'Status', status),
    h('label', { for: 'filter-text' }, 'Containing', text),
  );
  const element = h('div', {}, form, h('div', { class: 'summary-line' }, summary, clear), list, more);

  const filtered = () => (filters.robot && robot.value) || (filters.chat && chat.value) || status.value || text.value.trim();
  const restart = () => {
    shown = PAGE;
    known = undefined;
    refresh();
  };
  for (const select of [robot, chat, status]) select.addEventListener('change', restart);
  let typing;
  text.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(restart, 250);
  });
  clear.addEventListener('click', () => {
    robot.value = '';
    chat.value = '';
    status.value = '';
    text.value = '';
    restart();
    text.focus();
  });
  more.addEventListener('click', () => {
    shown += PAGE;
    refresh();
  });

  function syncFilters() {
    syncOptions(robot, [{ value: '', label: 'Any robot' }, ...(currentOrg?.robots ?? []).map((r) => ({ value: r.robotCode, label: r.name }))]);
    syncOptions(chat, [
      { value: '', label: 'Any chat' },
      ...(currentOrg?.conversations ?? []).map((c) => ({ value: c.openConversationId, label: conversationTitle(currentOrg, c) })),
    ]);
  }

  function query() {
    const params = new URLSearchParams({ ...fixed, total: 'true' });
    if (filters.robot && robot.value) params.set('robotCode', robot.value);
    if (filters.chat && chat.value) params.set('openConversationId', chat.value);
    if (status.value) {
      const [name, value] = status.value.split('=');
      params.set(name, value);
    }
    if (text.value.trim()) params.set('text', text.value.trim());
    return params;
  }

  async function refresh(org) {
    if (org) currentOrg = org;
    syncFilters();
    const mine = ++seq;
    const items = [];
    let total = 0;
    let cursor;
    do {
      const params = query();
      params.set('limit', String(Math.min(shown - items.length, 500)));
      if (cursor) params.set('cursor', cursor);
      const page = await admin('GET', `/messages?${params}`);
      if (page.total !== undefined) total = page.total;
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && items.length < shown);
    // A later refresh (a filter changed meanwhile) has the last word.
    if (mine !== seq) return;
    paint(items, total);
  }

  function paint(items, total) {
    const before = known;
    known = new Map(items.map((m) => [m.processQueryKey, `${m.readCount}/${m.sendStatus}`]));
    const now = serverNow();
    reconcile(list, items, (m) => m.processQueryKey, row, (li, m) => {
      updateRow(li, m, now);
      if (before?.has(m.processQueryKey) && before.get(m.processQueryKey) !== known.get(m.processQueryKey)) flash(li);
    });
    if (items.length === 0) list.replaceChildren(h('li', { class: 'muted empty' }, filtered() ? 'No messages match these filters.' : empty));
    summary.textContent = total === 0 ? '' : filtered() ? `${plural(total, 'message')} match, newest first` : `${plural(total, 'message')}, newest first`;
    if (items.length < total) summary.textContent += `: showing ${items.length.toLocaleString('en')}`;
    clear.hidden = !filtered();
    more.hidden = items.length >= total;
    more.textContent = `Show ${Math.min(PAGE, total - items.length)} more`;
    if (before) {
      // New messages come in above the ones shown before ("Show more" adds older ones below).
      const firstKnown = items.findIndex((m) => before.has(m.processQueryKey));
      const fresh = firstKnown < 0 ? [] : items.slice(0, firstKnown);
      if (fresh.length === 1) announce(`New message from ${robotName(currentOrg, fresh[0].robotCode)}: ${preview(fresh[0])}`);
      else if (fresh.length > 1) announce(`${fresh.length} new messages`);
    }
    // Nothing tells the page when a message arrives or its window closes: that is the clock's doing.
    cancelTimer();
    const next = Math.min(
      ...items.filter((m) => m.sendStatus === 'PROCESSING').map((m) => m.deliveredAt),
      ...items.filter((m) => m.queryableUntil > now).map((m) => m.queryableUntil),
    );
    cancelTimer = atServerTime(next + 50, () => refresh());
  }

  function row() {
    return h(
      'li',
      { class: 'message' },
      h('a', { class: 'text' }),
      h('span', { class: 'badges' }, h('span', { class: 'badge status' }), h('span', { class: 'badge EXPIRED window', hidden: true }, 'past 24 h')),
      h('div', { class: 'progress-line' }, h('progress'), h('span', { class: 'count' })),
      h('span', { class: 'meta' }, h('span', { class: 'badge kind' }), h('span', { class: 'where' })),
    );
  }

  function updateRow(li, m, now) {
    const link = li.querySelector('a.text');
    link.href = `#/messages/${enc(m.processQueryKey)}`;
    link.textContent = preview(m);
    const badge = li.querySelector('.badge.status');
    badge.className = `badge status ${m.sendStatus}`;
    badge.textContent = m.sendStatus;
    li.querySelector('.badge.window').hidden = now < m.queryableUntil;
    const progress = li.querySelector('progress');
    const label = `${m.readCount} / ${m.recipientCount} read`;
    progress.max = Math.max(m.recipientCount, 1);
    progress.value = m.readCount;
    progress.setAttribute('aria-label', label);
    li.querySelector('.count').textContent = label;
    li.querySelector('.badge.kind').textContent = MESSAGE_KIND[m.kind] ?? m.kind;
    const conversation = m.openConversationId ? conversationOf(currentOrg, m.openConversationId) : undefined;
    const where = m.openConversationId ? ` in ${conversation ? conversationTitle(currentOrg, conversation) : m.openConversationId}` : '';
    li.querySelector('.where').textContent = ` ${formatTime(m.sentAt)} · ${robotName(currentOrg, m.robotCode)}${where}`;
  }

  return {
    element,
    refresh,
    dispose: () => cancelTimer(),
  };
}
