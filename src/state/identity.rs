//! `mirage serve`'s users, their roles per project and their API tokens
//! (issue #17). Users are keyed by Mirage's own id (`usr_…`, used in the
//! API) and found by their provider subject (the OIDC `sub`, Clerk's user
//! id). API tokens are kept as their SHA-256 only: the token itself is
//! shown once by serve and never reaches this database.
//!
//! Roles are stored as their names (`viewer`, `member`, `admin`); the
//! rules of what a role may do live in `auth::policy`, not here.

use super::db::{Conn, Dialect, Row, values};
use super::error::StateError;
use super::store::Store;
use super::time::Timestamp;

/// A user as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    /// Mirage's id (`usr_…`).
    pub id: String,
    /// The provider's subject (OIDC `sub`, Clerk user id).
    pub subject: String,
    /// Email, when known.
    pub email: Option<String>,
    /// Display name, when known.
    pub name: Option<String>,
    /// Preferences, a JSON object as text.
    pub preferences: String,
    /// When the user was disabled (deleted at the provider).
    pub disabled_at: Option<Timestamp>,
    /// First seen.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
    /// Last signed in.
    pub last_seen_at: Option<Timestamp>,
}

/// What a provider says about a user (token claims, a Clerk event).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserProfile<'a> {
    /// The subject.
    pub subject: &'a str,
    /// Email, when the provider gave one.
    pub email: Option<&'a str>,
    /// Name, when the provider gave one.
    pub name: Option<&'a str>,
}

/// A member of a project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRecord {
    /// The user.
    pub user: UserRecord,
    /// Their role's name.
    pub role: String,
    /// Who granted it (a user id), if known.
    pub granted_by: Option<String>,
    /// When.
    pub granted_at: Timestamp,
}

/// What a change of membership did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberChange {
    /// Done; the role before (`None`: was not a member).
    Done {
        /// The previous role.
        previous: Option<String>,
    },
    /// Refused: it would leave the project without an admin.
    LastAdmin,
    /// No such user (or, for a removal, not a member).
    NotFound,
}

/// A new API token, already hashed.
#[derive(Clone, Debug)]
pub struct NewApiToken<'a> {
    /// Its id (`tok_…`), shown in lists.
    pub id: &'a str,
    /// The SHA-256 of the token, hex.
    pub hash: &'a str,
    /// A name its maker chose.
    pub name: &'a str,
    /// The one project it reaches.
    pub project: &'a str,
    /// The highest role it acts with.
    pub role: &'a str,
    /// Its maker.
    pub user_id: &'a str,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// An API token as stored (never the token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiTokenRecord {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its project.
    pub project: String,
    /// Its role cap.
    pub role: String,
    /// Its maker.
    pub user_id: String,
    /// Made.
    pub created_at: Timestamp,
    /// Expires.
    pub expires_at: Timestamp,
    /// Last used (updated at most once a minute).
    pub last_used_at: Option<Timestamp>,
    /// Revoked.
    pub revoked_at: Option<Timestamp>,
}

/// A token found by its hash, with its maker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenOwner {
    /// The token.
    pub token: ApiTokenRecord,
    /// Its maker.
    pub user: UserRecord,
}

const USER_COLUMNS: &str = "u.id, u.subject, u.email, u.name, u.preferences, u.disabled_at, \
     u.created_at, u.updated_at, u.last_seen_at";
const TOKEN_COLUMNS: &str = "t.id, t.name, t.project, t.role, t.user_id, t.created_at, \
     t.expires_at, t.last_used_at, t.revoked_at";

fn user_at(row: &Row, at: usize) -> Result<UserRecord, StateError> {
    Ok(UserRecord {
        id: row.text(at)?,
        subject: row.text(at + 1)?,
        email: row.opt_text(at + 2)?,
        name: row.opt_text(at + 3)?,
        preferences: row.text(at + 4)?,
        disabled_at: row.opt_int(at + 5)?.map(Timestamp),
        created_at: Timestamp(row.int(at + 6)?),
        updated_at: Timestamp(row.int(at + 7)?),
        last_seen_at: row.opt_int(at + 8)?.map(Timestamp),
    })
}

