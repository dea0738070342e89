// Cumulative reads against time, as an inline SVG step line drawn at the size it is shown, so
// that its labels keep their size on a phone. The time axis says the day as well as the hour.

import { formatClock, formatDay, h, svg } from '../lib/dom.js';
import { serverNow } from '../lib/live.js';

const HEIGHT = 220;
const MIN_WIDTH = 260;

/** The chart for a message; `update(message)` draws it again, as does a change of width. */
export function readChart() {
  const element = h('div', { class: 'chart' });
  let message;
  let width = 0;
  const draw = () => {
    if (!message) return;
    width = Math.max(MIN_WIDTH, Math.round(element.clientWidth));
    element.replaceChildren(drawing(message, width));
  };
  new ResizeObserver(() => {
    if (Math.max(MIN_WIDTH, Math.round(element.clientWidth)) !== width) draw();
  }).observe(element);
  return {
    element,
    update(next) {
      message = next;
      draw();
    },
  };
}

function drawing(m, W) {
  const times = m.recipients.map((r) => r.readAt).filter((t) => t !== null).sort((a, b) => a - b);
  const H = HEIGHT, L = 44, R = 12, T = 14, B = 40;
  const start = m.sentAt;
  const end = Math.max(start + 60_000, times.at(-1) ?? start, Math.min(serverNow(), (times.at(-1) ?? start) + 3_600_000));
  const max = Math.max(m.recipientCount, 1);
  const x = (t) => L + ((t - start) / (end - start)) * (W - L - R);
  const y = (n) => H - B - (n / max) * (H - T - B);
  let d = `M${x(start)},${y(0)}`;
  times.forEach((t, i) => {
    d += ` L${x(t)},${y(i)} L${x(t)},${y(i + 1)}`;
  });
  d += ` L${x(end)},${y(times.length)}`;
  const area = `${d} L${x(end)},${y(0)} Z`;
  const label = times.length
    ? `Reads over time: ${times.length} of ${m.recipientCount} read, the first at ${formatDay(times[0])} ${formatClock(times[0])}, the latest at ${formatDay(times.at(-1))} ${formatClock(times.at(-1))}`
    : `Reads over time: nobody has read it yet (${m.recipientCount} recipients)`;
  const text = (x0, y0, anchor, s) => svg('text', { x: x0, y: y0, 'text-anchor': anchor }, s);
  const sameDay = formatDay(start) === formatDay(end);
  return svg(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': label },
    svg('title', {}, label),
    svg('line', { class: 'grid-line', x1: L, x2: W - R, y1: y(max), y2: y(max) }),
    svg('line', { class: 'grid-line', x1: L, x2: W - R, y1: y(max / 2), y2: y(max / 2) }),
    svg('line', { class: 'axis', x1: L, x2: W - R, y1: y(0), y2: y(0) }),
    svg('line', { class: 'axis', x1: L, x2: L, y1: y(0), y2: y(max) }),
    svg('path', { class: 'area', d: area }),
    svg('path', { class: 'line', d }),
    text(L - 6, y(0) + 4, 'end', '0'),
    text(L - 6, y(max) + 4, 'end', String(m.recipientCount)),
    text(L - 6, y(max / 2) + 4, 'end', String(Math.round(max / 2))),
    // Two lines under each end of the axis: the day, then the time.
    text(L, H - B + 16, 'start', `sent ${formatClock(start)}`),
    text(L, H - B + 32, 'start', formatDay(start)),
    text(W - R, H - B + 16, 'end', formatClock(end)),
    text(W - R, H - B + 32, 'end', sameDay ? 'same day' : formatDay(end)),
  );
}
