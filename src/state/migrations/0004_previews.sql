-- Schema version 4: pull-request previews.
--
-- One row per live preview: which pull request of which template it is,
-- the environment it lives in and what was last deployed to it. Its
-- deadline is not here: `environment_ttls` stays the one store of
-- deadlines (a preview's row there is written and removed with this one,
-- in the same transaction).

CREATE TABLE previews (
    project        TEXT   NOT NULL,
    template       TEXT   NOT NULL,
    number         BIGINT NOT NULL,
    environment    TEXT   NOT NULL,
    environment_id TEXT,
    branch         TEXT   NOT NULL,
    sha            TEXT,
    repo           TEXT,
    created_by     TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (project, template, number)
);

-- One preview per environment: the name pattern makes it so, this keeps it.
CREATE UNIQUE INDEX previews_by_environment ON previews (project, environment);
