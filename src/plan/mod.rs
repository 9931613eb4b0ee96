//! Planning: compare the desired model with Railway's actual state (and what
//! Mirage owns) and say what would change.
//!
//! * [`diff()`]: the pure function (no network, no database).
//! * [`conflicts`]: duplicates on Railway that a plan refuses.
//! * [`Plan`]: the result; sensitive values are [`Sensitive`] and cannot be
//!   printed.
//! * [`render`]: text, Markdown and JSON.
//! * [`saved`]: plan files that remember each environment's `configEtag`.

pub mod conflicts;
pub mod desired;
pub mod diff;
pub mod render;
pub mod saved;
pub mod secrets;
pub mod teardown;
pub mod types;
pub mod value;

pub use diff::{Digests, Filter, Owned, diff, env_secrets};
pub use types::{
    Action, Change, EnvironmentPlan, ExistingEnvironment, FORMAT_VERSION, Managed, Management,
    Plan, ServicePlan, Summary, TemplatePlan, Unmanaged,
};
pub use value::{PlanValue, Sensitive};