fn token_at(row: &Row, at: usize) -> Result<ApiTokenRecord, StateError> {
    Ok(ApiTokenRecord {
        id: row.text(at)?,
        name: row.text(at + 1)?,
        project: row.text(at + 2)?,
        role: row.text(at + 3)?,
        user_id: row.text(at + 4)?,
        created_at: Timestamp(row.int(at + 5)?),
        expires_at: Timestamp(row.int(at + 6)?),
        last_used_at: row.opt_int(at + 7)?.map(Timestamp),
        revoked_at: row.opt_int(at + 8)?.map(Timestamp),
    })
}

/// A random id with `prefix` (64 bits: ids are not secrets, only unique).
pub(crate) fn new_id(prefix: &str) -> String {
    format!("{prefix}{:016x}", fastrand::u64(..))
}

/// One membership change at a time per database (PostgreSQL's default
/// isolation would let two demotions each see the other admin).
fn serialize_members(tx: &mut dyn Conn) -> Result<(), StateError> {
    if tx.dialect() == Dialect::Postgres {
        tx.query("SELECT pg_advisory_xact_lock(7259017718420606)", &[])?;
    }
    Ok(())
}

fn admins(tx: &mut dyn Conn, project: &str) -> Result<i64, StateError> {
    tx.query_one(
        "SELECT COUNT(*) FROM project_members WHERE project = ?1 AND role = 'admin'",
        values![project],
    )?
    .int(0)
}

impl Store {
    /// Creates the user of `profile.subject`, or updates their email and
    /// name (a `None` keeps what is known); `seen` also stamps their last
    /// sign-in. A disabled user stays disabled.
    pub fn upsert_user(
        &self,
        profile: &UserProfile<'_>,
        seen: bool,
    ) -> Result<UserRecord, StateError> {
        let now = self.now().0;
        let seen = seen.then_some(now);
        self.transaction(|tx| {
            tx.execute(
                "INSERT INTO users (id, subject, email, name, created_at, updated_at, last_seen_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6) ON CONFLICT (subject) DO UPDATE SET \
                 email = COALESCE(excluded.email, users.email), \
                 name = COALESCE(excluded.name, users.name), \
                 updated_at = excluded.updated_at, \
                 last_seen_at = COALESCE(excluded.last_seen_at, users.last_seen_at)",
                values![
                    new_id("usr_"),
                    profile.subject,
                    profile.email,
                    profile.name,
                    now,
                    seen
                ],
            )?;
            let row = tx.query_one(
                &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.subject = ?1"),
                values![profile.subject],
            )?;
            user_at(&row, 0)
        })
    }

    /// The user with id `id`.
    pub fn user(&self, id: &str) -> Result<Option<UserRecord>, StateError> {
        self.with(|conn| {
            conn.query_opt(
                &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?1"),
                values![id],
            )?
            .map(|row| user_at(&row, 0))
            .transpose()
        })
    }

    /// The user with subject `subject`.
    pub fn user_by_subject(&self, subject: &str) -> Result<Option<UserRecord>, StateError> {
        self.with(|conn| {
            conn.query_opt(
                &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.subject = ?1"),
                values![subject],
            )?
            .map(|row| user_at(&row, 0))
            .transpose()
        })
    }

    /// Disables the user of `subject` (deleted at the provider): their
    /// sign-ins and tokens stop working. Whether such a user exists.
    pub fn disable_user(&self, subject: &str) -> Result<bool, StateError> {
        let now = self.now().0;
        let changed = self.with(|conn| {
            conn.execute(
                "UPDATE users SET disabled_at = COALESCE(disabled_at, ?2), updated_at = ?2 \
                 WHERE subject = ?1",
                values![subject, now],
            )
        })?;
        Ok(changed == 1)
    }

    /// Replaces the preferences of user `id` (JSON text, validated by the
    /// caller).
    pub fn set_preferences(&self, id: &str, preferences: &str) -> Result<bool, StateError> {
        let now = self.now().0;
        let changed = self.with(|conn| {
            conn.execute(
                "UPDATE users SET preferences = ?2, updated_at = ?3 WHERE id = ?1",
                values![id, preferences, now],
            )
        })?;
        Ok(changed == 1)
    }

