//! `/new`, `/projects/{p}/new`: create an environment in three steps.

use std::sync::Arc;

use axum::Router;

use crate::serve::server::App;

/// The wizard's routes (behind the pages' gate).
pub(super) fn routes() -> Router<Arc<App>> {
    Router::new()
}
