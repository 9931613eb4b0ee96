//! The sticky comment: one comment per pull request, created once and then
//! edited, found again by a hidden marker it starts with — never by an id
//! remembered somewhere (a lost id would mean a second comment, the
//! duplicate bug of issue #11).
//!
//! The contract:
//! * the comment's body starts with the marker, an HTML comment GitHub does
//!   not render (`<!-- mirage:preview pr=123 -->`); a comment *starts* with
//!   it, so a person quoting the comment (`> <!-- … -->`) is not taken for
//!   it;
//! * the oldest comment with the marker is the sticky one; later ones (left
//!   by an older version or by hand) are reported, not touched;
//! * an edit whose comment was deleted meanwhile (`404`) creates it again;
//! * a creation whose outcome is unknown (a 5xx, a connection lost after
//!   sending) is not repeated blindly: the comments are listed again and
//!   the marker looked for; only when it is absent is the comment created
//!   once more.

use super::client::Client;
use super::comments::{IssueComment, Repo};
use super::error::GithubError;

/// Creations attempted at most by one [`upsert_sticky_comment`].
const MAX_CREATES: u32 = 2;

/// The hidden marker of a sticky comment.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Marker(String);

impl Marker {
    /// The marker `<!-- LABEL -->`. The label is one line of at most 200
    /// characters without `--` or `>`, so the HTML comment cannot end early
    /// and show the rest. Labels that differ only in a suffix
    /// (`pr=1`, `pr=12`) are different markers: the closing ` -->` is part
    /// of the marker.
    pub fn new(label: &str) -> Result<Marker, GithubError> {
        let label = label.trim();
        let ok = !label.is_empty()
            && label.chars().count() <= 200
            && !label.contains("--")
            && !label.contains('>')
            && !label.chars().any(char::is_control);
        if !ok {
            return Err(GithubError::BadArgument {
                message: format!(
                    "`{label}` cannot label a hidden comment marker: one line of at most 200 characters without `--` or `>`"
                ),
            });
        }
        Ok(Marker(format!("<!-- {label} -->")))
    }

    /// The marker as it is written in the comment.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `body` is a comment this marker labels (it starts with it).
    pub fn labels(&self, body: &str) -> bool {
        body.trim_start().starts_with(&self.0)
    }

    /// `body` as the sticky comment's text: the marker on its first line.
    pub fn stamp(&self, body: &str) -> String {
        if self.labels(body) {
            body.to_owned()
        } else {
            format!("{}\n{body}", self.0)
        }
    }
}

/// What [`upsert_sticky_comment`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StickyAction {
    /// No comment had the marker: one was created.
    Created,
    /// The comment was edited.
    Updated,
    /// The comment already said exactly this: nothing was sent.
    Unchanged,
}

/// The sticky comment after [`upsert_sticky_comment`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sticky {
    /// The comment as GitHub holds it now.
    pub comment: IssueComment,
    /// What was done.
    pub action: StickyAction,
    /// Ids of other comments with the same marker, newer than this one.
    pub duplicates: Vec<u64>,
}

/// The comments `marker` labels, oldest first.
pub fn find_marked<'a>(comments: &'a [IssueComment], marker: &Marker) -> Vec<&'a IssueComment> {
    let mut marked: Vec<&IssueComment> = comments
        .iter()
        .filter(|comment| {
            comment
                .body
                .as_deref()
                .is_some_and(|body| marker.labels(body))
        })
        .collect();
    marked.sort_by_key(|comment| comment.id);
    marked
}

/// Makes the one comment on pull request (or issue) `number` that `marker`
/// labels say `body` (the marker is put on its first line): created if
/// absent, edited if different, left alone if equal.
pub async fn upsert_sticky_comment(
    client: &Client,
    repo: &Repo,
    number: u64,
    marker: &Marker,
    body: &str,
) -> Result<Sticky, GithubError> {
    let text = marker.stamp(body);
    let comments = client.list_issue_comments(repo, number).await?;
    let marked = find_marked(&comments, marker);
    if let Some((first, rest)) = marked.split_first() {
        let duplicates = rest.iter().map(|comment| comment.id).collect();
        if first.body.as_deref() == Some(text.as_str()) {
            return Ok(Sticky {
                comment: (*first).clone(),
                action: StickyAction::Unchanged,
                duplicates,
            });
        }
        match client.update_issue_comment(repo, first.id, &text).await {
            Ok(comment) => {
                return Ok(Sticky {
                    comment,
                    action: StickyAction::Updated,
                    duplicates,
                });
            }
            // Deleted since it was listed: create it again below.
            Err(error) if error.is_not_found() => {}
            Err(error) => return Err(error),
        }
    }
    create_once(client, repo, number, marker, &text).await
}

