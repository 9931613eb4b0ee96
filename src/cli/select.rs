//! The engine's checks of the names a command is given ([`engine::select`]:
//! `DIR`, `--env`, `--service`), for the commands that only read files:
//! a failure is printed and becomes the exit code (2).

use std::path::Path;
use std::process::ExitCode;

use super::context::fail;
use crate::engine;
use crate::model::{Environment, Project, ServiceInstance};

pub use crate::engine::select::list;

/// `DIR` must be an existing directory.
pub fn directory(dir: &Path) -> Result<(), ExitCode> {
    engine::select::directory(dir).map_err(fail)
}

/// The environment called `name`.
pub fn environment<'p>(project: &'p Project, name: &str) -> Result<&'p Environment, ExitCode> {
    engine::select::environment(project, name).map_err(fail)
}

/// The service instance called `name` in `env`.
pub fn service<'e>(env: &'e Environment, name: &str) -> Result<&'e ServiceInstance, ExitCode> {
    engine::select::service(env, name).map_err(fail)
}
