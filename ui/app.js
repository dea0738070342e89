// dingread dashboard: pages over the control plane (/_dingread/v1) and the DingTalk API (/v1.0),
// as plain ES modules: no framework, no build step, nothing fetched from elsewhere.
//
//   lib/      the page's machinery: DOM helpers, server calls, the event stream, the router
//   parts/    pieces several pages use: the message list, the chart, the forms, the clock
//   views/    one file per page; a page is one line in ROUTES below (lib/router.js says what a view is)

import { forgetDirectory } from './lib/api.js';
import { connect, onEvent } from './lib/live.js';
import { refreshSoon, route, setRoutes } from './lib/router.js';
import { chatView } from './views/chat.js';
import { directoryView } from './views/directory.js';
import { historyView } from './views/history.js';
import { homeView } from './views/home.js';
import { loginView } from './views/login.js';
import { messageView } from './views/message.js';
import { orgView } from './views/org.js';

const ROUTES = [
  [/^#?\/?$/, () => homeView()],
  [/^#\/orgs\/([^/]+)$/, (corpId) => orgView(corpId)],
  [/^#\/orgs\/([^/]+)\/directory$/, (corpId) => directoryView(corpId)],
  [/^#\/orgs\/([^/]+)\/(conversations|robots)\/([^/]+)$/, (corpId, what, id) => historyView(corpId, what, id)],
  [/^#\/orgs\/([^/]+)\/chat\/(conversations|robots)\/([^/]+)$/, (corpId, what, id) => chatView(corpId, what, id)],
  [/^#\/messages\/([^/]+)$/, (key) => messageView(key)],
];

setRoutes(ROUTES, loginView);

onEvent((type, data) => {
  // The first `ready` only says the stream is up: the page was just loaded. After a reconnect,
  // anything may have happened meanwhile.
  if (type === 'ready' && !data.reconnected) return;
  if (type === 'changed' || type === 'ready') forgetDirectory();
  refreshSoon();
});

// The skip link moves focus to the content; followed as a link, it would change the page's address.
document.querySelector('.skip').addEventListener('click', (event) => {
  event.preventDefault();
  document.getElementById('main').focus();
});

window.addEventListener('hashchange', route);
connect();
route();
