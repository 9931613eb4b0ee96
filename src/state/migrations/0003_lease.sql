-- Schema version 3: locks are leases. A holder renews `lease_until`
-- (milliseconds since the Unix epoch, by the database's clock) while it
-- runs; a lock whose lease has passed belongs to a holder that stopped
-- (killed, its machine gone, cut off from the database) and may be taken.
--
-- Locks taken before this version never expire by lease (the largest
-- BIGINT): their holders do not renew them.

ALTER TABLE locks ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 9223372036854775807;

-- Who broke a lock by hand, and whose it was: `mirage state unlock` is
-- audited here, in the shared database.
CREATE TABLE lock_breaks (
    id          INTEGER PRIMARY KEY,
    project     TEXT   NOT NULL,
    environment TEXT   NOT NULL,
    holder      TEXT   NOT NULL,
    holder_pid  BIGINT NOT NULL,
    since       BIGINT NOT NULL,
    broken_by   TEXT   NOT NULL,
    broken_at   BIGINT NOT NULL,
    reason      TEXT   NOT NULL
);
