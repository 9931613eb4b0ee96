-- Schema version 9: `mirage serve`'s scheduled drift detection. One row
-- per project: the fingerprint of the drift the last check found (empty:
-- none), what it was (names and change kinds, never values), since when
-- (whole seconds since the Unix epoch) and when it was last checked.
--
-- A check moves the row from the fingerprint it read to the one it found
-- with a conditional update, so that of two replicas seeing the same
-- change only one reports it ("drift appeared" / "drift cleared" once).
CREATE TABLE drift_state (
    project     TEXT   NOT NULL PRIMARY KEY,
    fingerprint TEXT   NOT NULL,
    summary     TEXT   NOT NULL,
    since       BIGINT NOT NULL,
    checked_at  BIGINT NOT NULL
);
