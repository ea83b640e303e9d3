-- The player's schema, version 1. Later changes go in migrations/NNNN_name.sql, never here.

CREATE TABLE setting (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- An installed package: one per manifest identifier; a newer import replaces files, keeps the row.
CREATE TABLE package (
  id          INTEGER PRIMARY KEY,
  identifier  TEXT NOT NULL,
  standard    TEXT NOT NULL CHECK (standard IN ('scorm12', 'scorm2004', 'xapi', 'cmi5')),
  title       TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  duration    INTEGER,
  language    TEXT NOT NULL DEFAULT '',
  folder      TEXT NOT NULL UNIQUE,
  sha256      TEXT NOT NULL,
  bytes       INTEGER NOT NULL,
  source      TEXT NOT NULL,
  revision    INTEGER NOT NULL DEFAULT 1,
  imported_at TEXT NOT NULL,
  UNIQUE (identifier, standard)  -- one course exported as SCORM 1.2 and as cmi5 is two packages
);

-- What can be launched in a package: a SCO/asset, an xAPI activity or a cmi5 AU.
CREATE TABLE launch (
  id                   INTEGER PRIMARY KEY,
  package_id           INTEGER NOT NULL REFERENCES package(id) ON DELETE CASCADE,
  position             INTEGER NOT NULL,
  ident                TEXT NOT NULL,
  title                TEXT NOT NULL,
  href                 TEXT NOT NULL,
  kind                 TEXT NOT NULL,
  mastery_score        REAL,
  move_on              TEXT,
  launch_data          TEXT,
  completion_threshold REAL,
  launch_method        TEXT,
  visible              INTEGER NOT NULL DEFAULT 1,
  parents              TEXT NOT NULL DEFAULT '[]',
  UNIQUE (package_id, ident)
);

CREATE TABLE learner (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
  pin_hash   TEXT,
  uuid       TEXT NOT NULL UNIQUE,
  failed_pins INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);

-- A learner's attempt on one launch. Keyed by the package *identifier* and standard (not its
-- row) so that progress survives a re-import and even a removal followed by a new import.
CREATE TABLE attempt (
  id                 INTEGER PRIMARY KEY,
  learner_id         INTEGER NOT NULL REFERENCES learner(id) ON DELETE CASCADE,
  package_identifier TEXT NOT NULL,
  launch_ident       TEXT NOT NULL,
  number             INTEGER NOT NULL,
  registration       TEXT NOT NULL UNIQUE,
  standard           TEXT NOT NULL,
  cmi                TEXT NOT NULL DEFAULT '{}',
  completion         TEXT NOT NULL DEFAULT 'not attempted',
  success            TEXT NOT NULL DEFAULT 'unknown',
  score              REAL,
  exit               TEXT NOT NULL DEFAULT '',
  total_seconds      REAL NOT NULL DEFAULT 0,
  sessions           INTEGER NOT NULL DEFAULT 0,
  finished           INTEGER NOT NULL DEFAULT 0,
  session_id         TEXT NOT NULL DEFAULT '',
  seq                INTEGER NOT NULL DEFAULT 0,
  started_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL,
  UNIQUE (learner_id, package_identifier, standard, launch_ident, number)
);

-- Statements waiting for the sync (issue 6). Written in the same transaction as the data.
CREATE TABLE outbox (
  id           INTEGER PRIMARY KEY,
  statement_id TEXT NOT NULL UNIQUE,
  statement    TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  sent_at      TEXT,
  tries        INTEGER NOT NULL DEFAULT 0
);

-- The local LRS.
CREATE TABLE lrs_statement (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  body         TEXT NOT NULL,          -- the statement as returned (with stored, authority, version)
  original     TEXT NOT NULL,          -- as received, canonical JSON: to tell a re-sent copy from a clash
  stored       TEXT NOT NULL,
  verb         TEXT NOT NULL,
  registration TEXT,
  voided       INTEGER NOT NULL DEFAULT 0,
  voids        TEXT
);
CREATE TABLE lrs_statement_agent (
  seq     INTEGER NOT NULL REFERENCES lrs_statement(seq) ON DELETE CASCADE,
  agent   TEXT NOT NULL,
  related INTEGER NOT NULL
);
CREATE TABLE lrs_statement_activity (
  seq      INTEGER NOT NULL REFERENCES lrs_statement(seq) ON DELETE CASCADE,
  activity TEXT NOT NULL,
  related  INTEGER NOT NULL
);
CREATE TABLE lrs_activity (
  id         TEXT PRIMARY KEY,
  definition TEXT NOT NULL
);
CREATE TABLE lrs_document (
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL CHECK (kind IN ('state', 'activity', 'agent')),
  activity     TEXT NOT NULL DEFAULT '',
  agent        TEXT NOT NULL DEFAULT '',
  registration TEXT NOT NULL DEFAULT '',
  doc_id       TEXT NOT NULL,
  content      BLOB NOT NULL,
  content_type TEXT NOT NULL,
  etag         TEXT NOT NULL,
  updated      TEXT NOT NULL,
  UNIQUE (kind, activity, agent, registration, doc_id)
);
-- Basic-auth credentials: launch credentials of xAPI/cmi5 content (tied to an attempt).
CREATE TABLE lrs_credential (
  key         TEXT PRIMARY KEY,
  secret      TEXT NOT NULL,
  learner_id  INTEGER REFERENCES learner(id) ON DELETE CASCADE,
  attempt_id  INTEGER REFERENCES attempt(id) ON DELETE CASCADE,
  fetch_token TEXT UNIQUE,
  fetched     INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT NOT NULL
);

-- Zips already seen in a watched folder (so a USB key is not re-imported every scan).
CREATE TABLE import_log (
  path   TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  at     TEXT NOT NULL,
  result TEXT NOT NULL,
  PRIMARY KEY (path, sha256)
);
