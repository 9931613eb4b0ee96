-- Schema version 6: `mirage serve`'s identity room — users, their roles
-- per project, API tokens (hashes only), the audit log, and each
-- project's credentials (sealed; never in clear).
--
-- Times here are whole seconds since the Unix epoch (`state::Timestamp`).

-- One row per person (or Clerk user). `subject` is the OIDC `sub` (Clerk's
-- user id when Clerk is the issuer); `id` is Mirage's own, used in the API.
CREATE TABLE users (
    id           TEXT   NOT NULL PRIMARY KEY,
    subject      TEXT   NOT NULL UNIQUE,
    email        TEXT,
    name         TEXT,
    -- A small JSON object (theme, default project); validated by serve.
    preferences  TEXT   NOT NULL DEFAULT '{}',
    -- Set when the user was deleted at the provider: no sign-in, no token.
    disabled_at  BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    last_seen_at BIGINT
);

CREATE INDEX users_by_email ON users (email);

-- A user's role in one project.
CREATE TABLE project_members (
    project    TEXT   NOT NULL,
    user_id    TEXT   NOT NULL REFERENCES users (id),
    role       TEXT   NOT NULL CHECK (role IN ('viewer', 'member', 'admin')),
    granted_by TEXT,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (project, user_id)
);

CREATE INDEX project_members_by_user ON project_members (user_id);

-- API tokens: only the SHA-256 of the token is kept.
CREATE TABLE api_tokens (
    id           TEXT   NOT NULL PRIMARY KEY,
    hash         TEXT   NOT NULL UNIQUE,
    name         TEXT   NOT NULL,
    project      TEXT   NOT NULL,
    role         TEXT   NOT NULL CHECK (role IN ('viewer', 'member', 'admin')),
    user_id      TEXT   NOT NULL REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);

CREATE INDEX api_tokens_by_project ON api_tokens (project, id);

-- Who did what, newest last (read newest first by `id`).
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor       TEXT,
    actor_role  TEXT,
    via         TEXT,
    action      TEXT   NOT NULL,
    project     TEXT,
    target      TEXT,
    address     TEXT,
    outcome     TEXT   NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
    summary     TEXT   NOT NULL,
    request_id  TEXT
);

CREATE INDEX audit_log_by_project ON audit_log (project, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor, id);
CREATE INDEX audit_log_by_time ON audit_log (at);

-- A project's credentials (`railway-token`), sealed with
-- `secrets::envelope` (the master key never enters the database).
CREATE TABLE project_credentials (
    project TEXT   NOT NULL,
    kind    TEXT   NOT NULL,
    sealed  TEXT   NOT NULL,
    key_id  TEXT   NOT NULL,
    set_by  TEXT,
    set_at  BIGINT NOT NULL,
    PRIMARY KEY (project, kind)
);
