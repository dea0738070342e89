/**
 * Versioned schema for the SQLite store. Each entry moves the schema from version i to i+1; the
 * version lives in `PRAGMA user_version`. Never edit a shipped migration: append a new one.
 *
 * Why the tables look as they do (docs/data-model.md has the whole story):
 * - A group send writes one `messages` row, never one row per member: recipients are the
 *   `memberships` whose version interval holds the message's `member_version`.
 * - Opening a chat writes one `chat_opens` row (and moves `chat_cursors`), never one row per
 *   unread message: a message counts as read by an open whose `covers_below` is above its id.
 * - Every query path is an index range, so a page costs the same however much history there is.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
  CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  INSERT INTO counters (name, value) VALUES ('seq', 0);

  CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    corp_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
  );
  CREATE TABLE apps (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    app_key TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    token_generation INTEGER NOT NULL DEFAULT 0,
    token_expires_at INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    app_id INTEGER NOT NULL REFERENCES apps (id),
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE users (
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
  ) WITHOUT ROWID;
  CREATE TABLE robots (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    robot_code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    template_status TEXT NOT NULL,
    owner_app_key TEXT
  );
  CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    open_conversation_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    title TEXT,
    cool_app_code TEXT,
    member_version INTEGER NOT NULL DEFAULT 0,
    member_count INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE conversation_robots (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    robot_id INTEGER NOT NULL REFERENCES robots (id),
    PRIMARY KEY (conversation_id, robot_id)
  ) WITHOUT ROWID;
  -- A member belongs to every message sent while from_version <= member_version < to_version.
  CREATE TABLE memberships (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    user_id TEXT NOT NULL,
    from_version INTEGER NOT NULL,
    to_version INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id, from_version)
  ) WITHOUT ROWID;

  CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    process_query_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    app_id INTEGER NOT NULL REFERENCES apps (id),
    robot_id INTEGER NOT NULL REFERENCES robots (id),
    conversation_id INTEGER REFERENCES conversations (id),
    msg_key TEXT NOT NULL,
    msg_param TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    delivered_at INTEGER NOT NULL,
    member_version INTEGER,
    recipient_count INTEGER NOT NULL,
    recalled_at INTEGER,
    recall_seq INTEGER
  );
  CREATE INDEX messages_by_conversation ON messages (conversation_id, id);
  CREATE INDEX messages_by_robot ON messages (robot_id, id);
  CREATE INDEX messages_by_org ON messages (org_id, id);
  -- Recipients of oto messages only (at most 20 a message); conversations use memberships.
  CREATE TABLE message_recipients (
    message_id INTEGER NOT NULL REFERENCES messages (id),
    user_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (message_id, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX recipients_by_user ON message_recipients (user_id, message_id);
  CREATE TABLE reads (
    message_id INTEGER NOT NULL REFERENCES messages (id),
    user_id TEXT NOT NULL,
    read_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, user_id)
  ) WITHOUT ROWID;
  -- chat_key is 'c<conversation id>' or 'r<robot id>' (a user's one-on-one chat with a robot).
  -- An open happened at seq and read every message of the chat with an id below
  -- covers_below (what had been delivered by then); the cursor keeps the latest bound.
  CREATE TABLE chat_opens (
    chat_key TEXT NOT NULL,
    user_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    covers_below INTEGER NOT NULL,
    read_at INTEGER NOT NULL,
    PRIMARY KEY (chat_key, user_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE chat_cursors (
    chat_key TEXT NOT NULL,
    user_id TEXT NOT NULL,
    covers_below INTEGER NOT NULL,
    PRIMARY KEY (chat_key, user_id)
  ) WITHOUT ROWID;
  `,
  // Retention (core/retention.ts) deletes messages by age and chat opens that cover nothing left.
  `
  CREATE INDEX messages_by_sent_at ON messages (sent_at, id);
  CREATE INDEX chat_opens_by_covers_below ON chat_opens (covers_below);
  `,
  // Third-party suites (core/tokens.ts). An authorization is an app row of the org with suite_id
  // set, so messages and corp tokens keep their app foreign key; revoked keeps the row (messages
  // still point at it) but no token of it works.
  `
  CREATE TABLE suites (
    id INTEGER PRIMARY KEY,
    suite_key TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    ticket_hash TEXT,
    token_generation INTEGER NOT NULL DEFAULT 0,
    token_expires_at INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE suite_tokens (
    token_hash TEXT PRIMARY KEY,
    suite_id INTEGER NOT NULL REFERENCES suites (id),
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  ALTER TABLE apps ADD COLUMN suite_id INTEGER REFERENCES suites (id);
  ALTER TABLE apps ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0;
  CREATE UNIQUE INDEX apps_by_suite_and_org ON apps (suite_id, org_id);
  ALTER TABLE robots ADD COLUMN owner_suite_key TEXT;
  `,
  // Opening a chat counts what it marks from index entries alone (sql/reads.ts openCoverage): messages
  // by conversation with their member version (replacing messages_by_conversation, its prefix),
  // the few recalled ones and the few sent with a delivery delay apart, and a flag on the chat
  // cursor set by recordReads when the user has read messages past it one by one, so an open looks
  // for those reads only when there are some.
  `
  CREATE INDEX messages_open_scan ON messages (conversation_id, id, member_version);
  DROP INDEX messages_by_conversation;
  CREATE INDEX messages_recalled ON messages (conversation_id, id, member_version) WHERE recalled_at IS NOT NULL;
  CREATE INDEX messages_delayed ON messages (conversation_id, id) WHERE delivered_at > sent_at;
  ALTER TABLE chat_cursors ADD COLUMN reads_past_cover INTEGER NOT NULL DEFAULT 0;
  -- Reads written before the flag existed: flag every pair that has any (the key as rows.ts builds it).
  UPDATE chat_cursors SET reads_past_cover = 1;
  INSERT INTO chat_cursors (chat_key, user_id, covers_below, reads_past_cover)
    SELECT DISTINCT CASE WHEN m.conversation_id IS NULL THEN 'r' || m.robot_id ELSE 'c' || m.conversation_id END,
      r.user_id, 0, 1
    FROM reads r JOIN messages m ON m.id = r.message_id
    WHERE true
  ON CONFLICT (chat_key, user_id) DO NOTHING;
  `,
  // Stream mode and chats (core/store/stream.ts, core/store/chats.ts, docs/stream.md).
  // chat_entries: what users write (and, later, what custom webhook robots post), plus a note on
  // each robot message that came through a session webhook (message_id set; its seq is the
  // message's id). No foreign key to messages: entries are purged by age on their own.
  // Deliveries exist only until acknowledged or given up; tickets and session webhooks until they
  // are used or expire (batches of expired ones go with every new one).
  `
  CREATE TABLE chat_entries (
    seq INTEGER PRIMARY KEY,
    chat_key TEXT NOT NULL,
    chat_user_id TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    via TEXT NOT NULL,
    msg_id TEXT UNIQUE,
    sender_user_id TEXT,
    message_id INTEGER,
    msgtype TEXT NOT NULL,
    content TEXT NOT NULL,
    at TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX chat_entries_by_chat ON chat_entries (chat_key, chat_user_id, seq);
  CREATE INDEX chat_entries_by_created_at ON chat_entries (created_at);
  CREATE TABLE session_webhooks (
    token_hash TEXT PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    robot_id INTEGER NOT NULL REFERENCES robots (id),
    app_id INTEGER NOT NULL REFERENCES apps (id),
    conversation_id INTEGER REFERENCES conversations (id),
    user_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX session_webhooks_by_expiry ON session_webhooks (expires_at);
  CREATE TABLE stream_tickets (
    ticket_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    subscriptions TEXT NOT NULL,
    ua TEXT NOT NULL,
    local_ip TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX stream_tickets_by_expiry ON stream_tickets (expires_at);
  CREATE TABLE stream_connections (
    connection_id TEXT PRIMARY KEY,
    node_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    subscriptions TEXT NOT NULL,
    ua TEXT NOT NULL,
    local_ip TEXT NOT NULL,
    remote_address TEXT NOT NULL,
    connected_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX stream_connections_by_client ON stream_connections (client_id);
  CREATE INDEX stream_connections_by_node ON stream_connections (node_id);
  CREATE TABLE stream_deliveries (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    robot_code TEXT NOT NULL,
    msg_id TEXT NOT NULL,
    data TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    connection_id TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX stream_deliveries_due ON stream_deliveries (due_at, id);
  CREATE INDEX stream_deliveries_by_connection ON stream_deliveries (connection_id);
  `,
  // Custom (webhook) robots of groups (core/webhook-robots.ts, docs/webhook-robot.md): known by
  // their name in the group and found by their access token's hash. The secret is kept as given:
  // checking a signature needs it. What they post is a chat entry (via 'webhook') naming the robot
  // and its name then; the entries by robot and time are how DingTalk's per-minute limit is counted.
  `
  CREATE TABLE webhook_robots (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    secret TEXT,
    keywords TEXT NOT NULL,
    ip_ranges TEXT NOT NULL,
    throttled_until INTEGER NOT NULL DEFAULT 0,
    UNIQUE (conversation_id, name)
  );
  ALTER TABLE chat_entries ADD COLUMN webhook_robot_id INTEGER;
  ALTER TABLE chat_entries ADD COLUMN sender_name TEXT;
  CREATE INDEX chat_entries_by_webhook_robot ON chat_entries (webhook_robot_id, created_at) WHERE webhook_robot_id IS NOT NULL;
  `,
  // Interactive cards (core/store/cards.ts, docs/cards.md). A card belongs to the app that made it;
  // its deliveries name the robot message that carries each (carrier_id, a processQueryKey), with
  // no foreign key to messages: messages are purged by age, cards are not. Guids of applied
  // streaming pieces are kept on the card (the last few), so a piece sent twice lands once.
  `
  CREATE TABLE card_templates (
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    template_id TEXT NOT NULL,
    name TEXT NOT NULL,
    buttons TEXT NOT NULL,
    PRIMARY KEY (org_id, template_id)
  ) WITHOUT ROWID;
  CREATE TABLE cards (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    app_id INTEGER NOT NULL REFERENCES apps (id),
    client_id TEXT NOT NULL,
    out_track_id TEXT NOT NULL,
    template_id TEXT NOT NULL,
    card_data TEXT NOT NULL,
    private_data TEXT NOT NULL,
    callback_type TEXT,
    callback_route_key TEXT,
    streaming TEXT NOT NULL,
    stream_guids TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, out_track_id)
  );
  CREATE TABLE card_deliveries (
    id INTEGER PRIMARY KEY,
    card_id INTEGER NOT NULL REFERENCES cards (id),
    space_type TEXT NOT NULL,
    space_id TEXT NOT NULL,
    conversation_id INTEGER REFERENCES conversations (id),
    robot_id INTEGER REFERENCES robots (id),
    carrier_id TEXT,
    delivered_at INTEGER NOT NULL
  );
  CREATE INDEX card_deliveries_by_card ON card_deliveries (card_id, id);
  CREATE INDEX card_deliveries_by_carrier ON card_deliveries (carrier_id);
  `,
  // Media (store/media.ts): uploaded files and files users send. The bytes of a file store live in
  // a folder beside the database file; media_content holds them for the in-memory store only.
  `
  CREATE TABLE media (
    id INTEGER PRIMARY KEY,
    media_id TEXT NOT NULL UNIQUE,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    app_id INTEGER,
    download_code TEXT UNIQUE,
    type TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX media_by_created_at ON media (created_at);
  CREATE TABLE media_content (
    media_id INTEGER PRIMARY KEY REFERENCES media (id),
    bytes BLOB NOT NULL
  );
  CREATE TABLE message_media (
    message_id INTEGER NOT NULL REFERENCES messages (id),
    media_id INTEGER NOT NULL REFERENCES media (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (message_id, media_id)
  ) WITHOUT ROWID;
  CREATE INDEX message_media_by_media ON message_media (media_id);
  `,
  // A reader page looks for openers among the chat's cursors that cover something: explicit reads
  // leave a cursor per reader as a flag (covers_below 0), which the page would otherwise walk past.
  `
  CREATE INDEX chat_cursors_covering ON chat_cursors (chat_key, user_id) WHERE covers_below > 0;
  `,
  // How many times each chat's read-status answers changed, in stripes (sql/unit.ts answersChanged):
  // a node keeping an answer checks its chat's sum instead of reading the answer again.
  `
  CREATE TABLE answer_stamps (
    chat_key TEXT NOT NULL,
    stripe INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (chat_key, stripe)
  ) WITHOUT ROWID;
  `,
  // The chat (its conversation, or a robot's one-on-one chats: rows.ts chatKeyOfMessage) leads the keys
  // of every traffic table, as in postgres/migrations.ts, where the reason is. A message's
  // recipients, reads and media are rebuilt with it leading their keys; messages gets it as a
  // column with a default of '' (a NOT NULL column cannot be added without one; every send writes it).
  `
  ALTER TABLE messages ADD COLUMN chat_key TEXT NOT NULL DEFAULT '';
  UPDATE messages SET chat_key = CASE WHEN conversation_id IS NULL THEN 'r' || robot_id ELSE 'c' || conversation_id END;
  CREATE UNIQUE INDEX messages_by_chat ON messages (chat_key, id);
  -- An open's count reads index entries only (sql/reads.ts openCoverage), now by the chat's key.
  DROP INDEX messages_open_scan;
  DROP INDEX messages_recalled;
  DROP INDEX messages_delayed;
  CREATE INDEX messages_open_scan ON messages (chat_key, id, member_version);
  CREATE INDEX messages_recalled ON messages (chat_key, id, member_version) WHERE recalled_at IS NOT NULL;
  CREATE INDEX messages_delayed ON messages (chat_key, id) WHERE delivered_at > sent_at;
  -- An open first asks whether its chat has a message sent after the clock (a clock set back).
  -- Retention keeps messages_by_sent_at: it picks the oldest messages of every chat.
  CREATE INDEX messages_by_chat_and_sent_at ON messages (chat_key, sent_at);

  CREATE TABLE message_recipients_new (
    message_id INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    chat_key TEXT NOT NULL,
    PRIMARY KEY (chat_key, message_id, user_id),
    FOREIGN KEY (chat_key, message_id) REFERENCES messages (chat_key, id)
  ) WITHOUT ROWID;
  INSERT INTO message_recipients_new (message_id, user_id, position, chat_key)
    SELECT x.message_id, x.user_id, x.position, m.chat_key FROM message_recipients x JOIN messages m ON m.id = x.message_id;
  DROP TABLE message_recipients;
  ALTER TABLE message_recipients_new RENAME TO message_recipients;
  CREATE INDEX recipients_by_user ON message_recipients (chat_key, user_id, message_id);

  CREATE TABLE reads_new (
    message_id INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    read_at INTEGER NOT NULL,
    chat_key TEXT NOT NULL,
    PRIMARY KEY (chat_key, message_id, user_id),
    FOREIGN KEY (chat_key, message_id) REFERENCES messages (chat_key, id)
  ) WITHOUT ROWID;
  INSERT INTO reads_new (message_id, user_id, read_at, chat_key)
    SELECT x.message_id, x.user_id, x.read_at, m.chat_key FROM reads x JOIN messages m ON m.id = x.message_id;
  DROP TABLE reads;
  ALTER TABLE reads_new RENAME TO reads;

  CREATE TABLE message_media_new (
    message_id INTEGER NOT NULL,
    media_id INTEGER NOT NULL REFERENCES media (id),
    position INTEGER NOT NULL,
    chat_key TEXT NOT NULL,
    PRIMARY KEY (chat_key, message_id, media_id),
    FOREIGN KEY (chat_key, message_id) REFERENCES messages (chat_key, id)
  ) WITHOUT ROWID;
  INSERT INTO message_media_new (message_id, media_id, position, chat_key)
    SELECT x.message_id, x.media_id, x.position, m.chat_key FROM message_media x JOIN messages m ON m.id = x.message_id;
  DROP TABLE message_media;
  ALTER TABLE message_media_new RENAME TO message_media;
  CREATE INDEX message_media_by_media ON message_media (media_id);

  CREATE TABLE store_stamps (stripe INTEGER PRIMARY KEY, n INTEGER NOT NULL);
  INSERT INTO store_stamps (stripe, n) SELECT stripe, n FROM answer_stamps WHERE chat_key = '*';
  DELETE FROM answer_stamps WHERE chat_key = '*';
  `,
];
