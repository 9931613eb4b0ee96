//! Clerk's user webhooks, typed: what `mirage serve` keeps of its users
//! (`user.created`, `user.updated`, `user.deleted`). The envelope is
//! `{data, object: "event", type, timestamp?, instance_id?,
//! event_attributes?}` (clerk-docs, `guides/development/webhooks/overview`);
//! a `user.*`'s `data` is Clerk's User object, except that `user.deleted`
//! carries only `{deleted, id, object}`. Other event types are read as
//! [`ClerkEvent::Other`] and ignored by the caller. Only the fields Mirage
//! uses are read; unknown fields are allowed (Clerk adds them).

use serde::Deserialize;

use super::error::WebhookError;

/// A user as Clerk describes them, reduced to what Mirage keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClerkUser {
    /// Clerk's id (`user_…`): the key Mirage's users are matched on.
    pub id: String,
    /// The primary email address, if the user has one (verified or not:
    /// see `email_verified`).
    pub email: Option<String>,
    /// Whether that address is verified.
    pub email_verified: bool,
    /// `first_name last_name`, or the username, when any is set.
    pub name: Option<String>,
    /// The profile image URL.
    pub image_url: Option<String>,
}

/// One Clerk webhook event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClerkEvent {
    /// `user.created`.
    UserCreated(ClerkUser),
    /// `user.updated`.
    UserUpdated(ClerkUser),
    /// `user.deleted`: only the id is sent.
    UserDeleted {
        /// Clerk's id of the user.
        id: String,
    },
    /// Any other type (`session.created`, …), by name.
    Other(String),
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    data: serde_json::Value,
}

#[derive(Deserialize)]
struct UserData {
    id: String,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    image_url: Option<String>,
    #[serde(default)]
    primary_email_address_id: Option<String>,
    #[serde(default)]
    email_addresses: Vec<EmailAddress>,
}

#[derive(Deserialize)]
struct EmailAddress {
    id: String,
    email_address: String,
    #[serde(default)]
    verification: Option<Verification>,
}

#[derive(Deserialize)]
struct Verification {
    #[serde(default)]
    status: Option<String>,
}

#[derive(Deserialize)]
struct Deleted {
    id: String,
}

impl ClerkEvent {
    /// Reads a verified delivery's body (see [`super::verify_svix`]).
    pub fn parse(body: &[u8]) -> Result<ClerkEvent, WebhookError> {
        let bad = |event: &str, error: serde_json::Error| WebhookError::BadPayload {
            event: event.to_owned(),
            reason: error.to_string(),
        };
        let envelope: Envelope = serde_json::from_slice(body).map_err(|e| bad("clerk", e))?;
        let kind = envelope.kind.as_str();
        Ok(match kind {
            "user.created" | "user.updated" => {
                let data: UserData =
                    serde_json::from_value(envelope.data).map_err(|e| bad(kind, e))?;
                let user = data.into_user();
                if kind == "user.created" {
                    ClerkEvent::UserCreated(user)
                } else {
                    ClerkEvent::UserUpdated(user)
                }
            }
            "user.deleted" => {
                let data: Deleted =
                    serde_json::from_value(envelope.data).map_err(|e| bad(kind, e))?;
                ClerkEvent::UserDeleted { id: data.id }
            }
            other => ClerkEvent::Other(other.to_owned()),
        })
    }
}

impl UserData {
    fn into_user(self) -> ClerkUser {
        let primary = self
            .primary_email_address_id
            .as_ref()
            .and_then(|id| self.email_addresses.iter().find(|e| &e.id == id));
        let full: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let name = if full.is_empty() {
            self.username.clone().filter(|u| !u.trim().is_empty())
        } else {
            Some(full.join(" "))
        };
        ClerkUser {
            email: primary.map(|e| e.email_address.clone()),
            email_verified: primary
                .and_then(|e| e.verification.as_ref())
                .and_then(|v| v.status.as_deref())
                == Some("verified"),
            name,
            image_url: self.image_url.filter(|u| !u.is_empty()),
            id: self.id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_without_a_primary_address_or_name() {
        let body = br#"{"type":"user.updated","object":"event","data":{"id":"user_1","email_addresses":[{"id":"idn_1","email_address":"a@b.c"}],"primary_email_address_id":null,"first_name":"","last_name":null,"username":"ana"}}"#;
        assert_eq!(
            ClerkEvent::parse(body).unwrap(),
            ClerkEvent::UserUpdated(ClerkUser {
                id: "user_1".into(),
                email: None,
                email_verified: false,
                name: Some("ana".into()),
                image_url: None,
            })
        );
    }

    #[test]
    fn bad_payloads_are_refused_without_their_values() {
        for body in [
            &b"[]"[..],
            b"{\"type\":\"user.created\",\"data\":{}}",
            b"not json",
        ] {
            let error = ClerkEvent::parse(body).unwrap_err();
            assert!(
                matches!(error, WebhookError::BadPayload { .. }),
                "{error:?}"
            );
        }
    }
}
