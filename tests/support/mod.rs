//! Helpers shared by the integration tests. Each test binary includes this
//! module (`mod support;`) and uses the part it needs.

#![allow(dead_code, unused_imports)]

mod cli;
mod emulator;
mod live;

pub use cli::*;
pub use emulator::*;
pub use live::*;
