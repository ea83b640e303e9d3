-- Hub mode and trainer dashboard (issue 6, docs/hub.md).

-- Devices that sync into this hub. The token is shown once; only its SHA-256 is kept (a random
-- 256-bit token needs no slow hash, and a fast check keeps every sync request cheap).
CREATE TABLE hub_device (
  id                INTEGER PRIMARY KEY,
  name              TEXT NOT NULL UNIQUE,   -- the basic-auth key the device syncs with
  token_hash        TEXT NOT NULL,
  created_at        TEXT NOT NULL,
  revoked_at        TEXT,                   -- set: the token gets 401
  last_sync_at      TEXT,                   -- last authenticated request (hub clock)
  statements        INTEGER NOT NULL DEFAULT 0,  -- statements first stored from this device
  last_statement_at TEXT
);

-- One row per statement, the fields the dashboard reads, filled by the triggers below from the
-- LRS (statements received) and the outbox (a device's own statements). Keyed by statement id:
-- a statement both received and forwarded counts once.
CREATE TABLE progress_fact (
  statement_id  TEXT PRIMARY KEY,
  learner       TEXT NOT NULL,      -- the actor's identifier (account homePage|name, mbox …)
  learner_name  TEXT NOT NULL,
  verb          TEXT NOT NULL,
  activity      TEXT NOT NULL,
  activity_type TEXT,
  activity_name TEXT,               -- the definition's language map, as JSON
  course        TEXT NOT NULL,      -- grouping[0], else parent[0], else the activity
  score         REAL,               -- result.score.scaled
  success       INTEGER,
  completion    INTEGER,
  duration      TEXT,
  timestamp     TEXT NOT NULL,      -- when the learner did it (device clock), UTC
  device_id     INTEGER REFERENCES hub_device(id) ON DELETE SET NULL
);
CREATE INDEX progress_fact_course ON progress_fact(course, learner);
CREATE INDEX progress_fact_learner ON progress_fact(learner);
CREATE INDEX progress_fact_time ON progress_fact(timestamp);
CREATE INDEX progress_fact_device ON progress_fact(device_id);


-- The dashboard's fields of every statement this player holds: received (lrs) or its own (outbox).
-- One projection, read by the triggers below and by the back-fill at the end.
CREATE VIEW statement_fact AS
SELECT source, statement_id,
       COALESCE(json_extract(b, '$.actor.account.homePage') || '|' || json_extract(b, '$.actor.account.name'),
                json_extract(b, '$.actor.mbox'), json_extract(b, '$.actor.mbox_sha1sum'),
                json_extract(b, '$.actor.openid'), '') AS learner,
       COALESCE(json_extract(b, '$.actor.name'), '') AS learner_name,
       COALESCE(json_extract(b, '$.verb.id'), '') AS verb,
       COALESCE(json_extract(b, '$.object.id'), '') AS activity,
       json_extract(b, '$.object.definition.type') AS activity_type,
       json_extract(b, '$.object.definition.name') AS activity_name,
       COALESCE(json_extract(b, '$.context.contextActivities.grouping[0].id'),
                json_extract(b, '$.context.contextActivities.parent[0].id'), json_extract(b, '$.object.id'), '')
         AS course,
       json_extract(b, '$.result.score.scaled') AS score,
       json_extract(b, '$.result.success') AS success,
       json_extract(b, '$.result.completion') AS completion,
       json_extract(b, '$.result.duration') AS duration,
       COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', json_extract(b, '$.timestamp')), received) AS timestamp,
       (SELECT id FROM hub_device WHERE name = json_extract(b, '$.authority.account.name')) AS device_id
FROM (SELECT 'lrs' AS source, id AS statement_id, stored AS received, body AS b FROM lrs_statement
      WHERE json_valid(body) AND voided = 0 AND voids IS NULL
      UNION ALL
      SELECT 'outbox', statement_id, created_at, statement FROM outbox
      WHERE json_valid(statement) AND json_extract(statement, '$.verb.id') <> 'http://adlnet.gov/expapi/verbs/voided');

CREATE TRIGGER progress_from_lrs AFTER INSERT ON lrs_statement
WHEN json_valid(NEW.body) AND NEW.voids IS NULL
BEGIN
  INSERT OR IGNORE INTO progress_fact
  SELECT statement_id, learner, learner_name, verb, activity, activity_type, activity_name, course, score,
         success, completion, duration, timestamp, device_id
  FROM statement_fact WHERE source = 'lrs' AND statement_id = NEW.id;
  UPDATE hub_device SET statements = statements + 1, last_statement_at = NEW.stored
  WHERE name = json_extract(NEW.body, '$.authority.account.name');
END;

CREATE TRIGGER progress_from_outbox AFTER INSERT ON outbox
WHEN json_valid(NEW.statement)
BEGIN
  INSERT OR IGNORE INTO progress_fact
  SELECT statement_id, learner, learner_name, verb, activity, activity_type, activity_name, course, score,
         success, completion, duration, timestamp, device_id
  FROM statement_fact WHERE source = 'outbox' AND statement_id = NEW.statement_id;
END;

CREATE TRIGGER progress_voided AFTER UPDATE OF voided ON lrs_statement
WHEN NEW.voided = 1
BEGIN
  DELETE FROM progress_fact WHERE statement_id = NEW.id;
END;

-- What was stored before this migration.
INSERT OR IGNORE INTO progress_fact
SELECT statement_id, learner, learner_name, verb, activity, activity_type, activity_name, course, score,
       success, completion, duration, timestamp, device_id
FROM statement_fact;
