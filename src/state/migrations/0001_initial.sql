-- Schema version 1: ownership, apply history, locks.
--
-- Portable SQL (SQLite and PostgreSQL): TEXT and BIGINT columns, times as
-- Unix seconds, absent names stored as '' so they take part in keys
-- (NULLs never compare equal in a primary key or unique index).

-- What Mirage created or adopted on Railway. Identity is by name, as on
-- Railway; the IDs are attributes.
CREATE TABLE owned_resources (
    project        TEXT   NOT NULL,
    environment    TEXT   NOT NULL DEFAULT '',
    kind           TEXT   NOT NULL,
    service        TEXT   NOT NULL DEFAULT '',
    name           TEXT   NOT NULL,
    project_id     TEXT,
    environment_id TEXT,
    railway_id     TEXT,
    origin         TEXT   NOT NULL CHECK (origin IN ('created', 'adopted')),
    created_by     TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (project, environment, kind, service, name)
);

CREATE INDEX owned_resources_by_railway_id ON owned_resources (railway_id);

-- Every apply: who, when, the redacted plan, how it ended.
CREATE TABLE applies (
    id          INTEGER PRIMARY KEY,
    project     TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    pid         BIGINT  NOT NULL,
    started_at  BIGINT  NOT NULL,
    finished_at BIGINT,
    result      TEXT    CHECK (result IN ('succeeded', 'partial', 'failed')),
    summary     TEXT,
    plan        TEXT    NOT NULL
);

-- The environments an apply touched (one row each, so history can be
-- filtered by environment with an index rather than by parsing JSON).
CREATE TABLE apply_environments (
    apply_id    BIGINT NOT NULL REFERENCES applies (id) ON DELETE CASCADE,
    environment TEXT   NOT NULL,
    PRIMARY KEY (apply_id, environment)
);

CREATE INDEX apply_environments_by_environment ON apply_environments (environment);

-- One row per held lock; the primary key makes a second holder impossible.
CREATE TABLE locks (
    project     TEXT   NOT NULL,
    environment TEXT   NOT NULL,
    holder_user TEXT   NOT NULL,
    holder_host TEXT   NOT NULL,
    holder_pid  BIGINT NOT NULL,
    token       TEXT   NOT NULL,
    since       BIGINT NOT NULL,
    PRIMARY KEY (project, environment)
);