    /// The roles of user `id`: (project, role name), by project.
    pub fn roles_of(&self, id: &str) -> Result<Vec<(String, String)>, StateError> {
        self.with(|conn| {
            conn.query(
                "SELECT project, role FROM project_members WHERE user_id = ?1 ORDER BY project",
                values![id],
            )?
            .iter()
            .map(|row| Ok((row.text(0)?, row.text(1)?)))
            .collect()
        })
    }

    /// The members of `project`, by user id.
    pub fn members(&self, project: &str) -> Result<Vec<MemberRecord>, StateError> {
        self.with(|conn| {
            conn.query(
                &format!(
                    "SELECT {USER_COLUMNS}, m.role, m.granted_by, m.granted_at \
                     FROM project_members m JOIN users u ON u.id = m.user_id \
                     WHERE m.project = ?1 ORDER BY u.id"
                ),
                values![project],
            )?
            .iter()
            .map(|row| {
                Ok(MemberRecord {
                    user: user_at(row, 0)?,
                    role: row.text(9)?,
                    granted_by: row.opt_text(10)?,
                    granted_at: Timestamp(row.int(11)?),
                })
            })
            .collect()
        })
    }

    /// Gives user `user` role `role` in `project` (`by`: who). Refused
    /// when it would demote the project's last admin.
    pub fn set_member(
        &self,
        project: &str,
        user: &str,
        role: &str,
        by: Option<&str>,
    ) -> Result<MemberChange, StateError> {
        let now = self.now().0;
        self.transaction(|tx| {
            serialize_members(tx)?;
            if tx
                .query_opt("SELECT 1 FROM users WHERE id = ?1", values![user])?
                .is_none()
            {
                return Ok(MemberChange::NotFound);
            }
            let previous = tx
                .query_opt(
                    "SELECT role FROM project_members WHERE project = ?1 AND user_id = ?2",
                    values![project, user],
                )?
                .map(|row| row.text(0))
                .transpose()?;
            if previous.as_deref() == Some("admin") && role != "admin" && admins(tx, project)? <= 1
            {
                return Ok(MemberChange::LastAdmin);
            }
            tx.execute(
                "INSERT INTO project_members (project, user_id, role, granted_by, granted_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (project, user_id) DO UPDATE SET \
                 role = excluded.role, granted_by = excluded.granted_by, \
                 granted_at = excluded.granted_at",
                values![project, user, role, by, now],
            )?;
            Ok(MemberChange::Done { previous })
        })
    }

    /// Removes user `user` from `project`. Refused when they are its last
    /// admin.
    pub fn remove_member(&self, project: &str, user: &str) -> Result<MemberChange, StateError> {
        self.transaction(|tx| {
            serialize_members(tx)?;
            let Some(previous) = tx
                .query_opt(
                    "SELECT role FROM project_members WHERE project = ?1 AND user_id = ?2",
                    values![project, user],
                )?
                .map(|row| row.text(0))
                .transpose()?
            else {
                return Ok(MemberChange::NotFound);
            };
            if previous == "admin" && admins(tx, project)? <= 1 {
                return Ok(MemberChange::LastAdmin);
            }
            tx.execute(
                "DELETE FROM project_members WHERE project = ?1 AND user_id = ?2",
                values![project, user],
            )?;
            Ok(MemberChange::Done {
                previous: Some(previous),
            })
        })
    }

