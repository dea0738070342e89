// An organization's directory: users (with a filter), apps, robots, conversations. It follows
// directory changes live (dingread seed, POST /fixtures); what was typed in the filter stays.

import { conversationTitle, CONVERSATION_KIND, directory, findOrg, robotName, robotState } from '../lib/api.js';
import { card, enc, h, plural, table } from '../lib/dom.js';

const SHOWN_USERS = 500;

export function directoryView(corpId) {
  const filter = h('input', { id: 'user-filter', type: 'search', placeholder: 'name or userId', autocomplete: 'off' });
  const heading = h('h1');
  const usersCount = h('p', { class: 'muted', id: 'users-count' });
  const usersBody = h('tbody');
  const others = h('div');
  let org;

  function paintUsers() {
    const term = filter.value.trim().toLowerCase();
    const users = org.users.filter((u) => !term || u.userId.toLowerCase().includes(term) || (u.name ?? '').toLowerCase().includes(term));
    usersBody.replaceChildren(
      ...users.slice(0, SHOWN_USERS).map((u) => h('tr', {}, h('td', {}, u.name ?? u.userId), h('td', { class: 'mono' }, u.userId))),
    );
    if (users.length === 0) {
      const why = org.users.length === 0 ? 'This organization has no users.' : `No user’s name or userId contains “${filter.value.trim()}”.`;
      usersBody.replaceChildren(h('tr', {}, h('td', { colspan: 2, class: 'muted empty' }, why)));
    }
    const shown = Math.min(users.length, SHOWN_USERS);
    usersCount.textContent = term
      ? `${plural(users.length, 'user')} of ${org.users.length.toLocaleString('en')} match${shown < users.length ? `, the first ${shown} shown` : ''}.`
      : `${plural(org.users.length, 'user')}${shown < users.length ? `, the first ${shown} shown` : ''}.`;
  }
  filter.addEventListener('input', paintUsers);

  async function refresh() {
    org = findOrg(await directory(), corpId);
    heading.textContent = `${org.name}: directory`;
    paintUsers();
    const mono = (text) => h('span', { class: 'mono' }, text);
    others.replaceChildren(
      h(
        'div',
        { class: 'grid' },
        card('Apps', table(['appKey', 'scopes'], org.apps.map((a) => [mono(a.appKey), (a.scopes ?? []).join(', ')]), 'No apps.')),
        card('Robots', table(['robotCode', 'name', 'state'], org.robots.map((r) => [mono(r.robotCode), r.name, robotState(r)]), 'No robots.')),
      ),
      card(
        'Conversations',
        table(
          ['title', 'kind', 'members', 'robots or cool app', 'openConversationId'],
          org.conversations.map((c) => [
            conversationTitle(org, c),
            CONVERSATION_KIND[c.type] ?? c.type,
            String(c.members.length),
            c.type === 'group'
              ? [...(c.robots ?? []).map((code) => robotName(org, code)), ...(c.webhookRobots ?? []).map((w) => `${w.name} (webhook)`)].join(', ') || 'none'
              : (c.coolAppCode ?? ''),
            mono(c.openConversationId),
          ]),
          'No conversations.',
        ),
      ),
    );
    return { title: `${org.name}: directory`, crumbs: [[org.name, `#/orgs/${enc(corpId)}`], ['Directory', location.hash]] };
  }

  return {
    async load(root) {
      const page = await refresh();
      root.append(
        heading,
        card(
          'Users',
          h('label', { for: 'user-filter' }, 'Filter users', filter),
          usersCount,
          h(
            'div',
            { class: 'table-wrap' },
            h('table', { 'aria-describedby': 'users-count' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'userId'))), usersBody),
          ),
        ),
        others,
      );
      return page;
    },
    refresh,
  };
}