/// What [`delete_sticky_comment`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deleted {
    /// The id of the comment deleted, or `None` when no comment had the
    /// marker.
    pub deleted: Option<u64>,
    /// Ids of other comments with the same marker, left alone.
    pub duplicates: Vec<u64>,
}

/// Deletes the comment `marker` labels on `number` (the oldest, as
/// [`upsert_sticky_comment`] would edit); none is not an error, and one
/// deleted meanwhile (`404`) counts as deleted.
pub async fn delete_sticky_comment(
    client: &Client,
    repo: &Repo,
    number: u64,
    marker: &Marker,
) -> Result<Deleted, GithubError> {
    let comments = client.list_issue_comments(repo, number).await?;
    let marked = find_marked(&comments, marker);
    let Some((first, rest)) = marked.split_first() else {
        return Ok(Deleted {
            deleted: None,
            duplicates: Vec::new(),
        });
    };
    match client.delete_issue_comment(repo, first.id).await {
        Ok(()) => {}
        Err(error) if error.is_not_found() => {}
        Err(error) => return Err(error),
    }
    Ok(Deleted {
        deleted: Some(first.id),
        duplicates: rest.iter().map(|comment| comment.id).collect(),
    })
}

/// Creates the comment, reading back after an unknown outcome instead of
/// sending the creation again as it stands.
async fn create_once(
    client: &Client,
    repo: &Repo,
    number: u64,
    marker: &Marker,
    text: &str,
) -> Result<Sticky, GithubError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let error = match client.create_issue_comment(repo, number, text).await {
            Ok(comment) => {
                return Ok(Sticky {
                    comment,
                    action: StickyAction::Created,
                    duplicates: Vec::new(),
                });
            }
            Err(error) if error.may_have_happened() => error,
            Err(error) => return Err(error),
        };
        let comments = client.list_issue_comments(repo, number).await?;
        let marked = find_marked(&comments, marker);
        if let Some((first, rest)) = marked.split_first() {
            let duplicates = rest.iter().map(|comment| comment.id).collect();
            // The lost creation did happen. Should another writer have
            // edited it meanwhile, its text is still ours to set.
            let comment = if first.body.as_deref() == Some(text) {
                (*first).clone()
            } else {
                client.update_issue_comment(repo, first.id, text).await?
            };
            return Ok(Sticky {
                comment,
                action: StickyAction::Created,
                duplicates,
            });
        }
        if attempt >= MAX_CREATES {
            return Err(error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(id: u64, body: &str) -> IssueComment {
        IssueComment {
            id,
            body: Some(body.to_owned()),
            html_url: None,
            user: None,
            created_at: None,
            updated_at: None,
        }
    }

    #[test]
    fn markers_stay_hidden_and_exact() {
        assert_eq!(
            Marker::new("mirage:preview pr=12").unwrap().as_str(),
            "<!-- mirage:preview pr=12 -->"
        );
        for bad in ["", "a -- b", "a > b", "a\nb", &"x".repeat(201)] {
            assert!(Marker::new(bad).is_err(), "{bad:?}");
        }
        let one = Marker::new("mirage:preview pr=1").unwrap();
        let twelve = Marker::new("mirage:preview pr=12").unwrap();
        assert!(!one.labels(&twelve.stamp("x")));
        assert!(twelve.labels(&twelve.stamp("x")));
    }

    #[test]
    fn a_quote_of_the_comment_is_not_the_comment() {
        let marker = Marker::new("mirage:preview pr=3").unwrap();
        let comments = [
            comment(
                5,
                &format!("> {}\n> old status\n\nwhy is it red?", marker.as_str()),
            ),
            comment(9, &marker.stamp("second")),
            comment(7, &marker.stamp("first")),
            comment(8, "unrelated"),
        ];
        let found: Vec<u64> = find_marked(&comments, &marker)
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(found, [7, 9]);
    }

    #[test]
    fn stamping_is_idempotent() {
        let marker = Marker::new("m").unwrap();
        let once = marker.stamp("hello");
        assert_eq!(once, "<!-- m -->\nhello");
        assert_eq!(marker.stamp(&once), once);
    }
}
