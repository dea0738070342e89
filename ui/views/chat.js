// The chat as a phone shows it: a conversation, or one user's one-on-one chat with a robot. Pick
// a user, write as them (POST …/messages), and watch the robots' answers arrive with their read
// state, and cards drawn with buttons to press (parts/card.js). Live events (a reply is `sent`, a
// card's change `card`, a user's message `userMessage`, reads `read` and `opened`, bots coming and
// going `streamConnection`, a custom robot's post `webhookMessage`) refresh it in place: bubbles are kept by
// msgId, so focus and what is being typed stay, and what others said is announced.

import { admin, conversationOf, conversationTitle, directory, findOrg, PageError, robotName, userName } from '../lib/api.js';
import { card, enc, flash, formatTime, h, reconcile, syncOptions } from '../lib/dom.js';
import { announce, toast } from '../lib/live.js';
import { CARD_MSG_KEY, showCarriedCard } from '../parts/card.js';
import { showMedia } from '../parts/media.js';

/** Each status of POST …/messages in words. */
const STATUS_TEXT = {
  delivered: 'delivered to its bot',
  noConnection: 'no bot connected',
  notMentioned: 'not @-mentioned, not delivered',
};

/** The badge of a robot's message, by how it came. */
const BADGE = { api: 'sent', sessionWebhook: 'reply', webhook: 'webhook' };

/** People offered in a robot's one-on-one chat: a select of more would not help anyone. */
const MAX_PEOPLE = 2000;

