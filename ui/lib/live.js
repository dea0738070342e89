// What changes by itself: the control plane's event stream (GET /_dingread/v1/events), the server
// clock, and the words that tell a person, or their screen reader, that something changed.

import { admin, adminToken, HttpError } from './api.js';
import { formatTime } from './dom.js';

const EVENTS_PATH = '/_dingread/v1/events';
const ADMIN_COOKIE = 'dingread_admin';
const EVENT_TYPES = ['sent', 'read', 'recalled', 'opened', 'changed', 'clock', 'userMessage', 'delivery', 'streamConnection', 'webhookMessage', 'card'];
const RETRY_MS = 2000;
/** setTimeout's longest delay; a later time is waited for in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

const liveEl = document.getElementById('live');
const clockEl = document.getElementById('clock');
const announceEl = document.getElementById('announce');
const toastEl = document.getElementById('toast');

const listeners = new Set();
let source;
let retryTimer;
let readyBefore = false;

/** Calls `listener(type, data)` for every event; `ready` carries `{reconnected}`. Answers the unsubscribe function. */
export function onEvent(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
function emit(type, data) {
  for (const listener of listeners) listener(type, data);
}

function setLive(on, text) {
  liveEl.classList.toggle('on', on);
  liveEl.textContent = text;
}

export function connect() {
  source?.close();
  clearTimeout(retryTimer);
  const token = adminToken.get();
  // EventSource sends no headers: the token goes in a cookie only the event stream receives.
  document.cookie = token
    ? `${ADMIN_COOKIE}=${encodeURIComponent(token)}; path=${EVENTS_PATH}; SameSite=Strict`
    : `${ADMIN_COOKIE}=; path=${EVENTS_PATH}; max-age=0; SameSite=Strict`;
  const stream = new EventSource(EVENTS_PATH);
  source = stream;
  setLive(false, 'connecting…');
  stream.addEventListener('ready', (event) => {
    setClock(JSON.parse(event.data).clock);
    setLive(true, 'live');
    emit('ready', { reconnected: readyBefore });
    readyBefore = true;
  });
  stream.addEventListener('error', () => {
    if (stream !== source) return;
    // An answer other than the stream (a refused token) closes it for good; a dropped one retries by itself.
    if (stream.readyState === EventSource.CLOSED) whyClosed(stream);
    else setLive(false, 'reconnecting…');
  });
  for (const type of EVENT_TYPES) {
    stream.addEventListener(type, (event) => {
      const data = JSON.parse(event.data);
      if (type === 'clock') setClock(data);
      emit(type, data);
    });
  }
}

/** The stream was refused: signed out, or the server is gone for now (then try again). */
async function whyClosed(stream) {
  try {
    await admin('GET', '/clock');
  } catch (error) {
    if (stream !== source) return;
    if (error instanceof HttpError && (error.status === 401 || error.status === 403)) {
      disconnect(error.status === 401 ? 'signed out' : 'not allowed');
      return;
    }
  }
  if (stream !== source) return;
  setLive(false, 'reconnecting…');
  retryTimer = setTimeout(connect, RETRY_MS);
}

/** Stops listening, saying why in the header (not "reconnecting…": nothing will reconnect). */
export function disconnect(why) {
  source?.close();
  source = undefined;
  clearTimeout(retryTimer);
  setLive(false, why);
}

// ------------------------------------------------------------------ the server clock

let clock;
export function setClock(state) {
  clock = { ...state, at: Date.now() };
  paintClock();
}
export function serverNow() {
  if (!clock) return Date.now();
  return clock.mode === 'manual' ? clock.nowMs : clock.nowMs + (Date.now() - clock.at);
}
export function clockMode() {
  return clock?.mode ?? 'system';
}
function paintClock() {
  if (clock) clockEl.textContent = `${formatTime(serverNow())}${clock.mode === 'manual' ? ' (manual clock)' : ''}`;
}
setInterval(paintClock, 1000);

/**
 * Calls `fn` when the server clock reaches `serverMs`, if it runs by itself (a manual clock only
 * moves when told, and that is an event). Answers the cancel function.
 */
export function atServerTime(serverMs, fn) {
  if (!Number.isFinite(serverMs) || clockMode() === 'manual') return () => {};
  let timer;
  const wait = () => {
    const delay = serverMs - serverNow();
    timer = setTimeout(delay > MAX_DELAY_MS ? wait : fn, Math.max(0, Math.min(delay, MAX_DELAY_MS)));
  };
  wait();
  return () => clearTimeout(timer);
}

// ------------------------------------------------------------------ telling people

/** Says `text` through the page's live region, for screen readers; focus stays where it is. */
export function announce(text) {
  // Emptied first, so that the same words said twice are read twice.
  announceEl.textContent = '';
  setTimeout(() => (announceEl.textContent = text), 50);
}

/** A short note at the bottom of the screen, announced too. */
export function toast(text) {
  toastEl.textContent = text;
  toastEl.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => toastEl.classList.remove('show'), 3000);
  announce(text);
}
