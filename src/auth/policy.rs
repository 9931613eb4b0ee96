//! Who may do what in `mirage serve`: the one function every handler
//! calls ([`authorize`]), so that the rules are read, reviewed and tested
//! in one place (issue #17).
//!
//! Roles are per project. `admin` may do everything in the project,
//! including its users, roles, API tokens and settings, and plan/apply of
//! the whole project; `member` may read everything in the project, create
//! environments from its templates, and change or destroy the environments
//! they own; `viewer` may only read. A principal with no role in a project
//! may do nothing in it — not even learn that it exists: the refusal for
//! an unknown project and for a forbidden one is the same
//! ([`Decision::NotFound`]), so ids cannot be probed.

use std::collections::BTreeMap;

/// A role in one project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Read only.
    Viewer,
    /// Read, create environments from templates, manage their own.
    Member,
    /// Everything in the project.
    Admin,
}

impl Role {
    /// `viewer`, `member` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Member => "member",
            Role::Admin => "admin",
        }
    }

    /// The role called `name`.
    pub fn parse(name: &str) -> Option<Role> {
        match name {
            "viewer" => Some(Role::Viewer),
            "member" => Some(Role::Member),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Who asks: a signed-in user or an API token, with their roles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The user's id (for an API token: the id of the user who made it).
    pub user: String,
    /// Their role in each project they have one in.
    pub roles: BTreeMap<String, Role>,
    /// For an API token: the one project and the highest role it was made
    /// for (a token never has more than its maker's role, nor reaches
    /// another project).
    pub token_scope: Option<(String, Role)>,
}

impl Principal {
    /// The role that counts in `project`: the user's, capped by a token's
    /// scope.
    pub fn role_in(&self, project: &str) -> Option<Role> {
        let role = *self.roles.get(project)?;
        match &self.token_scope {
            None => Some(role),
            Some((scoped, cap)) if scoped == project => Some(role.min(*cap)),
            Some(_) => None,
        }
    }
}

/// What is asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read the project, its environments, services, templates, previews.
    Read,
    /// Create an environment from one of the project's templates.
    CreateEnvironment,
    /// Change an environment made through serve (variables, TTL).
    ChangeEnvironment,
    /// Destroy an environment made through serve.
    DestroyEnvironment,
    /// Plan and apply the project's files (every environment).
    ApplyProject,
    /// Read the audit log of the project.
    ReadAudit,
    /// Grant and revoke roles, create and revoke API tokens, change the
    /// project's settings and its Railway token.
    Administer,
}

impl Action {
    /// Every action, for tests and documentation.
    pub const ALL: [Action; 7] = [
        Action::Read,
        Action::CreateEnvironment,
        Action::ChangeEnvironment,
        Action::DestroyEnvironment,
        Action::ApplyProject,
        Action::ReadAudit,
        Action::Administer,
    ];
}

/// What the action is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target<'a> {
    /// The project (`None`: it does not exist).
    pub project: Option<&'a str>,
    /// For an environment made through serve: the user who owns it.
    pub owner: Option<&'a str>,
}

/// The answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allow,
    /// The principal may see the project but not do this (`403`).
    Forbidden,
    /// The project does not exist, or the principal may not know it does
    /// (`404`, the same answer for both).
    NotFound,
}

/// Whether `principal` may do `action` on `target`.
pub fn authorize(principal: &Principal, action: Action, target: &Target<'_>) -> Decision {
    let Some(role) = target.project.and_then(|p| principal.role_in(p)) else {
        return Decision::NotFound;
    };
    let owns = target.owner == Some(principal.user.as_str());
    let allowed = match action {
        Action::Read => true,
        Action::CreateEnvironment => role >= Role::Member,
        // A member acting on someone else's environment is told it does
        // not exist (the same answer as for an unknown one): the API's
        // environment paths can then not be used to probe whose is whose.
        Action::ChangeEnvironment | Action::DestroyEnvironment if role == Role::Member && !owns => {
            return Decision::NotFound;
        }
        Action::ChangeEnvironment | Action::DestroyEnvironment => {
            role == Role::Admin || (role == Role::Member && owns)
        }
        Action::ApplyProject | Action::ReadAudit | Action::Administer => role == Role::Admin,
    };
    if allowed {
        Decision::Allow
    } else {
        Decision::Forbidden
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Option<Role>, token: Option<Role>) -> Principal {
        Principal {
            user: "ana".into(),
            roles: role
                .map(|r| BTreeMap::from([("shop".to_owned(), r)]))
                .unwrap_or_default(),
            token_scope: token.map(|r| ("shop".to_owned(), r)),
        }
    }

    /// The whole matrix: every role (and none) × every action × owner or
    /// not, written out as the table `docs/serve.md` shows.
    #[test]
    fn the_matrix() {
        use Decision::{Allow as A, Forbidden as F, NotFound as N};
        // Rows: Read, Create, Change, Destroy, ApplyProject, ReadAudit,
        // Administer; columns: (owner, not owner).
        let expected: [(Option<Role>, [[Decision; 2]; 7]); 4] = [
            (None, [[N, N]; 7]),
            (
                Some(Role::Viewer),
                [[A, A], [F, F], [F, F], [F, F], [F, F], [F, F], [F, F]],
            ),
            (
                Some(Role::Member),
                [[A, A], [A, A], [A, N], [A, N], [F, F], [F, F], [F, F]],
            ),
            (Some(Role::Admin), [[A, A]; 7]),
        ];
        for (role, rows) in expected {
            for (action, row) in Action::ALL.iter().zip(rows) {
                for (owner, want) in [("ana", row[0]), ("bob", row[1])] {
                    let target = Target {
                        project: Some("shop"),
                        owner: Some(owner),
                    };
                    assert_eq!(
                        authorize(&principal(role, None), *action, &target),
                        want,
                        "{role:?} {action:?} owner={owner}"
                    );
                }
            }
        }
    }

    #[test]
    fn unknown_and_foreign_projects_answer_alike() {
        let admin = principal(Some(Role::Admin), None);
        for project in [None, Some("other")] {
            let target = Target {
                project,
                owner: Some("ana"),
            };
            for action in Action::ALL {
                assert_eq!(authorize(&admin, action, &target), Decision::NotFound);
            }
        }
    }

    #[test]
    fn a_token_never_exceeds_its_scope_or_its_maker() {
        // An admin's member token: a member's rights (someone else's
        // environment is not found).
        let token = principal(Some(Role::Admin), Some(Role::Member));
        let theirs = Target {
            project: Some("shop"),
            owner: Some("bob"),
        };
        assert_eq!(
            authorize(&token, Action::DestroyEnvironment, &theirs),
            Decision::NotFound
        );
        assert_eq!(
            authorize(&token, Action::CreateEnvironment, &theirs),
            Decision::Allow
        );
        // A viewer's admin token: still a viewer.
        let token = principal(Some(Role::Viewer), Some(Role::Admin));
        assert_eq!(
            authorize(&token, Action::CreateEnvironment, &theirs),
            Decision::Forbidden
        );
        // A token for another project reaches nothing here.
        let mut elsewhere = principal(Some(Role::Admin), None);
        elsewhere.token_scope = Some(("other".into(), Role::Admin));
        assert_eq!(
            authorize(&elsewhere, Action::Read, &theirs),
            Decision::NotFound
        );
    }

    #[test]
    fn role_names_round_trip() {
        for role in [Role::Viewer, Role::Member, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("owner"), None);
    }
}
