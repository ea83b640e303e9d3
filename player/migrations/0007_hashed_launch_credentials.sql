-- Launch credentials and cmi5 fetch tokens are stored as their SHA-256 (player/tokens.py), never in
-- clear (issue 10). The rows kept until now held them in clear: they are dropped rather than
-- converted. A lesson open at the upgrade gets a 401, keeps its statements queued, and sends them
-- with the credential of its next launch (packager/runtime/lrs.js retries on 401).
DELETE FROM lrs_credential;
