//! `/admin…`: administration of the projects the caller is an admin of.

use std::sync::Arc;

use axum::Router;

use crate::serve::server::App;

/// The admin pages' routes (behind the pages' gate).
pub(super) fn routes() -> Router<Arc<App>> {
    Router::new()
}
