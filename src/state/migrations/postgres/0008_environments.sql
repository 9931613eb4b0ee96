-- Schema version 8: environments `mirage serve` creates from a template
-- for a person (not a pull request), and the progress of serve's jobs.
--
-- `serve_environments` has one row per environment created (or being
-- created) through serve: the row is written when the request is
-- accepted, before any job runs, so two requests for one name cannot
-- both be accepted (the primary key), and a job stopped half-way leaves
-- an environment that destroy and GC know of. Its deadline is not here:
-- `environment_ttls` stays the one store of deadlines (written and
-- removed with this row, in the same transaction). Times are whole
-- seconds since the Unix epoch.
CREATE TABLE serve_environments (
    project        TEXT   NOT NULL,
    environment    TEXT   NOT NULL,
    environment_id TEXT,
    template       TEXT   NOT NULL,
    -- The user id of the person who asked for it (the policy's owner).
    owner          TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (project, environment)
);

-- What a job did, step by step, so that any replica can stream it: one
-- row per event, `seq` counting from 1 within the job. `time` is whole
-- seconds; `message` never holds a secret (plans show secrets by source).
CREATE TABLE job_events (
    job      BIGINT NOT NULL,
    seq      BIGINT NOT NULL,
    time     BIGINT NOT NULL,
    kind     TEXT   NOT NULL,
    resource TEXT,
    message  TEXT   NOT NULL,
    PRIMARY KEY (job, seq)
);
