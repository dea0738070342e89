// The organizations, and the server clock.

import { directory } from '../lib/api.js';
import { enc, h, linkList, plural } from '../lib/dom.js';
import { clockCard } from '../parts/clock-card.js';

export function homeView() {
  const list = h('ul', { class: 'plain orgs', 'aria-labelledby': 'home-title' });
  const clock = clockCard();
  async function refresh() {
    const [doc] = await Promise.all([directory(), clock.refresh()]);
    linkList(list, doc.orgs, {
      key: (org) => org.corpId,
      href: (org) => `#/orgs/${enc(org.corpId)}`,
      label: (org) => org.name,
      note: (org) => `${org.corpId} · ${plural(org.users.length, 'user')} · ${plural(org.robots.length, 'robot')} · ${plural(org.conversations.length, 'conversation')}`,
      empty: 'No organizations yet: load a fixture (dingread seed FILE, or POST /_dingread/v1/fixtures), or start the server with --demo.',
    });
    return { title: 'Organizations', crumbs: [] };
  }
  return {
    async load(root) {
      root.append(h('h1', { id: 'home-title' }, 'Organizations'), h('section', { class: 'card' }, list), clock.element);
      return refresh();
    },
    refresh,
  };
}
