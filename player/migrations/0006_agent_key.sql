-- One learner key (issue 9): the dashboard's learner is the LRS's agent key,
-- packager.standards.ids.agent_key ("account:<homePage>|<name>", "mbox:mailto:…", "sha1:…",
-- "openid:…"), computed in Python when a statement is stored (store/lrs.py, store/attempts.py)
-- into the new `actor` columns, instead of another spelling of it in SQL.

ALTER TABLE lrs_statement ADD COLUMN actor TEXT;   -- agent_key(body.actor); NULL: no identifier
ALTER TABLE outbox ADD COLUMN actor TEXT;

-- Rows stored before: the same Python rule, through the agent_key() function that db.connect
-- registers on every connection.
UPDATE lrs_statement SET actor = agent_key(json_extract(body, '$.actor')) WHERE json_valid(body);
UPDATE outbox SET actor = agent_key(json_extract(statement, '$.actor')) WHERE json_valid(statement);

-- The projection of 0004, reading the stored key (the triggers read this view by name).
DROP VIEW statement_fact;
CREATE VIEW statement_fact AS
SELECT source, statement_id,
       COALESCE(actor, '') AS learner,
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
FROM (SELECT 'lrs' AS source, id AS statement_id, stored AS received, body AS b, actor FROM lrs_statement
      WHERE json_valid(body) AND voided = 0 AND voids IS NULL
      UNION ALL
      SELECT 'outbox', statement_id, created_at, statement, actor FROM outbox
      WHERE json_valid(statement) AND json_extract(statement, '$.verb.id') <> 'http://adlnet.gov/expapi/verbs/voided');

-- The dashboard's rows stored before, re-keyed.
UPDATE progress_fact SET learner = COALESCE((SELECT actor FROM outbox WHERE statement_id = progress_fact.statement_id), '')
WHERE statement_id IN (SELECT statement_id FROM outbox);
UPDATE progress_fact SET learner = COALESCE((SELECT actor FROM lrs_statement WHERE id = progress_fact.statement_id), '')
WHERE statement_id IN (SELECT id FROM lrs_statement);
