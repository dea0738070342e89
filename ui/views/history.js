// The messages of one conversation, or of one robot, with a way into its chat (views/chat.js).

import { conversationOf, conversationTitle, CONVERSATION_KIND, directory, findOrg, PageError, robotName, robotState, userName } from '../lib/api.js';
import { card, enc, h, plural } from '../lib/dom.js';
import { messageList } from '../parts/message-list.js';

/** `what` is `conversations` or `robots`. */
export function historyView(corpId, what, id) {
  const isRobot = what === 'robots';
  let parts;
  function describe(org) {
    if (isRobot) {
      const robot = org.robots.find((r) => r.robotCode === id);
      if (!robot) throw new PageError('No such robot', `${org.name} has no robot ${id}.`);
      return { title: robot.name, about: `Robot · ${robotState(robot)}` };
    }
    const conversation = conversationOf(org, id);
    if (!conversation) throw new PageError('No such conversation', `${org.name} has no conversation ${id}.`);
    const kind = CONVERSATION_KIND[conversation.type] ?? conversation.type;
    const about =
      conversation.type === 'group'
        ? `Group · ${plural(conversation.members.length, 'member')} · robots: ${(conversation.robots ?? []).map((code) => robotName(org, code)).join(', ') || 'none'}`
        : `${kind[0].toUpperCase()}${kind.slice(1)} chat between ${conversation.members.map((u) => userName(org, u)).join(' and ')} · cool app ${conversation.coolAppCode ?? 'none'}`;
    return { title: conversationTitle(org, conversation), about };
  }
  async function refresh() {
    const org = findOrg(await directory(), corpId);
    const { title, about } = describe(org);
    parts.title.textContent = title;
    // The id only when the title is not the id itself.
    parts.id.textContent = title === id ? '' : ` ${id}`;
    parts.about.textContent = about;
    await parts.messages.refresh(org);
    return { title, crumbs: [[org.name, `#/orgs/${enc(corpId)}`], [title, location.hash]] };
  }
  return {
    async load(root) {
      const org = findOrg(await directory(), corpId);
      describe(org);
      parts = {
        title: h('span'),
        id: h('span', { class: 'muted mono' }),
        about: h('p', { class: 'muted' }),
        messages: messageList({
          fixed: isRobot ? { robotCode: id } : { openConversationId: id },
          org,
          filters: { robot: !isRobot, chat: isRobot },
          empty: 'No messages here yet.',
        }),
      };
      root.append(
        h('h1', {}, parts.title, parts.id),
        parts.about,
        h('p', {}, h('a', { href: `#/orgs/${enc(corpId)}/chat/${what}/${enc(id)}` }, isRobot ? 'Chat with this robot as a user' : 'Open the chat, as a user')),
        card(isRobot ? 'Messages sent by this robot' : 'Messages in this conversation', parts.messages.element),
      );
      return refresh();
    },
    refresh,
    dispose: () => parts?.messages.dispose(),
  };
}
