-- Schema version 5: `mirage serve`'s durable jobs, and the webhook
-- deliveries it has accepted (the replay guard that replicas share and
-- that survives a restart).
--
-- Times here are milliseconds since the Unix epoch by the database's
-- clock (as `locks.lease_until`): every replica sharing the database
-- agrees on it.

-- One row per job. Jobs of one `queue` (one pull request of one project,
-- or a project's GC) run one at a time in `id` order: a job may be
-- claimed only when no job of its queue with a smaller id is `queued` or
-- `running`. A claim is a lease (`lease_until`, renewed by its worker);
-- a job whose lease ran out is claimed again.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    project      TEXT   NOT NULL,
    queue        TEXT   NOT NULL,
    kind         TEXT   NOT NULL,
    -- JSON the service wrote; never a secret.
    payload      TEXT   NOT NULL,
    state        TEXT   NOT NULL
                 CHECK (state IN ('queued', 'running', 'done', 'failed', 'superseded')),
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_after    BIGINT NOT NULL,
    lease_until  BIGINT,
    lease_token  TEXT,
    worker       TEXT,
    -- Why the running job should stop at its next safe point.
    cancel       TEXT,
    -- The last failure, redacted by the service.
    last_error   TEXT,
    -- The webhook delivery that queued it (or last coalesced into it).
    delivery     TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    finished_at  BIGINT
);

-- Claims look only at unfinished jobs: finished ones pile up (until
-- pruned) and must not slow every claim down.
CREATE INDEX jobs_unfinished ON jobs (project, id) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_unfinished_by_queue ON jobs (queue, id) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_by_queue ON jobs (queue, id);

-- One row per queue: enqueueing locks it, so two replicas queueing jobs
-- of one pull request at once take turns (ids then follow commit order),
-- and `watermark` is the newest event time acted on, so an older event
-- delivered late is dropped.
CREATE TABLE job_queues (
    queue     TEXT   NOT NULL PRIMARY KEY,
    project   TEXT   NOT NULL,
    watermark BIGINT NOT NULL
);

-- Webhook deliveries accepted (`X-GitHub-Delivery`), pruned after a while.
CREATE TABLE webhook_deliveries (
    source      TEXT   NOT NULL,
    id          TEXT   NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (source, id)
);

CREATE INDEX webhook_deliveries_by_time ON webhook_deliveries (received_at);
