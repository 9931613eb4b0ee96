//! The browser sign-in of `mirage serve`: logins in flight (between
//! `/auth/login` and `/auth/callback`, which may land on another replica)
//! and sessions.
//!
//! Nothing here is a secret: callers pass SHA-256 hashes of the `state`,
//! of the login's browser binding and of the session id (see
//! `crate::serve::signin`). Times are whole seconds ([`Timestamp`]).

use super::db::{Row, values};
use super::error::StateError;
use super::store::Store;
use super::time::Timestamp;

/// A login begun and not yet finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingLogin {
    /// SHA-256 (hex) of the `state` sent to the provider.
    pub state_hash: String,
    /// SHA-256 (hex) of the value of the browser's login cookie.
    pub binding_hash: String,
    /// The `nonce` sent to the provider (not a secret).
    pub nonce: String,
    /// Where to send the browser once signed in (a relative path).
    pub return_to: String,
    /// When it was begun.
    pub created_at: Timestamp,
    /// When it stops being accepted.
    pub expires_at: Timestamp,
}

/// A session as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    /// SHA-256 (hex) of the session id.
    pub id_hash: String,
    /// The provider's subject.
    pub sub: String,
    /// The user's email, when the provider said it.
    pub email: Option<String>,
    /// The user's name, when the provider said it.
    pub name: Option<String>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was last used (updated at most once a minute).
    pub seen_at: Timestamp,
    /// How long it lasts unused, in seconds.
    pub idle_secs: i64,
    /// When it ends unless used again.
    pub idle_until: Timestamp,
    /// When it ends whatever happens.
    pub expires_at: Timestamp,
}

impl SessionRecord {
    /// Whether it is valid at `now`.
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        now < self.idle_until && now < self.expires_at
    }
}

const SESSION_COLUMNS: &str =
    "id_hash, sub, email, name, created_at, seen_at, idle_secs, idle_until, expires_at";

fn session(row: &Row) -> Result<SessionRecord, StateError> {
    Ok(SessionRecord {
        id_hash: row.text(0)?,
        sub: row.text(1)?,
        email: row.opt_text(2)?,
        name: row.opt_text(3)?,
        created_at: Timestamp(row.int(4)?),
        seen_at: Timestamp(row.int(5)?),
        idle_secs: row.int(6)?,
        idle_until: Timestamp(row.int(7)?),
        expires_at: Timestamp(row.int(8)?),
    })
}

