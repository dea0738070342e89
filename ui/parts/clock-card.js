// Buttons that move the server clock through the control plane.

import { admin } from '../lib/api.js';
import { card, formatTime, h } from '../lib/dom.js';
import { clockMode, serverNow, setClock, toast } from '../lib/live.js';

const MOVES = [
  [{ advanceMs: 60_000 }, '+1 minute', 'Clock moved 1 minute on'],
  [{ advanceMs: 3_600_000 }, '+1 hour', 'Clock moved 1 hour on'],
  [{ advanceMs: 25 * 3_600_000 }, '+25 hours', 'Clock moved 25 hours on'],
  [{ mode: 'system' }, 'System time', 'Clock follows system time'],
];

export function clockCard() {
  const state = h('p', { class: 'mono' });
  const paint = () => {
    state.textContent = `${formatTime(serverNow())} (${clockMode()})`;
  };
  const move = (body, said) => async () => {
    try {
      setClock(await admin('POST', '/clock', body));
      toast(said);
      paint();
    } catch (error) {
      toast(error.message);
    }
  };
  const element = card(
    'Server clock',
    state,
    h('div', { class: 'buttons' }, ...MOVES.map(([body, label, said]) => h('button', { type: 'button', class: 'secondary', onclick: move(body, said) }, label))),
    h('p', { class: 'muted' }, 'Moving the clock stops it; queries answer processQueryKey.expireTime 24 hours after a send.'),
  );
  return {
    element,
    async refresh() {
      setClock(await admin('GET', '/clock'));
      paint();
    },
  };
}
