// One message: its state, whether it can still be queried, the card it carries (parts/card.js), a read-over-time chart, and every
// recipient with their read time and a "Mark read" button while marking makes sense. Rows stay
// in one order and are updated in place; who reads is announced.

import { admin, conversationOf, conversationTitle, directory, HttpError, MESSAGE_KIND, PageError, preview, robotName } from '../lib/api.js';
import { card, enc, formatTime, h, plural, reconcile, flash } from '../lib/dom.js';
import { announce, atServerTime, serverNow, toast } from '../lib/live.js';
import { CARD_MSG_KEY, showCarriedCard } from '../parts/card.js';
import { readChart } from '../parts/chart.js';
import { showMedia } from '../parts/media.js';

export function messageView(key) {
  const head = h('div');
  const notes = h('div');
  const files = h('div', { class: 'files', hidden: true });
  const chart = readChart();
  const caption = h('caption', { class: 'muted', tabindex: '-1' });
  const body = h('tbody');
  // A message that carries an interactive card shows the card, with a user to press its buttons as.
  const cardBox = h('div', { id: 'message-card' });
  const pressAs = h('select', { id: 'card-user' });
  let message;
  let org;
  let cancelTimer = () => {};

  async function fetchMessage() {
    try {
      return await admin('GET', `/messages/${enc(key)}`);
    } catch (error) {
      if (error instanceof HttpError && error.status === 404) {
        throw new PageError(
          'Message not found',
          `This server has no message with processQueryKey ${key}: it may have been purged after the retention period, or the server was reset.`,
        );
      }
      throw error;
    }
  }

  async function markRead(userId, name) {
    try {
      const outcome = await admin('POST', '/reads', { reads: [{ processQueryKey: key, userId }] });
      toast(outcome.accepted ? `${name} has read it` : `Not read: ${outcome.ignored[0]?.reason}`);
    } catch (error) {
      toast(error.message);
    }
  }

  function paint(previous) {
    const m = message;
    const now = serverNow();
    const expired = now >= m.queryableUntil;
    const conversation = m.openConversationId ? conversationOf(org, m.openConversationId) : undefined;
    const chatName = conversation ? conversationTitle(org, conversation) : m.openConversationId;
    head.replaceChildren(
      h('h1', {}, preview(m)),
      h(
        'section',
        { class: 'card', 'aria-label': 'Message' },
        h(
          'p',
          {},
          h('span', { class: `badge ${m.sendStatus}` }, m.sendStatus),
          ' ',
          h('span', { class: 'badge kind' }, MESSAGE_KIND[m.kind] ?? m.kind),
          ` sent ${formatTime(m.sentAt)} by ${robotName(org, m.robotCode)}`,
          chatName ? ` in ${chatName}` : ` to ${plural(m.recipientCount, 'user')}`,
          m.recalledAt ? `, recalled ${formatTime(m.recalledAt)}` : '',
        ),
        h(
          'div',
          { class: 'progress-line' },
          h('progress', { max: Math.max(m.recipientCount, 1), value: m.readCount, 'aria-label': `${m.readCount} / ${m.recipientCount} read` }),
          h('span', { class: 'count' }, `${m.readCount} / ${m.recipientCount} read`),
        ),
        h('p', { class: 'muted' }, 'processQueryKey ', h('span', { class: 'mono' }, m.processQueryKey), ` · ${m.msgKey}`),
        files,
      ),
    );
    showMedia(files, m.files);
    notes.replaceChildren(...notices(m, now, expired));
    if (m.msgKey === CARD_MSG_KEY) {
      if (pressAs.options.length === 0) for (const r of m.recipients) pressAs.append(h('option', { value: r.userId }, `${r.name} (${r.userId})`));
      showCarriedCard(cardBox, m.processQueryKey, () => pressAs.value, m.msgParam);
    }
    chart.update(m);
    caption.textContent = `${m.readCount} of ${plural(m.recipientCount, 'recipient')} ${m.readCount === 1 ? 'has' : 'have'} read it`;
    const canMark = m.sendStatus === 'SUCCESS' && !expired;
    reconcile(body, m.recipients, (r) => r.userId, recipientRow, (tr, r) => updateRow(tr, r, canMark));
    if (m.recipients.length === 0) body.replaceChildren(h('tr', {}, h('td', { colspan: 5, class: 'muted empty' }, 'No recipients.')));

    if (previous) {
      const readers = m.recipients.filter((r) => r.readAt !== null && previous.get(r.userId) === null);
      for (const r of readers) {
        const row = body.querySelector(`tr[data-key="${CSS.escape(r.userId)}"]`);
        if (row) flash(row);
      }
      if (readers.length === 1) announce(`${readers[0].name} read it: ${m.readCount} of ${m.recipientCount}.`);
      else if (readers.length > 1) announce(`${readers.length} more read it: ${m.readCount} of ${m.recipientCount}.`);
    }
    // Delivery and the end of the window come with the clock, not with an event.
    cancelTimer();
    cancelTimer = atServerTime(Math.min(m.sendStatus === 'PROCESSING' ? m.deliveredAt : Infinity, expired ? Infinity : m.queryableUntil) + 50, () =>
      refresh(),
    );
  }

  function recipientRow() {
    return h(
      'tr',
      {},
      h('td', {}),
      h('td', { class: 'mono optional' }),
      h('td', {}, h('span')),
      h('td', {}),
      h('td', { class: 'action' }),
    );
  }

  function updateRow(tr, r, canMark) {
    const [name, userId, state, at, action] = tr.children;
    tr.dataset.user = r.userId;
    name.textContent = r.name;
    userId.textContent = r.userId;
    state.firstChild.className = r.readAt === null ? 'read-no' : 'read-yes';
    state.firstChild.textContent = r.readAt === null ? 'Unread' : 'Read';
    at.textContent = r.readAt === null ? '' : formatTime(r.readAt);
    const button = action.querySelector('button');
    const wanted = r.readAt === null && canMark;
    if (wanted && !button) {
      action.append(h('button', { type: 'button', class: 'small secondary', 'aria-label': `Mark read as ${r.name}`, onclick: () => markRead(r.userId, r.name) }, 'Mark read'));
    } else if (!wanted && button) {
      // Focus on the button that goes moves to the next one, or to the table's caption: never to the page's top.
      if (button === document.activeElement) {
        const buttons = [...body.querySelectorAll('td.action button')];
        const next = buttons.slice(buttons.indexOf(button) + 1).find((b) => b.closest('tr') !== tr) ?? caption;
        button.remove();
        next.focus({ preventScroll: true });
      } else {
        button.remove();
      }
    }
  }

  async function refresh() {
    const previous = new Map(message.recipients.map((r) => [r.userId, r.readAt]));
    [message, org] = await Promise.all([fetchMessage(), orgOf()]);
    paint(previous);
    return page();
  }

  async function orgOf() {
    const doc = await directory();
    return doc.orgs.find((o) => o.corpId === message.corpId);
  }

  function page() {
    const m = message;
    const corpHref = `#/orgs/${enc(m.corpId)}`;
    const conversation = m.openConversationId ? conversationOf(org, m.openConversationId) : undefined;
    const chat = m.openConversationId
      ? [conversation ? conversationTitle(org, conversation) : m.openConversationId, `${corpHref}/conversations/${enc(m.openConversationId)}`]
      : [robotName(org, m.robotCode), `${corpHref}/robots/${enc(m.robotCode)}`];
    return { title: preview(m), crumbs: [[org?.name ?? m.corpId, corpHref], chat, ['Message', location.hash]] };
  }

  return {
    async load(root) {
      message = await fetchMessage();
      org = await orgOf();
      root.append(
        head,
        notes,
        ...(message.msgKey === CARD_MSG_KEY
          ? [card('Card', h('div', { class: 'chat-head' }, h('label', { for: 'card-user' }, 'Press a button as'), pressAs), cardBox)]
          : []),
        card('Reads over time', chart.element),
        card(
          'Recipients',
          h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              {},
              caption,
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', { scope: 'col' }, 'Name'),
                  h('th', { scope: 'col', class: 'optional' }, 'userId'),
                  h('th', { scope: 'col' }, 'Status'),
                  h('th', { scope: 'col' }, 'Read at'),
                  h('th', { scope: 'col' }, h('span', { class: 'sr' }, 'Action')),
                ),
              ),
              body,
            ),
          ),
        ),
      );
      paint(undefined);
      return page();
    },
    refresh,
    dispose: () => cancelTimer(),
  };
}

/** What the send status and the 24-hour window mean for the message now. */
function notices(m, now, expired) {
  const notes = [];
  if (m.sendStatus === 'PROCESSING') {
    notes.push(
      m.sentAt > now
        ? `Dated in the future: it was sent while the server clock was ahead of where it is now, so it stays PROCESSING until the clock reaches ${formatTime(m.deliveredAt)}.`
        : `On its way: it is delivered at ${formatTime(m.deliveredAt)}; until then queries answer processQueryKey.expireTime.`,
    );
  }
  if (expired) {
    notes.push(
      `Past the 24-hour window since ${formatTime(m.queryableUntil)}: this message can no longer be queried (DingTalk's read queries answer processQueryKey.expireTime), so its reads cannot be marked any more.`,
    );
  } else if (m.sendStatus !== 'RECALLED') {
    notes.push(`Can be queried until ${formatTime(m.queryableUntil)} (24 hours after it was sent).`);
  }
  return notes.map((text, i) => h('p', { class: `notice${expired && i === notes.length - 1 ? ' closed' : ''}`, role: 'note' }, text));
}