impl Store {
    /// Records a login begun.
    pub fn begin_login(&self, login: &PendingLogin) -> Result<(), StateError> {
        self.with(|conn| {
            conn.execute(
                "INSERT INTO auth_logins \
                 (state_hash, binding_hash, nonce, return_to, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                values![
                    &login.state_hash,
                    &login.binding_hash,
                    &login.nonce,
                    &login.return_to,
                    login.created_at.0,
                    login.expires_at.0
                ],
            )
        })?;
        Ok(())
    }

    /// Takes the login of `state_hash` out: deleted in the same statement
    /// that reads it, so of two callbacks carrying the same `state` (a
    /// replay, two replicas) at most one gets it. Expired or not: the
    /// caller checks `expires_at`.
    pub fn take_login(&self, state_hash: &str) -> Result<Option<PendingLogin>, StateError> {
        let row = self.with(|conn| {
            conn.query_opt(
                "DELETE FROM auth_logins WHERE state_hash = ?1 \
                 RETURNING state_hash, binding_hash, nonce, return_to, created_at, expires_at",
                values![state_hash],
            )
        })?;
        row.map(|row| {
            Ok(PendingLogin {
                state_hash: row.text(0)?,
                binding_hash: row.text(1)?,
                nonce: row.text(2)?,
                return_to: row.text(3)?,
                created_at: Timestamp(row.int(4)?),
                expires_at: Timestamp(row.int(5)?),
            })
        })
        .transpose()
    }

    /// Records a new session.
    pub fn create_session(&self, session: &SessionRecord) -> Result<(), StateError> {
        self.with(|conn| {
            conn.execute(
                &format!(
                    "INSERT INTO auth_sessions ({SESSION_COLUMNS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                ),
                values![
                    &session.id_hash,
                    &session.sub,
                    session.email.as_deref(),
                    session.name.as_deref(),
                    session.created_at.0,
                    session.seen_at.0,
                    session.idle_secs,
                    session.idle_until.0,
                    session.expires_at.0
                ],
            )
        })?;
        Ok(())
    }

    /// The session of `id_hash`, valid or not.
    pub fn session(&self, id_hash: &str) -> Result<Option<SessionRecord>, StateError> {
        let row = self.with(|conn| {
            conn.query_opt(
                &format!("SELECT {SESSION_COLUMNS} FROM auth_sessions WHERE id_hash = ?1"),
                values![id_hash],
            )
        })?;
        row.as_ref().map(session).transpose()
    }

    /// Marks the session used at `now`, valid until `idle_until` (capped
    /// by its absolute expiry); whether it still exists.
    pub fn touch_session(
        &self,
        id_hash: &str,
        now: Timestamp,
        idle_until: Timestamp,
    ) -> Result<bool, StateError> {
        let changed = self.with(|conn| {
            conn.execute(
                "UPDATE auth_sessions SET seen_at = ?2, \
                 idle_until = CASE WHEN ?3 < expires_at THEN ?3 ELSE expires_at END \
                 WHERE id_hash = ?1",
                values![id_hash, now.0, idle_until.0],
            )
        })?;
        Ok(changed == 1)
    }

    /// Deletes one session; whether it existed.
    pub fn delete_session(&self, id_hash: &str) -> Result<bool, StateError> {
        let removed = self.with(|conn| {
            conn.execute(
                "DELETE FROM auth_sessions WHERE id_hash = ?1",
                values![id_hash],
            )
        })?;
        Ok(removed == 1)
    }

    /// Deletes every session of the user `sub` (disabled, removed, or
    /// signed out everywhere); how many.
    pub fn revoke_sessions_of(&self, sub: &str) -> Result<u64, StateError> {
        self.with(|conn| conn.execute("DELETE FROM auth_sessions WHERE sub = ?1", values![sub]))
    }

    /// The sessions of the user `sub`, newest first.
    pub fn sessions_of(&self, sub: &str) -> Result<Vec<SessionRecord>, StateError> {
        let rows = self.with(|conn| {
            conn.query(
                &format!(
                    "SELECT {SESSION_COLUMNS} FROM auth_sessions WHERE sub = ?1 \
                     ORDER BY created_at DESC, id_hash"
                ),
                values![sub],
            )
        })?;
        rows.iter().map(session).collect()
    }

    /// Deletes the logins and sessions no longer valid at `now`; how many.
    pub fn prune_signin(&self, now: Timestamp) -> Result<u64, StateError> {
        self.with(|conn| {
            let logins = conn.execute(
                "DELETE FROM auth_logins WHERE expires_at <= ?1",
                values![now.0],
            )?;
            let sessions = conn.execute(
                "DELETE FROM auth_sessions WHERE expires_at <= ?1 OR idle_until <= ?1",
                values![now.0],
            )?;
            Ok(logins + sessions)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(state: &str, expires: i64) -> PendingLogin {
        PendingLogin {
            state_hash: state.into(),
            binding_hash: "b".into(),
            nonce: "n".into(),
            return_to: "/".into(),
            created_at: Timestamp(100),
            expires_at: Timestamp(expires),
        }
    }

    #[test]
    fn a_login_is_taken_once_and_sessions_are_revoked_by_user() {
        let store = Store::open_in_memory().unwrap();
        store.begin_login(&login("s1", 700)).unwrap();
        store.begin_login(&login("s2", 150)).unwrap();
        assert_eq!(store.take_login("s1").unwrap(), Some(login("s1", 700)));
        assert_eq!(store.take_login("s1").unwrap(), None);
        assert_eq!(store.take_login("nope").unwrap(), None);
        let record = SessionRecord {
            id_hash: "h1".into(),
            sub: "alice".into(),
            email: Some("alice@example.com".into()),
            name: None,
            created_at: Timestamp(100),
            seen_at: Timestamp(100),
            idle_secs: 100,
            idle_until: Timestamp(200),
            expires_at: Timestamp(300),
        };
        store.create_session(&record).unwrap();
        store
            .create_session(&SessionRecord {
                id_hash: "h2".into(),
                ..record.clone()
            })
            .unwrap();
        assert_eq!(store.session("h1").unwrap(), Some(record.clone()));
        // Idle expiry moves forward, never past the absolute one.
        assert!(
            store
                .touch_session("h1", Timestamp(150), Timestamp(900))
                .unwrap()
        );
        let touched = store.session("h1").unwrap().unwrap();
        assert_eq!(
            (touched.seen_at, touched.idle_until),
            (Timestamp(150), Timestamp(300))
        );
        assert!(touched.is_valid_at(Timestamp(299)));
        assert!(!touched.is_valid_at(Timestamp(300)));
        assert_eq!(store.sessions_of("alice").unwrap().len(), 2);
        // Pruning at 201: the expired login and h2 (idle) go.
        assert_eq!(store.prune_signin(Timestamp(201)).unwrap(), 2);
        assert_eq!(store.revoke_sessions_of("alice").unwrap(), 1);
        assert_eq!(store.session("h1").unwrap(), None);
        assert!(!store.delete_session("h1").unwrap());
    }
}
