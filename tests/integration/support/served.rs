//! `mirage serve` started in the test's process on a world's emulator:
//! the configuration every serve test starts from, and the service with
//! the real `Lifecycle` reading the world's Railway.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use mirage::auth::WebhookSecret;
use mirage::serve::{self, Config, Lifecycle, Running};
use mirage::state::{FixedClock, Location, Timestamp};

use super::World;

/// Serve's configuration for the project `project` in `dir`: state in
/// `dir/.mirage/state.db`, serve's log off, no collection schedule, jobs
/// polled every 20 ms.
pub fn serve_config(dir: &Path, project: &str) -> Config {
    serve::log::set_enabled(false);
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        Location::File(dir.join(".mirage/state.db")),
        project,
        WebhookSecret::new("It's a Secret to Everybody").unwrap(),
    );
    config.gc_every = None;
    config.poll = Duration::from_millis(20);
    config
}

/// `mirage serve` with `config`, its jobs run by the real lifecycle on
/// `world`'s emulator (waiting up to a minute for deployments).
pub async fn serve_world(world: &World, config: Config) -> Running {
    let clock = Arc::new(FixedClock::at(Timestamp::now()));
    let lifecycle = Lifecycle::new(
        crate::preview::context(world, clock),
        world.path(),
        mirage::github::ClientOptions::default(),
    )
    .with_wait(Duration::from_secs(60));
    serve::start(config, Arc::new(lifecycle))
        .await
        .expect("serve starts")
}
