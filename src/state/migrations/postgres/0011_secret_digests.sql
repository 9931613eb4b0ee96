-- Schema version 11: keyed digests of secret values (issue #21).
--
-- `secret_digest_keys`: one HMAC-SHA256 key per project (32 random bytes
-- as hex), created on first use. Plans hash the desired and the actual
-- value of a secret under it to tell a rotation from an unchanged value.
--
-- `secret_digests`: for each sealed variable (Railway never returns its
-- value) the digest of the value Mirage last wrote, so a plan can compare
-- the desired value's digest with it. `service` is '' for a shared
-- variable. Never a value: only HMAC digests under the project's key.
CREATE TABLE secret_digest_keys (
    project    TEXT   NOT NULL PRIMARY KEY,
    key_hex    TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE secret_digests (
    project     TEXT   NOT NULL,
    environment TEXT   NOT NULL,
    service     TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    digest_hex  TEXT   NOT NULL,
    written_at  BIGINT NOT NULL,
    PRIMARY KEY (project, environment, service, name)
);
