// Asked for when the control plane refuses the page: the admin token, kept in this tab only.

import { adminToken } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { connect, disconnect } from '../lib/live.js';
import { route } from '../lib/router.js';

export function loginView(error) {
  const loopbackOnly = error.status === 403;
  disconnect(loopbackOnly ? 'not allowed' : 'signed out');
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'current-password', required: true });
  const form = h(
    'form',
    {
      class: 'stack card',
      onsubmit: (event) => {
        event.preventDefault();
        adminToken.set(input.value);
        connect();
        route();
      },
    },
    h('label', { for: 'token' }, 'Admin token', input),
    h('p', { class: 'muted' }, 'The token the server was started with (--admin-token). It is kept in this tab only.'),
    h('div', {}, h('button', { type: 'submit' }, 'Sign in')),
  );
  const reason = loopbackOnly
    ? 'This server answers its control plane on loopback addresses only. Open the dashboard from the machine it runs on.'
    : adminToken.get()
      ? 'That admin token was not accepted.'
      : 'This server needs its admin token.';
  return h('div', {}, h('h1', {}, 'Sign in'), h('p', { role: 'alert' }, reason), loopbackOnly ? null : form);
}
