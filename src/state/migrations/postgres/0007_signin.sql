-- Schema version 7 (PostgreSQL; the same as ../0007_signin.sql): the browser's sign-in of `mirage serve` (OpenID
-- Connect authorization code + PKCE) and its sessions.
--
-- Times here are whole seconds since the Unix epoch (`Timestamp`), by
-- the clock of the replica that wrote them.
--
-- No secret is stored here: logins are keyed by the SHA-256 of their
-- `state`, bound to the browser by the SHA-256 of a cookie (the PKCE
-- verifier is derived from that cookie, so it is never stored), and
-- sessions are keyed by the SHA-256 of their 256-bit id (their CSRF token
-- is derived from the id, so it is never stored either).

-- A login begun at `/auth/login` and not yet finished at
-- `/auth/callback`: used once (deleted when read), valid until
-- `expires_at`.
CREATE TABLE auth_logins (
    state_hash   TEXT   NOT NULL PRIMARY KEY,
    binding_hash TEXT   NOT NULL,
    -- Sent to the provider in the authorization URL and echoed in the ID
    -- token: not a secret.
    nonce        TEXT   NOT NULL,
    return_to    TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);

CREATE INDEX auth_logins_expiry ON auth_logins (expires_at);

-- A signed-in browser. Valid while `now < idle_until` (pushed forward as
-- it is used, never past `expires_at`) and `now < expires_at`.
CREATE TABLE auth_sessions (
    id_hash     TEXT   NOT NULL PRIMARY KEY,
    -- The provider's subject and what its ID token said of the user.
    sub         TEXT   NOT NULL,
    email       TEXT,
    name        TEXT,
    created_at  BIGINT NOT NULL,
    seen_at     BIGINT NOT NULL,
    -- How long it lasts unused, in seconds (`idle_until` moves by it).
    idle_secs   BIGINT NOT NULL,
    idle_until  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

CREATE INDEX auth_sessions_sub ON auth_sessions (sub);
CREATE INDEX auth_sessions_expiry ON auth_sessions (expires_at);
