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


CREATE TRIGGER progress_from_lrs AFTER INSERT ON lrs_statement
WHEN json_valid(NEW.body) AND NEW.voids IS NULL
BEGIN
  INSERT OR IGNORE INTO progress_fact
  SELECT NEW.id,
         COALESCE(json_extract(b, '$.actor.account.homePage') || '|' || json_extract(b, '$.actor.account.name'),
                  json_extract(b, '$.actor.mbox'), json_extract(b, '$.actor.mbox_sha1sum'),
                  json_extract(b, '$.actor.openid'), ''),
         COALESCE(json_extract(b, '$.actor.name'), ''),
         json_extract(b, '$.verb.id'),
         COALESCE(json_extract(b, '$.object.id'), ''),
         json_extract(b, '$.object.definition.type'),
         json_extract(b, '$.object.definition.name'),
         COALESCE(json_extract(b, '$.context.contextActivities.grouping[0].id'),
                  json_extract(b, '$.context.contextActivities.parent[0].id'), json_extract(b, '$.object.id'), ''),
         json_extract(b, '$.result.score.scaled'),
         json_extract(b, '$.result.success'),
         json_extract(b, '$.result.completion'),
         json_extract(b, '$.result.duration'),
         COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', json_extract(b, '$.timestamp')), NEW.stored),
         (SELECT id FROM hub_device WHERE name = json_extract(b, '$.authority.account.name'))
  FROM (SELECT NEW.body AS b);
  UPDATE hub_device SET statements = statements + 1, last_statement_at = NEW.stored
  WHERE name = json_extract(NEW.body, '$.authority.account.name');
END;

CREATE TRIGGER progress_from_outbox AFTER INSERT ON outbox
WHEN json_valid(NEW.statement)
BEGIN
  INSERT OR IGNORE INTO progress_fact
  SELECT NEW.statement_id,
         COALESCE(json_extract(b, '$.actor.account.homePage') || '|' || json_extract(b, '$.actor.account.name'),
                  json_extract(b, '$.actor.mbox'), json_extract(b, '$.actor.mbox_sha1sum'),
                  json_extract(b, '$.actor.openid'), ''),
         COALESCE(json_extract(b, '$.actor.name'), ''),
         COALESCE(json_extract(b, '$.verb.id'), ''),
         COALESCE(json_extract(b, '$.object.id'), ''),
         json_extract(b, '$.object.definition.type'),
         json_extract(b, '$.object.definition.name'),
         COALESCE(json_extract(b, '$.context.contextActivities.grouping[0].id'),
                  json_extract(b, '$.context.contextActivities.parent[0].id'), json_extract(b, '$.object.id'), ''),
         json_extract(b, '$.result.score.scaled'),
         json_extract(b, '$.result.success'),
         json_extract(b, '$.result.completion'),
         json_extract(b, '$.result.duration'),
         COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', json_extract(b, '$.timestamp')), NEW.created_at),
         (SELECT id FROM hub_device WHERE name = json_extract(b, '$.authority.account.name'))
  FROM (SELECT NEW.statement AS b)
  WHERE json_extract(b, '$.verb.id') <> 'http://adlnet.gov/expapi/verbs/voided';
END;

CREATE TRIGGER progress_voided AFTER UPDATE OF voided ON lrs_statement
WHEN NEW.voided = 1
BEGIN
  DELETE FROM progress_fact WHERE statement_id = NEW.id;
END;

-- What was stored before this migration.
INSERT OR IGNORE INTO progress_fact
SELECT s.id,
       COALESCE(json_extract(b, '$.actor.account.homePage') || '|' || json_extract(b, '$.actor.account.name'),
                json_extract(b, '$.actor.mbox'), json_extract(b, '$.actor.mbox_sha1sum'),
                json_extract(b, '$.actor.openid'), ''),
       COALESCE(json_extract(b, '$.actor.name'), ''),
       json_extract(b, '$.verb.id'),
       COALESCE(json_extract(b, '$.object.id'), ''),
       json_extract(b, '$.object.definition.type'),
       json_extract(b, '$.object.definition.name'),
       COALESCE(json_extract(b, '$.context.contextActivities.grouping[0].id'),
                json_extract(b, '$.context.contextActivities.parent[0].id'), json_extract(b, '$.object.id'), ''),
       json_extract(b, '$.result.score.scaled'),
       json_extract(b, '$.result.success'),
       json_extract(b, '$.result.completion'),
       json_extract(b, '$.result.duration'),
       COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', json_extract(b, '$.timestamp')), s.stored),
       NULL
FROM (SELECT id, stored, body AS b FROM lrs_statement WHERE voided = 0 AND voids IS NULL AND json_valid(body)) s
UNION ALL
SELECT o.statement_id,
       COALESCE(json_extract(b, '$.actor.account.homePage') || '|' || json_extract(b, '$.actor.account.name'),
                json_extract(b, '$.actor.mbox'), json_extract(b, '$.actor.mbox_sha1sum'),
                json_extract(b, '$.actor.openid'), ''),
       COALESCE(json_extract(b, '$.actor.name'), ''),
       COALESCE(json_extract(b, '$.verb.id'), ''),
       COALESCE(json_extract(b, '$.object.id'), ''),
       json_extract(b, '$.object.definition.type'),
       json_extract(b, '$.object.definition.name'),
       COALESCE(json_extract(b, '$.context.contextActivities.grouping[0].id'),
                json_extract(b, '$.context.contextActivities.parent[0].id'), json_extract(b, '$.object.id'), ''),
       json_extract(b, '$.result.score.scaled'),
       json_extract(b, '$.result.success'),
       json_extract(b, '$.result.completion'),
       json_extract(b, '$.result.duration'),
       COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', json_extract(b, '$.timestamp')), o.created_at),
       NULL
FROM (SELECT statement_id, created_at, statement AS b FROM outbox WHERE json_valid(statement)) o
WHERE json_extract(b, '$.verb.id') <> 'http://adlnet.gov/expapi/verbs/voided';
