//! Helpers shared by the integration tests. Each test binary includes this
//! module (`mod support;`) and uses the part it needs.

#![allow(dead_code, unused_imports)]

mod browser;
mod child;
mod cli;
mod emulator;
mod golden;
mod live;
mod postgres;
mod program;
mod served;
mod world;

pub use browser::*;
pub use child::*;
pub use cli::*;
pub use emulator::*;
pub use golden::*;
pub use live::*;
pub use postgres::*;
pub use program::*;
pub use served::*;
pub use world::*;
