-- Schema version 2: deadlines of ephemeral environments.

CREATE TABLE environment_ttls (
    project     TEXT   NOT NULL,
    environment TEXT   NOT NULL,
    expires_at  BIGINT NOT NULL,
    set_by      TEXT   NOT NULL,
    set_at      BIGINT NOT NULL,
    PRIMARY KEY (project, environment)
);

CREATE INDEX environment_ttls_by_expiry ON environment_ttls (expires_at);
