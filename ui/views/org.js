// One organization: its robots and conversations, the simulator's forms, and its messages.

import { conversationTitle, CONVERSATION_KIND, directory, findOrg, robotState } from '../lib/api.js';
import { card, enc, h, linkList, plural } from '../lib/dom.js';
import { openChatCard, sendCard } from '../parts/forms.js';
import { messageList } from '../parts/message-list.js';

export function orgView(corpId) {
  let parts;
  async function refresh() {
    const org = findOrg(await directory(), corpId);
    const { heading, counts, robots, conversations, messages, forms } = parts;
    heading.firstChild.textContent = org.name;
    counts.textContent = `Directory: ${plural(org.users.length, 'user')}, ${plural(org.apps.length, 'app')}`;
    linkList(robots, org.robots, {
      key: (r) => r.robotCode,
      href: (r) => `#/orgs/${enc(corpId)}/robots/${enc(r.robotCode)}`,
      label: (r) => r.name,
      note: (r) => `${r.robotCode} · ${robotState(r)}`,
      empty: 'No robots.',
    });
    linkList(conversations, org.conversations, {
      key: (c) => c.openConversationId,
      href: (c) => `#/orgs/${enc(corpId)}/conversations/${enc(c.openConversationId)}`,
      label: (c) => conversationTitle(org, c),
      note: (c) => `${CONVERSATION_KIND[c.type] ?? c.type} · ${plural(c.members.length, 'member')}`,
      empty: 'No conversations.',
    });
    for (const form of forms) form.update(org);
    await messages.refresh(org);
    return { title: org.name, crumbs: [[org.name, `#/orgs/${enc(corpId)}`]] };
  }
  return {
    async load(root) {
      const org = findOrg(await directory(), corpId);
      const counts = h('a', { href: `#/orgs/${enc(corpId)}/directory` });
      parts = {
        heading: h('h1', {}, org.name, ' ', h('span', { class: 'muted mono' }, corpId)),
        counts,
        robots: h('ul', { class: 'plain' }),
        conversations: h('ul', { class: 'plain' }),
        messages: messageList({ fixed: { corpId }, org, filters: { robot: true, chat: true }, empty: 'No messages yet. Send one with the form above.' }),
        forms: [sendCard(org), openChatCard(org)],
      };
      root.append(
        parts.heading,
        h('p', {}, counts),
        h('div', { class: 'grid' }, card('Robots', parts.robots), card('Conversations', parts.conversations)),
        h('div', { class: 'grid' }, ...parts.forms.map((form) => form.element)),
        card('Messages', parts.messages.element),
      );
      return refresh();
    },
    refresh,
    dispose: () => parts?.messages.dispose(),
  };
}
