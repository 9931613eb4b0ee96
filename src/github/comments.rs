//! Issue comments (a pull request's conversation is its issue's): list
//! (every page), get, create, edit, delete. GitHub docs: "REST API endpoints for
//! issue comments".

use std::fmt;

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::client::{Client, Effect};
use super::error::GithubError;

/// A repository, `OWNER/NAME`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Repo {
    owner: String,
    name: String,
}

impl Repo {
    /// A repository from its owner and name, checked against GitHub's
    /// rules (owners: letters, digits, `-`; names also `_` and `.`), so
    /// neither can reach another path.
    pub fn new(owner: &str, name: &str) -> Result<Repo, GithubError> {
        let bad = |what: &str| GithubError::BadArgument {
            message: format!("`{owner}/{name}` is not a GitHub repository: {what}"),
        };
        let owner_ok = !owner.is_empty()
            && owner.len() <= 39
            && owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !owner_ok {
            return Err(bad("the owner has letters, digits and `-` only"));
        }
        let name_ok = !name.is_empty()
            && name.len() <= 100
            && name != "."
            && name != ".."
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !name_ok {
            return Err(bad("the name has letters, digits, `-`, `_` and `.` only"));
        }
        Ok(Repo {
            owner: owner.to_owned(),
            name: name.to_owned(),
        })
    }

    /// Reads `OWNER/NAME` (what `GITHUB_REPOSITORY` holds in Actions).
    pub fn parse(full_name: &str) -> Result<Repo, GithubError> {
        match full_name.trim().split_once('/') {
            Some((owner, name)) => Repo::new(owner, name),
            None => Err(GithubError::BadArgument {
                message: format!("`{full_name}` is not a GitHub repository: write `OWNER/NAME`"),
            }),
        }
    }

    /// The owner (user or organisation).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The repository's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for Repo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// A comment's author.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The login (`mirage-app[bot]` for an App).
    pub login: String,
}

/// An issue (or pull request) comment, the fields Mirage reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueComment {
    /// The comment's id.
    pub id: u64,
    /// Its Markdown body.
    #[serde(default)]
    pub body: Option<String>,
    /// Where people see it.
    #[serde(default)]
    pub html_url: Option<String>,
    /// Who wrote it (null for a deleted account).
    #[serde(default)]
    pub user: Option<User>,
    /// When it was created (RFC 3339).
    #[serde(default)]
    pub created_at: Option<String>,
    /// When it was last edited (RFC 3339).
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl Client {
    /// Every comment on issue or pull request `number`, oldest first.
    pub async fn list_issue_comments(
        &self,
        repo: &Repo,
        number: u64,
    ) -> Result<Vec<IssueComment>, GithubError> {
        let number = number.to_string();
        let mut url = self.url(&[
            "repos",
            repo.owner(),
            repo.name(),
            "issues",
            &number,
            "comments",
        ]);
        url.query_pairs_mut().append_pair("per_page", "100");
        self.get_all_pages(url).await
    }

    /// One comment.
    pub async fn get_issue_comment(
        &self,
        repo: &Repo,
        id: u64,
    ) -> Result<IssueComment, GithubError> {
        let url = self.comment_url(repo, id);
        self.request(Method::GET, url, None, Effect::Idempotent)
            .await?
            .json()
    }

    /// Adds a comment. Never sent twice when the outcome is unknown: the
    /// error then says [`GithubError::may_have_happened`], and the caller
    /// reads back (see [`super::sticky`]).
    pub async fn create_issue_comment(
        &self,
        repo: &Repo,
        number: u64,
        body: &str,
    ) -> Result<IssueComment, GithubError> {
        let number = number.to_string();
        let url = self.url(&[
            "repos",
            repo.owner(),
            repo.name(),
            "issues",
            &number,
            "comments",
        ]);
        let body = serde_json::json!({ "body": body });
        self.request(Method::POST, url, Some(&body), Effect::Create)
            .await?
            .json()
    }

    /// Replaces a comment's body (the same edit twice is one edit).
    pub async fn update_issue_comment(
        &self,
        repo: &Repo,
        id: u64,
        body: &str,
    ) -> Result<IssueComment, GithubError> {
        let url = self.comment_url(repo, id);
        let body = serde_json::json!({ "body": body });
        self.request(Method::PATCH, url, Some(&body), Effect::Idempotent)
            .await?
            .json()
    }

    /// Deletes a comment (`204`). Deleting one already gone is GitHub's
    /// `404`, which the caller may take as done.
    pub async fn delete_issue_comment(&self, repo: &Repo, id: u64) -> Result<(), GithubError> {
        let url = self.comment_url(repo, id);
        self.request(Method::DELETE, url, None, Effect::Idempotent)
            .await
            .map(|_| ())
    }

    fn comment_url(&self, repo: &Repo, id: u64) -> reqwest::Url {
        let id = id.to_string();
        self.url(&[
            "repos",
            repo.owner(),
            repo.name(),
            "issues",
            "comments",
            &id,
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::Repo;

    #[test]
    fn repositories_are_checked() {
        assert_eq!(
            Repo::parse("octo-org/hello.world_2").unwrap().to_string(),
            "octo-org/hello.world_2"
        );
        assert!(Repo::parse("octo").is_err());
        assert!(Repo::parse("octo/..").is_err());
        assert!(Repo::parse("octo/a/b").is_err());
        assert!(Repo::parse("../x/y").is_err());
        assert!(Repo::parse("octo/a%2Fb").is_err());
        assert!(Repo::parse("/x").is_err());
    }
}