    /// Stores a new API token (its hash).
    pub fn create_api_token(&self, token: &NewApiToken<'_>) -> Result<ApiTokenRecord, StateError> {
        let now = self.now().0;
        self.with(|conn| {
            conn.execute(
                "INSERT INTO api_tokens (id, hash, name, project, role, user_id, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                values![
                    token.id,
                    token.hash,
                    token.name,
                    token.project,
                    token.role,
                    token.user_id,
                    now,
                    token.expires_at.0
                ],
            )?;
            Ok(())
        })?;
        Ok(ApiTokenRecord {
            id: token.id.to_owned(),
            name: token.name.to_owned(),
            project: token.project.to_owned(),
            role: token.role.to_owned(),
            user_id: token.user_id.to_owned(),
            created_at: Timestamp(now),
            expires_at: token.expires_at,
            last_used_at: None,
            revoked_at: None,
        })
    }

    /// The token whose hash is `hash`, with its maker, whatever its state
    /// (the caller checks expiry, revocation and the maker).
    pub fn api_token_by_hash(&self, hash: &str) -> Result<Option<TokenOwner>, StateError> {
        self.with(|conn| {
            conn.query_opt(
                &format!(
                    "SELECT {TOKEN_COLUMNS}, {USER_COLUMNS} FROM api_tokens t \
                     JOIN users u ON u.id = t.user_id WHERE t.hash = ?1"
                ),
                values![hash],
            )?
            .map(|row| {
                Ok(TokenOwner {
                    token: token_at(&row, 0)?,
                    user: user_at(&row, 9)?,
                })
            })
            .transpose()
        })
    }

    /// Stamps token `id` as used now, at most once a minute (a write per
    /// request would be the database's busiest statement).
    pub fn touch_api_token(&self, id: &str) -> Result<(), StateError> {
        let now = self.now().0;
        self.with(|conn| {
            conn.execute(
                "UPDATE api_tokens SET last_used_at = ?2 \
                 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?2 - 60)",
                values![id, now],
            )
        })?;
        Ok(())
    }

    /// The tokens of `project`, newest first (revoked ones too).
    pub fn api_tokens(&self, project: &str) -> Result<Vec<ApiTokenRecord>, StateError> {
        self.with(|conn| {
            conn.query(
                &format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.project = ?1 \
                     ORDER BY t.created_at DESC, t.id"
                ),
                values![project],
            )?
            .iter()
            .map(|row| token_at(row, 0))
            .collect()
        })
    }

    /// Revokes token `id` of `project` (a token of another project is not
    /// found). Whether one was revoked now.
    pub fn revoke_api_token(&self, project: &str, id: &str) -> Result<bool, StateError> {
        let now = self.now().0;
        let changed = self.with(|conn| {
            conn.execute(
                "UPDATE api_tokens SET revoked_at = ?3 \
                 WHERE id = ?1 AND project = ?2 AND revoked_at IS NULL",
                values![id, project, now],
            )
        })?;
        Ok(changed == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_roles_and_the_last_admin() {
        let store = Store::open_in_memory().unwrap();
        let ana = store
            .upsert_user(
                &UserProfile {
                    subject: "sub-ana",
                    email: Some("ana@x"),
                    name: None,
                },
                true,
            )
            .unwrap();
        let again = store
            .upsert_user(
                &UserProfile {
                    subject: "sub-ana",
                    email: None,
                    name: Some("Ana"),
                },
                false,
            )
            .unwrap();
        assert_eq!(again.id, ana.id);
        assert_eq!(again.email.as_deref(), Some("ana@x"));
        assert_eq!(again.name.as_deref(), Some("Ana"));
        let bob = store
            .upsert_user(
                &UserProfile {
                    subject: "sub-bob",
                    ..UserProfile::default()
                },
                true,
            )
            .unwrap();
        assert_eq!(
            store
                .set_member("shop", "usr_nobody", "admin", None)
                .unwrap(),
            MemberChange::NotFound
        );
        assert_eq!(
            store.set_member("shop", &ana.id, "admin", None).unwrap(),
            MemberChange::Done { previous: None }
        );
        assert_eq!(
            store.set_member("shop", &ana.id, "viewer", None).unwrap(),
            MemberChange::LastAdmin
        );
        assert_eq!(
            store.remove_member("shop", &ana.id).unwrap(),
            MemberChange::LastAdmin
        );
        store
            .set_member("shop", &bob.id, "admin", Some(&ana.id))
            .unwrap();
        assert_eq!(
            store.remove_member("shop", &ana.id).unwrap(),
            MemberChange::Done {
                previous: Some("admin".into())
            }
        );
        assert_eq!(
            store.roles_of(&bob.id).unwrap(),
            vec![("shop".into(), "admin".into())]
        );
        assert!(store.disable_user("sub-bob").unwrap());
        assert!(store.user(&bob.id).unwrap().unwrap().disabled_at.is_some());
    }
}
