// The simulator's forms: a robot sends through the DingTalk API with an app's credentials, as a
// bot would (the page holds no secret of its own), and a user opens a chat (control plane). Each
// takes `update(org)` to follow directory changes without losing what was chosen or typed.

import { admin, conversationTitle, http } from '../lib/api.js';
import { card, enc, h, plural, syncOptions } from '../lib/dom.js';

const APP_KEY = 'dingread.app';
const DEMO = { corpId: 'dingdemocorp', appKey: 'dingdemoapp', appSecret: 'demo-secret' };

export function sendCard(org) {
  let currentOrg = org;
  const saved = JSON.parse(sessionStorage.getItem(APP_KEY) ?? 'null');
  const isDemo = org.corpId === DEMO.corpId;
  const appKey = h('input', { id: 'send-app-key', autocomplete: 'off', required: true, value: saved?.appKey ?? (isDemo ? DEMO.appKey : (org.apps[0]?.appKey ?? '')) });
  const appSecret = h('input', { id: 'send-app-secret', type: 'password', autocomplete: 'off', required: true, value: saved?.appSecret ?? (isDemo ? DEMO.appSecret : '') });
  const robot = h('select', { id: 'send-robot' });
  const target = h('select', { id: 'send-target' });
  const users = h('input', { id: 'send-users', placeholder: 'user001, user002', value: org.users.slice(0, 3).map((u) => u.userId).join(', ') });
  const text = h('input', { id: 'send-text', required: true, value: 'Hello from the dashboard' });
  const result = h('p', { role: 'status' });

  function update(next) {
    currentOrg = next;
    syncOptions(robot, next.robots.map((r) => ({ value: r.robotCode, label: `${r.name} (${r.robotCode})` })));
    syncOptions(target, [
      ...next.conversations.map((c) => ({
        value: `c:${c.openConversationId}`,
        label: `${c.type === 'group' ? 'Group' : 'Person-to-person'}: ${conversationTitle(next, c)}`,
      })),
      { value: 'oto', label: 'One-on-one: the users below' },
    ]);
  }

  async function submit(event) {
    event.preventDefault();
    const button = event.submitter;
    if (button) button.disabled = true;
    try {
      sessionStorage.setItem(APP_KEY, JSON.stringify({ appKey: appKey.value, appSecret: appSecret.value }));
      const { accessToken } = await http('POST', '/v1.0/oauth2/accessToken', { appKey: appKey.value, appSecret: appSecret.value });
      const headers = { 'x-acs-dingtalk-access-token': accessToken };
      const msg = { robotCode: robot.value, msgKey: 'sampleText', msgParam: JSON.stringify({ content: text.value }) };
      let answer;
      let where;
      if (target.value === 'oto') {
        const userIds = users.value.split(/[\s,]+/).filter(Boolean);
        answer = await http('POST', '/v1.0/robot/oToMessages/batchSend', { ...msg, userIds }, headers);
        const received = userIds.length - (answer.invalidStaffIdList?.length ?? 0);
        where = plural(received, 'user');
      } else {
        const conversation = currentOrg.conversations.find((c) => `c:${c.openConversationId}` === target.value);
        const path = conversation.type === 'group' ? '/v1.0/robot/groupMessages/send' : '/v1.0/robot/privateChatMessages/send';
        const extra = conversation.type === 'group' ? {} : { coolAppCode: conversation.coolAppCode };
        answer = await http('POST', path, { ...msg, openConversationId: conversation.openConversationId, ...extra }, headers);
        where = conversationTitle(currentOrg, conversation);
      }
      result.replaceChildren(
        `Sent to ${where}. `,
        h('a', { href: `#/messages/${enc(answer.processQueryKey)}`, 'data-key': answer.processQueryKey }, 'See the message and its reads'),
        answer.invalidStaffIdList?.length ? ` Not sent to unknown users: ${answer.invalidStaffIdList.join(', ')}.` : '',
      );
    } catch (error) {
      result.replaceChildren(h('span', { class: 'error' }, error.message));
    } finally {
      if (button) button.disabled = false;
    }
  }

  update(org);
  const element = card(
    'Send a test message',
    h(
      'form',
      { class: 'stack', onsubmit: submit },
      h('p', { class: 'muted' }, "Sent through the DingTalk API with an app's credentials, as your bot would send it.", isDemo ? ' Demo app: dingdemoapp / demo-secret.' : ''),
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
  return { element, update };
}

/** A user opens a chat: everything delivered to them in it is read (control plane). */
export function openChatCard(org) {
  const user = h('select', { id: 'open-user' });
  const chat = h('select', { id: 'open-chat' });
  const result = h('p', { role: 'status' });

  function update(next) {
    syncOptions(user, next.users.slice(0, 2000).map((u) => ({ value: u.userId, label: `${u.name ?? u.userId} (${u.userId})` })));
    syncOptions(chat, [
      ...next.conversations.map((c) => ({ value: `c:${c.openConversationId}`, label: conversationTitle(next, c) })),
      ...next.robots.map((r) => ({ value: `r:${r.robotCode}`, label: `One-on-one chat with ${r.name}` })),
    ]);
  }

  async function submit(event) {
    event.preventDefault();
    try {
      const [kind, id] = [chat.value.slice(0, 1), chat.value.slice(2)];
      const answer = kind === 'c'
        ? await admin('POST', `/conversations/${enc(id)}/read`, { userId: user.value })
        : await admin('POST', `/robots/${enc(id)}/chats/${enc(user.value)}/read`, {});
      result.textContent = `${user.value} opened the chat: ${plural(answer.marked, 'message')} newly read.`;
    } catch (error) {
      result.replaceChildren(h('span', { class: 'error' }, error.message));
    }
  }

  update(org);
  const element = card(
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
  return { element, update };
}
