// Building and updating the page. Everything shown goes through text nodes and attributes, never
// innerHTML: message contents come from bots and are untrusted.

/** h('a', {href: '#/'}, 'text', child…): an element; strings become text nodes, `on…` attributes listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== undefined && child !== null && child !== false) el.append(child);
  return el;
}

export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  for (const child of children) el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return el;
}

export const enc = encodeURIComponent;

/** `1 robot`, `2 robots`, `1,250 messages`. */
export function plural(n, one, many = `${one}s`) {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

const pad = (n) => String(n).padStart(2, '0');
/** `2025-03-04` in the browser's time zone. */
export function formatDay(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
/** `10:02:03`. */
export function formatClock(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
/** `2025-03-04 10:02:03`. */
export function formatTime(ms) {
  return ms === null || ms === undefined ? '' : `${formatDay(ms)} ${formatClock(ms)}`;
}

let cards = 0;
/** A titled section; its heading names it for assistive technology. */
export function card(title, ...children) {
  cards += 1;
  const id = `card-${cards}`;
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

/** A table with column headings; `rows` are arrays of cells. With no rows, one row says `empty`. */
export function table(heads, rows, empty) {
  const body = rows.length
    ? rows.map((cells) => h('tr', {}, ...cells.map((cell) => h('td', {}, cell))))
    : [h('tr', {}, h('td', { colspan: heads.length, class: 'muted empty' }, empty))];
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', {}, h('thead', {}, h('tr', {}, ...heads.map((head) => h('th', { scope: 'col' }, head)))), h('tbody', {}, ...body)),
  );
}

/**
 * Makes the children of `parent` the elements for `items`, in order, reusing the element made
 * before for the same key (`data-key`) and only bringing it up to date: what stays keeps keyboard
 * focus, and new items are inserted around it. Children without a key of `items` go.
 */
export function reconcile(parent, items, keyOf, create, update) {
  const active = document.activeElement;
  const old = new Map();
  for (const el of parent.children) if (el.dataset.key !== undefined) old.set(el.dataset.key, el);
  const wanted = items.map((item) => {
    const key = String(keyOf(item));
    let el = old.get(key);
    if (el) old.delete(key);
    else {
      el = create(item);
      el.dataset.key = key;
    }
    update(el, item);
    return el;
  });
  const keep = new Set(wanted);
  for (const el of [...parent.children]) if (!keep.has(el)) el.remove();
  let cursor = parent.firstElementChild;
  for (const el of wanted) {
    if (el === cursor) cursor = cursor.nextElementSibling;
    else parent.insertBefore(el, cursor);
  }
  // Moving an element blurs what it holds: give focus back to what had it.
  if (active && active !== document.activeElement && active.isConnected && parent.contains(active)) active.focus({ preventScroll: true });
}

/** Sets a select's options to `options` ([{value, label}]), keeping the choice when it is still there. */
export function syncOptions(select, options) {
  const chosen = select.value;
  const same = select.options.length === options.length && options.every((o, i) => select.options[i].value === o.value && select.options[i].text === o.label);
  if (same) return;
  select.replaceChildren(...options.map((o) => h('option', { value: o.value }, o.label)));
  if (options.some((o) => o.value === chosen)) select.value = chosen;
}

/** Briefly highlights an element that changed (the animation restarts on each change). */
export function flash(el) {
  el.classList.remove('fresh');
  void el.offsetWidth;
  el.classList.add('fresh');
}

/** Fills a list with links, each followed by a muted note, in place (reconcile); `empty` says there are none. */
export function linkList(list, items, { key, href, label, note, empty }) {
  reconcile(
    list,
    items,
    key,
    () => h('li', {}, h('a', {}), h('span', { class: 'muted' })),
    (li, item) => {
      const link = li.querySelector('a');
      link.href = href(item);
      link.textContent = label(item);
      li.querySelector('span').textContent = ` ${note(item)}`;
    },
  );
  if (items.length === 0) list.replaceChildren(h('li', { class: 'muted empty' }, empty));
}
