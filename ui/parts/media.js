// Files a message carries (docs/media.md), for the message and chat views: images inline, other
// files as links that download them. The bytes come from the control plane
// (GET /files/{fileId}/content) with the admin token when the page has one, so they are fetched
// here and shown from blob: URLs (an <img src> could not carry the token). Each file is fetched
// once per page load, however often a live update repaints the message.

import { adminToken } from '../lib/api.js';
import { h } from '../lib/dom.js';

/** fileId → a promise of its blob: URL. */
const blobs = new Map();

function blobUrl(file) {
  let url = blobs.get(file.fileId);
  if (!url) {
    const token = adminToken.get();
    url = fetch(file.contentUrl, { headers: token ? { authorization: `Bearer ${token}` } : {} }).then(async (response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return URL.createObjectURL(await response.blob());
    });
    url.catch(() => blobs.delete(file.fileId));
    blobs.set(file.fileId, url);
  }
  return url;
}

const KIND = { image: 'Image', voice: 'Voice', video: 'Video', file: 'File' };

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A link that downloads the file; its name and size say what it is. */
function fileLink(file) {
  const link = h('a', { href: '#', class: 'file-link', download: file.fileName }, `${file.fileName} (${KIND[file.type] ?? file.type}, ${size(file.size)})`);
  link.addEventListener('click', async (event) => {
    if (link.getAttribute('href') !== '#') return;
    event.preventDefault();
    try {
      link.href = await blobUrl(file);
      link.click();
    } catch {
      link.textContent = `${file.fileName}: could not be fetched`;
    }
  });
  return link;
}

function image(file) {
  const img = h('img', { class: 'media-image', alt: file.fileName });
  blobUrl(file).then(
    (url) => {
      img.src = url;
    },
    () => img.replaceWith(fileLink(file)),
  );
  return h('figure', { class: 'media' }, img, h('figcaption', {}, fileLink(file)));
}

/** The files as elements: an image inline with a link under it, anything else as a link. */
export function mediaParts(files) {
  return (files ?? []).map((file) => (file.type === 'image' && file.contentType.startsWith('image/') ? image(file) : h('p', { class: 'media' }, fileLink(file))));
}

/**
 * Shows `files` in `container`, rebuilding it only when the files change (a live repaint of the
 * same message keeps the elements, and whatever has focus among them).
 */
export function showMedia(container, files) {
  const key = (files ?? []).map((file) => file.fileId).join(' ');
  if (container.dataset.files === key) return;
  container.dataset.files = key;
  container.hidden = key === '';
  container.replaceChildren(...mediaParts(files));
}