/** `what` is `conversations` or `robots`. */
export function chatView(corpId, what, id) {
  const isRobot = what === 'robots';
  let org;
  let parts;
  /** msgIds on screen, to tell what is new; undefined until the first paint of a chat. */
  let shown;

  function describe() {
    if (isRobot) {
      const robot = org.robots.find((r) => r.robotCode === id);
      if (!robot) throw new PageError('No such robot', `${org.name} has no robot ${id}.`);
      return { title: robot.name, people: org.users.slice(0, MAX_PEOPLE).map((u) => u.userId), robotsHere: [robot.robotCode] };
    }
    const conversation = conversationOf(org, id);
    if (!conversation) throw new PageError('No such conversation', `${org.name} has no conversation ${id}.`);
    return {
      title: conversationTitle(org, conversation),
      people: conversation.members,
      robotsHere: conversation.type === 'group' ? (conversation.robots ?? []) : [],
    };
  }

  const who = (from) =>
    'userId' in from ? userName(org, from.userId) : 'webhookRobot' in from ? from.webhookRobot : robotName(org, from.robotCode);

  function bubble() {
    return h(
      'li',
      {},
      h('div', { class: 'meta' }, h('span', { class: 'who' }), h('span', { class: 'when' }), h('span', { class: 'badge kind', hidden: true })),
      h('div', { class: 'notes', hidden: true }),
      h('div', { class: 'text' }),
      h('div', { class: 'state', hidden: true }),
      h('div', { class: 'files', hidden: true }),
    );
  }

  function updateBubble(li, item) {
    const fromUser = 'userId' in item.from;
    const mine = fromUser && item.from.userId === parts.user.value;
    li.className = `bubble ${fromUser ? (mine ? 'mine' : 'theirs') : 'robot'}`;
    const [meta, notes, text, state, files] = li.children;
    const [name, when, badge] = meta.children;
    name.textContent = who(item.from);
    when.textContent = ` ${formatTime(item.createdAt)} `;
    badge.hidden = fromUser;
    badge.textContent = BADGE[item.via] ?? 'sent';
    const mentions = [
      ...(item.atRobots ?? []).map((code) => `@${robotName(org, code)}`),
      ...(item.at?.atUserIds ?? []).map((userId) => `@${userName(org, userId)}`),
      ...(item.at?.isAtAll ? ['@all'] : []),
    ];
    notes.hidden = mentions.length === 0;
    notes.textContent = mentions.join(' ');
    // A card a robot delivered is drawn from its data, fetched again on each refresh (it may be streaming).
    if (item.msgKey === CARD_MSG_KEY) {
      showCarriedCard(text, item.processQueryKey, () => parts.user.value, item.text);
      text.hidden = false;
    } else {
      text.textContent = item.text;
      // A file a user sent is its name as text: the link under it says it again.
      text.hidden = item.text === '' || (fromUser && item.files?.length === 1 && item.files[0].fileName === item.text);
    }
    showMedia(files, item.files);
    // A webhook robot's message has no read status: nothing can ask it (docs/webhook-robot.md).
    state.hidden = fromUser || item.via === 'webhook';
    if (state.hidden) return;
    const read = isRobot ? item.readAt !== null : item.readCount === item.recipientCount;
    const words = isRobot ? (item.readAt === null ? 'Unread' : `Read ${formatTime(item.readAt)}`) : `${item.readCount} / ${item.recipientCount} read`;
    if (state.textContent !== words) {
      state.replaceChildren(h('span', { class: read ? 'read-yes' : 'read-no' }, words));
      if (shown?.has(item.msgId)) flash(state);
    }
  }

  async function send(event) {
    event.preventDefault();
    const button = event.submitter;
    if (button) button.disabled = true;
    const { user, text, mentions, result } = parts;
    try {
      const atRobots = mentions.filter((box) => box.checked).map((box) => box.value);
      const answer = isRobot
        ? await admin('POST', `/robots/${enc(id)}/chats/${enc(user.value)}/messages`, { text: text.value })
        : await admin('POST', `/conversations/${enc(id)}/messages`, { userId: user.value, text: text.value, ...(atRobots.length ? { atRobots } : {}) });
      text.value = '';
      const said = answer.deliveries.map((d) => `${robotName(org, d.robotCode)}: ${STATUS_TEXT[d.status] ?? d.status}`);
      result.textContent = said.length ? said.join(' · ') : 'Sent. No robot is in this chat.';
      await refresh();
    } catch (error) {
      result.replaceChildren(h('span', { class: 'error' }, error.message));
    } finally {
      if (button) button.disabled = false;
      text.focus();
    }
  }

  async function openAsUser() {
    const userId = parts.user.value;
    try {
      const answer = isRobot
        ? await admin('POST', `/robots/${enc(id)}/chats/${enc(userId)}/read`, {})
        : await admin('POST', `/conversations/${enc(id)}/read`, { userId });
      toast(`${userName(org, userId)} read the chat: ${answer.marked} newly read`);
    } catch (error) {
      toast(error.message);
    }
  }

  function paintBots(connections) {
    const apps = new Set(org.apps.map((a) => a.appKey));
    const counts = new Map();
    for (const c of connections) if (apps.has(c.clientId)) counts.set(c.clientId, (counts.get(c.clientId) ?? 0) + 1);
    parts.bots.textContent = counts.size
      ? `Bots connected (Stream mode): ${[...counts].map(([app, n]) => `${app} ×${n}`).join(', ')}`
      : 'No bot of this organization is connected (Stream mode): messages to robots are not delivered.';
  }

  function paint(items) {
    const { list, scroller, user } = parts;
    const nearBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
    if (items.length === 0) {
      list.replaceChildren(h('li', { class: 'muted empty' }, 'Nothing said here yet.'));
    } else {
      if (list.querySelector('.empty')) list.replaceChildren();
      reconcile(list, items, (item) => item.msgId, bubble, updateBubble);
    }
    // What others said since the last look, for a screen reader; one's own words need no telling.
    const fresh = shown ? items.filter((item) => !shown.has(item.msgId) && !('userId' in item.from && item.from.userId === user.value)) : [];
    if (fresh.length === 1) announce(`${who(fresh[0].from)}: ${fresh[0].text}`);
    else if (fresh.length > 1) announce(`${fresh.length} new messages, the last from ${who(fresh.at(-1).from)}: ${fresh.at(-1).text}`);
    shown = new Set(items.map((item) => item.msgId));
    if (nearBottom || fresh.length > 0) scroller.scrollTop = scroller.scrollHeight;
  }

  async function refresh() {
    org = findOrg(await directory(), corpId);
    const { title, people, robotsHere } = describe();
    syncOptions(
      parts.user,
      people.map((userId) => ({ value: userId, label: `${userName(org, userId)} (${userId})` })),
    );
    for (const box of parts.mentions) box.closest('label').hidden = !robotsHere.includes(box.value);
    const path = isRobot ? `/robots/${enc(id)}/chats/${enc(parts.user.value)}/messages` : `/conversations/${enc(id)}/messages`;
    const [{ items }, { items: connections }] = await Promise.all([admin('GET', path), admin('GET', '/stream/connections')]);
    paintBots(connections);
    paint(items);
    parts.title.textContent = `${title}: chat`;
    return {
      title: `${title}: chat`,
      crumbs: [
        [org.name, `#/orgs/${enc(corpId)}`],
        [title, `#/orgs/${enc(corpId)}/${what}/${enc(id)}`],
        ['Chat', location.hash],
      ],
    };
  }

  return {
    async load(root) {
      org = findOrg(await directory(), corpId);
      const { robotsHere } = describe();
      const user = h('select', { id: 'chat-user' });
      const text = h('textarea', { id: 'chat-text', rows: '2', maxlength: '5000', required: true, placeholder: 'Write a message' });
      // One box per robot of the group; a robot chat needs no mention.
      const mentionLabels = isRobot
        ? []
        : robotsHere.map((code) =>
            h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'at', value: code, checked: robotsHere.length === 1 }), `@${robotName(org, code)}`),
          );
      const list = h('ol', { class: 'chat', 'aria-label': 'Messages, oldest first' });
      parts = {
        title: h('h1'),
        user,
        text,
        mentions: mentionLabels.map((label) => label.querySelector('input')),
        bots: h('p', { class: 'muted', id: 'chat-bots' }),
        list,
        scroller: h('div', { class: 'chat-scroll', tabindex: '0', 'aria-label': 'Chat' }, list),
        result: h('p', { role: 'status', id: 'chat-result' }),
      };
      // In a robot's one-on-one chat, each user has a chat of their own: another user, another timeline.
      user.addEventListener('change', () => {
        shown = undefined;
        refresh().catch((error) => toast(error.message));
      });
      root.append(
        parts.title,
        card(
          'Chat',
          h(
            'div',
            { class: 'chat-head' },
            h('label', { for: 'chat-user' }, isRobot ? 'One-on-one chat of' : 'Write as'),
            user,
            h('button', { type: 'button', class: 'secondary small', onclick: openAsUser }, 'Read it as this user'),
          ),
          parts.bots,
          parts.scroller,
          h(
            'form',
            { class: 'chat-compose', onsubmit: send },
            h('label', { for: 'chat-text', class: 'sr' }, 'Message'),
            text,
            mentionLabels.length ? h('div', { class: 'buttons' }, ...mentionLabels) : null,
            h('button', { type: 'submit' }, 'Send'),
          ),
          parts.result,
        ),
      );
      return refresh();
    },
    refresh,
  };
}
