-- Schema version 10: Mirage's encrypted store of secrets (`store:NAME`
-- references, `mirage secret`). One row per version of a secret; setting
-- or rotating a secret adds a version, never rewrites one.
--
-- `scope` is `project` (the secrets `store:NAME` reads, owned by the
-- project named in `owner`) or `user` (one person's own tokens, owned by
-- that user). `sealed` is the envelope's text form
-- (`mirage-sealed:v1:<key id>:<wrapped data key>:<ciphertext>`, AES-256-GCM
-- with a data key per version wrapped by a master key that never enters
-- the database); its authenticated context names scope, owner, name and
-- version, so a sealed text copied to another row does not open there.
-- `key_id` is the fingerprint of the master key that sealed it (what
-- `mirage secret rekey` looks for). Never a value in clear text.
--
-- `mirage secret rm` clears `sealed` and `key_id` of every version and
-- marks them deleted (`deleted_by`, `deleted_at`): the ciphertext is gone,
-- the history of who set what when is kept. Times are whole seconds since
-- the Unix epoch.
CREATE TABLE secret_versions (
    scope      TEXT   NOT NULL,
    owner      TEXT   NOT NULL,
    name       TEXT   NOT NULL,
    version    BIGINT NOT NULL,
    sealed     TEXT,
    key_id     TEXT,
    created_by TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    deleted_by TEXT,
    deleted_at BIGINT,
    PRIMARY KEY (scope, owner, name, version),
    CHECK (scope IN ('project', 'user')),
    CHECK ((sealed IS NULL) = (key_id IS NULL))
);

CREATE INDEX secret_versions_key_id ON secret_versions (key_id);
