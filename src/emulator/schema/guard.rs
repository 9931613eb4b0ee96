//! Who is calling, and Railway's error shape for refusals.

use async_graphql::{Context, Error, ErrorExtensions};

use crate::emulator::core::Core;
use crate::emulator::ops::ApiError;

/// The caller of one request, from its headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// An account token (`Authorization: Bearer`).
    Account,
    /// A workspace (team) token (`Authorization: Bearer`): reaches the
    /// workspace's projects but is no user, so `me` refuses it.
    Workspace,
    /// A project token (`project-access-token`), scoped to one environment.
    Project {
        project_id: String,
        environment_id: String,
    },
    /// A `project-access-token` the emulator does not know.
    UnknownProjectToken,
    /// No token, or an account token that is not accepted.
    Anonymous,
}

/// The error Railway returns for `e`, with `extensions.code`.
pub fn api_error(e: ApiError) -> Error {
    let (message, code) = match e {
        ApiError::NotAuthorized => ("Not Authorized".to_string(), "INTERNAL_SERVER_ERROR"),
        ApiError::NotFound(m) => (m, "INTERNAL_SERVER_ERROR"),
        ApiError::BadInput(m) => (m, "BAD_USER_INPUT"),
    };
    Error::new(message).extend_with(|_, ext| ext.set("code", code))
}

/// Shorthand for resolver results.
pub type GqlResult<T> = Result<T, Error>;

/// The shared emulator core.
pub fn core<'a>(ctx: &Context<'a>) -> &'a Core {
    ctx.data_unchecked::<std::sync::Arc<Core>>()
}

/// The caller of this request.
pub fn caller<'a>(ctx: &Context<'a>) -> &'a Caller {
    ctx.data_opt::<Caller>().unwrap_or(&Caller::Anonymous)
}

/// Any authenticated caller.
pub fn require_any(ctx: &Context<'_>) -> GqlResult<()> {
    match caller(ctx) {
        Caller::Account | Caller::Workspace | Caller::Project { .. } => Ok(()),
        Caller::UnknownProjectToken => Err(api_error(ApiError::NotFound(
            "Project Token not found".into(),
        ))),
        Caller::Anonymous => Err(api_error(ApiError::NotAuthorized)),
    }
}

/// An account or workspace token (`projects`, `projectCreate`,
/// `apiToken`): not a project token.
pub fn require_account(ctx: &Context<'_>) -> GqlResult<()> {
    require_any(ctx)?;
    match caller(ctx) {
        Caller::Account | Caller::Workspace => Ok(()),
        _ => Err(api_error(ApiError::NotAuthorized)),
    }
}

/// An account token only: `me` answers for a user, and Railway refuses it
/// to workspace and project tokens (API-NOTES §1).
pub fn require_user(ctx: &Context<'_>) -> GqlResult<()> {
    require_any(ctx)?;
    match caller(ctx) {
        Caller::Account => Ok(()),
        _ => Err(api_error(ApiError::NotAuthorized)),
    }
}

/// A caller allowed to see a project.
pub fn require_project(ctx: &Context<'_>, project_id: &str) -> GqlResult<()> {
    require_any(ctx)?;
    match caller(ctx) {
        Caller::Project { project_id: p, .. } if p != project_id => {
            Err(api_error(ApiError::NotAuthorized))
        }
        _ => Ok(()),
    }
}

/// A caller allowed to see an environment of a project.
pub fn require_environment(
    ctx: &Context<'_>,
    project_id: &str,
    environment_id: &str,
) -> GqlResult<()> {
    require_project(ctx, project_id)?;
    match caller(ctx) {
        Caller::Project {
            environment_id: e, ..
        } if e != environment_id => Err(api_error(ApiError::NotAuthorized)),
        _ => Ok(()),
    }
}

/// An `ops` result as a resolver result, with Railway's error shape.
pub fn gql<T>(r: crate::emulator::ops::ApiResult<T>) -> GqlResult<T> {
    r.map_err(api_error)
}

/// Runs a state operation as one write (all or nothing, then persisted).
pub fn write<T>(
    ctx: &Context<'_>,
    f: impl FnOnce(
        &mut crate::emulator::state::State,
        &mut crate::emulator::ops::Tick,
    ) -> crate::emulator::ops::ApiResult<T>,
) -> GqlResult<T> {
    gql(core(ctx).write(f))
}

/// Looks a record up under a shared read and wraps it as a GraphQL object;
/// a missing record is Railway's `"<what> not found"`.
pub fn lookup<T, W>(
    ctx: &Context<'_>,
    what: &str,
    find: impl FnOnce(&crate::emulator::state::State) -> Option<T>,
    wrap: impl FnOnce(T) -> W,
) -> GqlResult<W> {
    core(ctx)
        .read(find)
        .map(wrap)
        .ok_or_else(|| api_error(ApiError::NotFound(format!("{what} not found"))))
}

/// An input that tells absent (`None`) from null (`Some(None)`), the way
/// `ops` takes it.
pub fn absent_or_null<T>(value: async_graphql::MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        async_graphql::MaybeUndefined::Undefined => None,
        async_graphql::MaybeUndefined::Null => Some(None),
        async_graphql::MaybeUndefined::Value(v) => Some(Some(v)),
    }
}
