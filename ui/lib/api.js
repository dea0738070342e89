// Talking to the server: the control plane (/_dingread/v1), with the admin token when the page
// has one, and the DingTalk API (/v1.0) for sends. The directory is fetched once and kept until
// the event stream says it changed. And the words the pages use for what the server answers.

const TOKEN_KEY = 'dingread.adminToken';

export const adminToken = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (token) => sessionStorage.setItem(TOKEN_KEY, token),
};

export class HttpError extends Error {
  constructor(status, code, message) {
    super(`${code}: ${message}`);
    this.status = status;
    this.code = code;
  }
}

/** A page that cannot be shown, with the words to say why. */
export class PageError extends Error {
  constructor(title, message) {
    super(message);
    this.title = title;
  }
}

export async function http(method, path, body, headers = {}) {
  const init = { method, headers: { accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { code: `HTTP${response.status}`, message: text.slice(0, 200) };
  }
  if (!response.ok) throw new HttpError(response.status, parsed.code ?? `HTTP${response.status}`, parsed.message ?? '');
  return parsed;
}

/** A control-plane call, with the admin token when the page has one. */
export function admin(method, path, body) {
  const token = adminToken.get();
  return http(method, `/_dingread/v1${path}`, body, token ? { authorization: `Bearer ${token}` } : {});
}

let directoryAnswer;
/** The whole directory (GET /fixtures), fetched once until forgetDirectory(). */
export function directory() {
  directoryAnswer ??= admin('GET', '/fixtures').catch((error) => {
    directoryAnswer = undefined;
    throw error;
  });
  return directoryAnswer;
}
export function forgetDirectory() {
  directoryAnswer = undefined;
}

export function findOrg(doc, corpId) {
  const org = doc.orgs.find((o) => o.corpId === corpId);
  if (!org) throw new PageError('No such organization', `This server has no organization ${corpId}.`);
  return org;
}

const userNames = new WeakMap();
/** The user's name in the org, or the userId. */
export function userName(org, userId) {
  let names = userNames.get(org);
  if (!names) userNames.set(org, (names = new Map(org.users.map((u) => [u.userId, u.name ?? u.userId]))));
  return names.get(userId) ?? userId;
}

export function robotName(org, robotCode) {
  return org?.robots.find((r) => r.robotCode === robotCode)?.name ?? robotCode;
}

/** What a conversation is called: its title, or for a person-to-person chat the two people in it. */
export function conversationTitle(org, conversation) {
  if (conversation.title) return conversation.title;
  if (conversation.type === 'private' && org) return conversation.members.map((userId) => userName(org, userId)).join(' and ');
  return conversation.openConversationId;
}

export function conversationOf(org, openConversationId) {
  return org?.conversations.find((c) => c.openConversationId === openConversationId);
}

/** One word for each kind, everywhere: the fixture's `private` is a person-to-person chat. */
export const CONVERSATION_KIND = { group: 'group', private: 'person-to-person' };
export const MESSAGE_KIND = { oto: 'one-on-one', group: 'group', privateChat: 'person-to-person' };

/** A robot's state in words. */
export function robotState(robot) {
  if (robot.status === 'stopped') return 'stopped';
  if (robot.templateStatus === 'stopped') return 'active, message template stopped';
  if (robot.templateStatus === 'missing') return 'active, no message template';
  return 'active';
}

/** What a message says, in one line, from its msgParam JSON: a markdown title without its markdown. */
export function preview(message) {
  try {
    const p = JSON.parse(message.msgParam);
    if (typeof p.content === 'string' && p.content.trim()) return p.content;
    const line = String(p.title ?? p.text ?? p.fileName ?? message.msgKey);
    // Titles and texts of markdown messages: `# **Release**` reads as `Release`, as a chat list shows it.
    return line.split('\n')[0].replace(/^\s{0,3}#{1,6}\s+/, '').replace(/\*\*|__|`/g, '').trim() || message.msgKey;
  } catch {
    return message.msgKey;
  }
}
