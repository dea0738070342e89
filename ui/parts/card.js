// An interactive card as a phone shows it, drawn from its data (docs/cards.md): a title, its
// markdown, where a streamed variable is, and the buttons a simulated user can press (POST
// /cards/{outTrackId}/actions, which calls the bot back through Stream mode). Used by the chat
// and by the message page for the robot messages that carry cards (msgKey `interactiveCard`).
// Markdown is drawn with text nodes only (headings, bold, list items): card data is the bot's, untrusted.

import { admin } from '../lib/api.js';
import { enc, h } from '../lib/dom.js';

/** The msgKey of the robot message that carries a card. */
export const CARD_MSG_KEY = 'interactiveCard';

const TITLE_KEYS = ['title', 'header', 'cardTitle'];
const BODY_KEYS = ['content', 'markdown', 'msgContent', 'text', 'body'];
const STATE_TEXT = { inputting: 'writing…', finished: 'done', failed: 'failed' };
const PRESS_TEXT = {
  delivered: 'sent to its bot',
  noConnection: 'no bot connected: not delivered',
  noCallback: 'this card calls no bot back',
};

/** What the last press of each card answered, by outTrackId: a card is drawn again on every refresh. */
const lastPress = new Map();

const firstOf = (data, keys) => keys.map((key) => data[key]).find((value) => typeof value === 'string' && value !== '');

/** One line of markdown: `**bold**` runs as <strong>, the rest as text. */
function inline(line) {
  return line.split(/(\*\*[^*]+\*\*)/).filter(Boolean).map((run) => (run.startsWith('**') && run.endsWith('**') && run.length > 4 ? h('strong', {}, run.slice(2, -2)) : run));
}

function markdown(text) {
  return text.split('\n').map((line) => {
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) return h('p', { class: 'card-heading' }, ...inline(heading[2]));
    const item = /^\s*[-*]\s+(.*)$/.exec(line);
    if (item) return h('p', { class: 'card-item' }, '• ', ...inline(item[1]));
    return h('p', {}, ...inline(line));
  });
}

/**
 * Draws `view` (GET /cards/… or /messages/…/card) into `box`, as `userId` sees it (their private
 * data over the card's). `userId()` is asked when a button is pressed: who presses it.
 */
export function drawCard(box, view, userId) {
  const seenBy = userId();
  const data = { ...view.cardData, ...(seenBy ? (view.privateData[seenBy] ?? {}) : {}) };
  const title = firstOf(data, TITLE_KEYS) ?? view.templateName ?? 'Card';
  const body = firstOf(data, BODY_KEYS);
  const states = Object.entries(view.streaming).map(([key, state]) => `${key}: ${STATE_TEXT[state] ?? state}`);
  const result = h('p', { class: 'card-result muted', role: 'status' }, lastPress.get(view.outTrackId) ?? '');
  const press = async (button) => {
    const who = userId();
    try {
      const answer = await admin('POST', `/cards/${enc(view.outTrackId)}/actions`, {
        corpId: view.corpId,
        userId: who,
        actionId: button.actionId,
        ...(button.params ? { params: button.params } : {}),
      });
      result.textContent = `${who} pressed “${button.text}”: ${PRESS_TEXT[answer.status] ?? answer.status}`;
      lastPress.set(view.outTrackId, result.textContent);
    } catch (error) {
      result.textContent = error.message;
    }
  };
  box.classList.add('im-card');
  box.dataset.outTrackId = view.outTrackId;
  box.replaceChildren(
    h('p', { class: 'card-title' }, title),
    body === undefined ? null : h('div', { class: 'card-body' }, ...markdown(body)),
    states.length ? h('p', { class: 'card-state muted' }, states.join(' · ')) : null,
    view.buttons.length
      ? h('div', { class: 'card-buttons' }, ...view.buttons.map((button) => h('button', { type: 'button', class: 'secondary small', onclick: () => press(button) }, button.text)))
      : null,
    result,
  );
}

/**
 * Shows in `box` the card a robot message carries, fetched again each time (a card changes while
 * it streams). A message that carries none shows its text instead.
 */
export async function showCarriedCard(box, processQueryKey, userId, fallback) {
  try {
    drawCard(box, await admin('GET', `/messages/${enc(processQueryKey)}/card`), userId);
  } catch {
    box.classList.remove('im-card');
    box.textContent = fallback;
  }
}
