-- Indexes for the progress pages and the LRS filters.
CREATE INDEX attempt_learner ON attempt(learner_id, package_identifier, standard);
CREATE INDEX lrs_statement_agent_idx ON lrs_statement_agent(agent, seq);
CREATE INDEX lrs_statement_activity_idx ON lrs_statement_activity(activity, seq);
CREATE INDEX lrs_statement_stored ON lrs_statement(stored);
CREATE INDEX lrs_statement_registration ON lrs_statement(registration);
CREATE INDEX outbox_pending ON outbox(sent_at, id);
