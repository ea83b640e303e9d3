-- Sync (issue 6): the log of every run, what we learned about each remote LRS, and the
-- statements a remote refused for good (kept in the outbox, out of the queue until retried).
-- The outbox itself is the cursor: a row is pending while sent_at IS NULL.

CREATE TABLE sync_run (
  id          INTEGER PRIMARY KEY,
  endpoint    TEXT NOT NULL,              -- without credentials
  started_at  TEXT NOT NULL,
  finished_at TEXT,
  status      TEXT NOT NULL DEFAULT 'running'
              CHECK (status IN ('running', 'done', 'partial', 'failed', 'stopped', 'interrupted')),
  pending     INTEGER NOT NULL DEFAULT 0, -- statements waiting when the run began
  sent        INTEGER NOT NULL DEFAULT 0, -- acknowledged by the remote in this run
  failed      INTEGER NOT NULL DEFAULT 0, -- refused by the remote for good in this run
  requests    INTEGER NOT NULL DEFAULT 0,
  bytes_out   INTEGER NOT NULL DEFAULT 0, -- HTTP bytes, headers included
  bytes_in    INTEGER NOT NULL DEFAULT 0,
  error       TEXT
);
CREATE INDEX sync_run_started ON sync_run(started_at);

CREATE TABLE sync_remote (
  endpoint   TEXT PRIMARY KEY,
  gzip       INTEGER,                     -- NULL: not known yet; 1: accepts gzip bodies; 0: refuses them
  gzip_at    TEXT,                        -- when `gzip` was learned (refusals are checked again after a week)
  contact_at TEXT,                        -- last answer of any kind
  acked_at   TEXT                         -- last acknowledged statement
);

CREATE TABLE sync_rejected (
  outbox_id INTEGER PRIMARY KEY REFERENCES outbox(id) ON DELETE CASCADE,
  endpoint  TEXT NOT NULL,
  status    INTEGER NOT NULL,             -- the remote's HTTP status (400, 409, 413, 422)
  error     TEXT NOT NULL,
  at        TEXT NOT NULL
);
