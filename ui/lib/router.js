// Pages by the address's hash. A view is made for each visit:
//
//   const view = { async load(root) { …build into root…; return { title, crumbs } },
//                  async refresh() { …update in place…; return { title, crumbs } },   // optional
//                  dispose() { …stop timers… } };                                     // optional
//
// load() fetches and builds the page off-screen; it is shown once loaded, with its title and
// breadcrumbs, so both always come from the page on screen. refresh() runs on live events and
// updates what is there without rebuilding it (focus and what was typed stay).

import { HttpError, PageError } from './api.js';
import { h } from './dom.js';

const main = document.getElementById('main');
const crumbsEl = document.getElementById('crumbs');
const HOME = ['Organizations', '#/'];

let routes = [];
let current;
let busy = 0;
let loginView;
let firstRoute = true;

/** `table`: [[/^#\/pattern$/, (...captures) => view], …]; `login(error)` builds the sign-in page. */
export function setRoutes(table, login) {
  routes = table;
  loginView = login;
}

/** aria-busy on the content while a page loads or updates, so that assistive technology waits for it to settle. */
async function whileBusy(work) {
  busy += 1;
  main.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    busy -= 1;
    if (busy === 0) main.removeAttribute('aria-busy');
  }
}

function setPage({ title, crumbs }) {
  const trail = [HOME, ...crumbs];
  crumbsEl.replaceChildren(
    ...trail.map(([label, href], i) =>
      h('li', {}, i === trail.length - 1 ? h('span', { 'aria-current': 'page' }, label) : h('a', { href }, label)),
    ),
  );
  document.title = `${title} · dingread`;
}

export async function route() {
  current?.view?.dispose?.();
  const hash = location.hash || '#/';
  const found = routes.map(([pattern, make]) => [pattern.exec(hash), make]).find(([match]) => match);
  const state = { view: undefined, loaded: false, refreshWanted: false };
  current = state;
  if (!found) {
    showPage({ title: 'Not found', crumbs: [['Not found', hash]] }, h('h1', {}, 'Not found'), h('p', {}, 'No page has this address. ', h('a', { href: '#/' }, 'See the organizations.')));
  } else {
    const [match, make] = found;
    const root = h('div');
    try {
      state.view = make(...match.slice(1).map(decodeURIComponent));
      const page = await whileBusy(() => state.view.load(root));
      if (current !== state) return;
      main.replaceChildren(root);
      setPage(page);
      state.loaded = true;
    } catch (error) {
      if (current !== state) return;
      showError(error);
    }
  }
  // After a navigation, focus moves to the new content, as a page load would put it at the top.
  if (!firstRoute && state.loaded && current === state) main.focus({ preventScroll: true });
  firstRoute = false;
  if (state.refreshWanted) refresh();
}

/** Brings the page on screen up to date (live events); a page still loading does so once loaded. */
export async function refresh() {
  const state = current;
  if (!state) return;
  if (!state.loaded) {
    state.refreshWanted = true;
    return;
  }
  state.refreshWanted = false;
  if (!state.view.refresh) return;
  try {
    const page = await whileBusy(() => state.view.refresh());
    if (current === state && page) setPage(page);
  } catch (error) {
    if (current !== state) return;
    state.loaded = false;
    showError(error);
  }
}

let refreshTimer;
/** refresh(), once for a burst of events. */
export function refreshSoon() {
  if (refreshTimer) return;
  whileBusy(
    () =>
      new Promise((resolve) => {
        refreshTimer = setTimeout(() => {
          refreshTimer = undefined;
          refresh().then(resolve);
        }, 200);
      }),
  );
}

function showPage(page, ...content) {
  main.replaceChildren(...content);
  setPage(page);
}

function showError(error) {
  if (error instanceof HttpError && (error.status === 401 || error.status === 403)) {
    showPage({ title: 'Sign in', crumbs: [['Sign in', location.hash || '#/']] }, loginView(error));
    main.querySelector('input')?.focus();
    return;
  }
  const title = error instanceof PageError ? error.title : 'Something went wrong';
  showPage(
    { title, crumbs: [[title, location.hash || '#/']] },
    h('h1', {}, title),
    h('p', { class: 'error', role: 'alert' }, String(error.message ?? error)),
    h('p', {}, h('a', { href: '#/' }, 'See the organizations.')),
  );
}
