// The chat view: a conversation, or one user's one-on-one chat with a robot, as a phone shows it.
// Pick a user, write as them (POST …/messages), and watch the robots' answers arrive with their
// read state; the page's event stream refreshes it (a reply is a `sent` event, a user's message an
// `opened` one). Everything shown goes through textContent: messages come from bots and users.

/** Adds this view's stylesheet once (the page's own stays as it is). */
function useStyles(h) {
  if (document.getElementById('chat-styles')) return;
  document.head.append(h('link', { id: 'chat-styles', rel: 'stylesheet', href: 'chat.css' }));
}

/**
 * `ui` holds the page's helpers (app.js): h, admin, view, card, setCrumbs, formatTime, enc,
 * directory, findOrg, toast, main. `kind` is 'conversations' or 'robots'.
 */
export function chatView(ui, corpId, kind, id) {
  const { h, admin, card, formatTime, enc } = ui;
  return ui.view(async () => {
    useStyles(h);
    const org = ui.findOrg(await ui.directory(), corpId);
    const isRobot = kind === 'robots';
    const robot = isRobot ? org.robots.find((r) => r.robotCode === id) : undefined;
    const conversation = isRobot ? undefined : org.conversations.find((c) => c.openConversationId === id);
    if (isRobot ? !robot : !conversation) throw new Error(`No ${isRobot ? 'robot' : 'conversation'} ${id} in ${org.name}`);
    const title = isRobot ? robot.name : (conversation.title ?? id);
    const names = new Map(org.users.map((u) => [u.userId, u.name ?? u.userId]));
    const robotNames = new Map(org.robots.map((r) => [r.robotCode, r.name ?? r.robotCode]));
    const people = isRobot ? org.users.slice(0, 2000).map((u) => u.userId) : conversation.members;
    const robotsHere = isRobot ? [robot.robotCode] : conversation.type === 'group' ? (conversation.robots ?? []) : [];
    ui.setCrumbs([
      ['Organizations', '#/'],
      [org.name, `#/orgs/${enc(corpId)}`],
      [title, `#/orgs/${enc(corpId)}/${kind}/${enc(id)}`],
      ['Chat', location.hash],
    ]);

    const user = h('select', { id: 'chat-user' }, ...people.map((userId) => h('option', { value: userId }, `${names.get(userId) ?? userId} (${userId})`)));
    const bots = h('p', { class: 'muted', id: 'chat-bots' });
    const list = h('ol', { class: 'chat', 'aria-label': 'Messages, oldest first' });
    const scroller = h('div', { class: 'chat-scroll', tabindex: '0', 'aria-label': 'Chat' }, list);
    const text = h('textarea', { id: 'chat-text', rows: '2', maxlength: '5000', required: true, placeholder: 'Write a message' });
    const mentions = robotsHere.map((code) =>
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'at', value: code, checked: isRobot ? undefined : robotsHere.length === 1 }), `@${robotNames.get(code) ?? code}`),
    );
    const result = h('p', { role: 'status', id: 'chat-result' });
    let shown = '';

    async function send(event) {
      event.preventDefault();
      const button = event.submitter;
      if (button) button.disabled = true;
      try {
        const atRobots = mentions.map((label) => label.querySelector('input')).filter((box) => box.checked).map((box) => box.value);
        const answer = isRobot
          ? await admin('POST', `/robots/${enc(id)}/chats/${enc(user.value)}/messages`, { text: text.value })
          : await admin('POST', `/conversations/${enc(id)}/messages`, { userId: user.value, text: text.value, ...(atRobots.length ? { atRobots } : {}) });
        text.value = '';
        const said = answer.deliveries.map((d) => `${robotNames.get(d.robotCode) ?? d.robotCode}: ${STATUS_TEXT[d.status] ?? d.status}`);
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
      try {
        const answer = isRobot
          ? await admin('POST', `/robots/${enc(id)}/chats/${enc(user.value)}/read`, {})
          : await admin('POST', `/conversations/${enc(id)}/read`, { userId: user.value });
        ui.toast(`${names.get(user.value) ?? user.value} read the chat: ${answer.marked} newly read`);
      } catch (error) {
        ui.toast(error.message);
      }
    }

    ui.main.replaceChildren(
      h('h1', {}, `${title}: chat`),
      card(
        'Chat',
        h('div', { class: 'chat-head' }, h('label', { for: 'chat-user' }, isRobot ? 'One-on-one chat of' : 'Write as', user), h('button', { type: 'button', class: 'secondary small', onclick: openAsUser }, 'Read it as this user')),
        bots,
        scroller,
        h(
          'form',
          { class: 'chat-compose', onsubmit: send },
          h('label', { for: 'chat-text', class: 'sr' }, 'Message'),
          text,
          mentions.length && !isRobot ? h('div', { class: 'buttons' }, ...mentions) : null,
          h('button', { type: 'submit' }, 'Send'),
        ),
        result,
      ),
    );
    // The chat shown is the user's own when the chat is one-on-one.
    user.addEventListener('change', () => {
      shown = '';
      refresh();
    });

    function bubble(item) {
      const fromUser = 'userId' in item.from;
      const mine = fromUser && item.from.userId === user.value;
      const who = fromUser ? names.get(item.from.userId) ?? item.from.userId : robotNames.get(item.from.robotCode) ?? item.from.robotCode;
      const meta = [h('span', { class: 'who' }, who), ` ${formatTime(item.createdAt)}`];
      if (!fromUser) meta.push(' ', h('span', { class: 'badge kind' }, item.via === 'sessionWebhook' ? 'reply' : 'sent'));
      const notes = [];
      if (item.atRobots?.length) notes.push(item.atRobots.map((code) => `@${robotNames.get(code) ?? code}`).join(' '));
      if (item.at?.atUserIds?.length) notes.push(item.at.atUserIds.map((u) => `@${names.get(u) ?? u}`).join(' '));
      if (item.at?.isAtAll) notes.push('@all');
      let state = null;
      if (!fromUser) {
        state = isRobot
          ? item.readAt === null
            ? h('span', { class: 'read-no' }, 'Unread')
            : h('span', { class: 'read-yes' }, `Read ${formatTime(item.readAt)}`)
          : h('span', { class: item.readCount === item.recipientCount ? 'read-yes' : 'read-no' }, `${item.readCount} / ${item.recipientCount} read`);
      }
      return h(
        'li',
        { class: `bubble ${fromUser ? (mine ? 'mine' : 'theirs') : 'robot'}`, 'data-msg': item.msgId },
        h('div', { class: 'meta' }, ...meta),
        notes.length ? h('div', { class: 'notes' }, notes.join(' ')) : null,
        h('div', { class: 'text' }, item.text),
        state ? h('div', { class: 'state' }, state) : null,
      );
    }

    async function refresh() {
      const path = isRobot ? `/robots/${enc(id)}/chats/${enc(user.value)}/messages` : `/conversations/${enc(id)}/messages`;
      const [{ items }, { items: connections }] = await Promise.all([admin('GET', path), admin('GET', '/stream/connections')]);
      const apps = new Set(org.apps.map((a) => a.appKey));
      const here = connections.filter((c) => apps.has(c.clientId));
      bots.textContent = here.length
        ? `Bots connected (Stream mode): ${[...new Set(here.map((c) => c.clientId))].map((app) => `${app} ×${here.filter((c) => c.clientId === app).length}`).join(', ')}`
        : 'No bot of this organization is connected (Stream mode): messages to robots are not delivered.';
      const signature = JSON.stringify(items.map((i) => [i.msgId, i.readAt, i.readCount]));
      if (signature === shown) return;
      const nearBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
      shown = signature;
      list.replaceChildren(...(items.length ? items.map(bubble) : [h('li', { class: 'muted' }, 'Nothing said here yet.')]));
      if (nearBottom) scroller.scrollTop = scroller.scrollHeight;
    }
    return { refresh };
  });
}

const STATUS_TEXT = {
  delivered: 'delivered to its bot',
  noConnection: 'no bot connected',
  notMentioned: 'not @-mentioned, not delivered',
};
