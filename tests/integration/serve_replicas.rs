//! Two `mirage serve` replicas — real child processes — on one PostgreSQL
//! database: the one running a job is killed with SIGKILL, and the other
//! takes the job once its lease has run out and finishes it. The job's
//! effect is made exactly once.
//!
//! (That the GC is queued once per period across replicas, and that no
//! job runs twice or beside another of its pull request, is asserted by
//! `serve::two_replicas_on_postgres_never_run_the_same_job`.)

use crate::support;

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mirage::auth::{WebhookSecret, sign_body};
use mirage::serve::{
    self, Cancel, Config, PreviewError, PreviewFuture, PreviewNames, PreviewTarget, Previews,
};
use mirage::state::{JobState, Location, Store};

const SECRET: &str = "It's a Secret to Everybody";
const PROJECT: &str = "shop";
const CHILD: &str = "MIRAGE_TEST_REPLICA_CHILD";

/// The previews of one replica: every call and every effect is appended,
/// with the replica's name, to a file shared by both processes. An `up`
/// holds on while the `hold` file exists (checking its cancel), then
/// makes its effect — "the preview exists" — and returns.
struct Effects {
    replica: String,
    log: PathBuf,
    hold: PathBuf,
}

impl Effects {
    fn append(&self, line: &str) {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        writeln!(file, "{line}").unwrap();
        file.sync_all().unwrap();
    }

    async fn up(&self, target: &PreviewTarget, cancel: &Cancel) -> Result<(), PreviewError> {
        let (number, sha) = (target.number, target.sha.clone().unwrap_or_default());
        self.append(&format!("start up {number} {sha} on {}", self.replica));
        while self.hold.exists() {
            if let Some(reason) = cancel.reason() {
                return Err(PreviewError::transient(format!("stopped: {reason}")));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.append(&format!("created pr-{number} at {sha} by {}", self.replica));
        Ok(())
    }
}

impl Previews for Effects {
    fn up<'a>(&'a self, pr: &'a PreviewTarget, cancel: &'a Cancel) -> PreviewFuture<'a> {
        Box::pin(self.up(pr, cancel))
    }

    fn down<'a>(&'a self, pr: &'a PreviewTarget, _: &'a Cancel) -> PreviewFuture<'a> {
        self.append(&format!("down {} on {}", pr.number, self.replica));
        Box::pin(async { Ok(()) })
    }

    fn gc<'a>(&'a self, _: &'a Cancel) -> PreviewFuture<'a> {
        Box::pin(async { Ok(()) })
    }

    fn refresh_comment<'a>(&'a self, _: &'a PreviewTarget, _: &'a Cancel) -> PreviewFuture<'a> {
        Box::pin(async { Ok(()) })
    }
}

fn config(location: &Location, replica: &str) -> Config {
    serve::log::set_enabled(false);
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        location.clone(),
        PROJECT,
        WebhookSecret::new(SECRET).unwrap(),
    );
    config.names = PreviewNames::new(vec![("pr-".into(), String::new())]);
    config.gc_every = None;
    config.lease = Duration::from_secs(2);
    config.poll = Duration::from_millis(20);
    config.worker = replica.to_owned();
    config
}

/// Not a test on its own: one replica of
/// [`a_replica_killed_mid_job_the_other_finishes_it`], started as a child
/// process (`--exact serve_replicas::replica_child`) so it can be killed
/// with SIGKILL. `MIRAGE_TEST_REPLICA_CHILD` is
/// `LOCATION|NAME|LOG FILE|HOLD FILE`.
#[test]
fn replica_child() {
    let Ok(spec) = std::env::var(CHILD) else {
        return;
    };
    let parts: Vec<&str> = spec.split('|').collect();
    let [location, name, log, hold] = parts[..] else {
        panic!("{CHILD} is {spec:?}");
    };
    let location = Location::parse(location);
    let effects = Arc::new(Effects {
        replica: name.to_owned(),
        log: PathBuf::from(log),
        hold: PathBuf::from(hold),
    });
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let running = serve::start(config(&location, name), effects)
            .await
            .expect("serve starts");
        println!("\nLISTENING {}", running.addr());
        std::io::stdout().flush().unwrap();
        tokio::time::sleep(Duration::from_secs(120)).await;
    });
}

/// A replica child, killed when dropped.
struct Replica {
    child: std::process::Child,
    addr: SocketAddr,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(location: &str, name: &str, log: &Path, hold: &Path) -> Replica {
    let (child, addr) = support::spawn_serve_child(
        "serve_replicas::replica_child",
        CHILD,
        &format!("{location}|{name}|{}|{}", log.display(), hold.display()),
    );
    Replica { child, addr }
}

fn opened(number: u64, sha: &str) -> Option<Vec<u8>> {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/github/pull_request.opened.payload.json");
    let Ok(bytes) = std::fs::read(&fixture) else {
        eprintln!("skipping: {} is absent", fixture.display());
        return None;
    };
    let mut body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    body["number"] = number.into();
    body["pull_request"]["number"] = number.into();
    body["pull_request"]["head"]["sha"] = sha.into();
    body["pull_request"]["draft"] = false.into();
    Some(serde_json::to_vec(&body).unwrap())
}

/// Two replicas serve one PostgreSQL database. A pull request's `up` runs
/// on one of them; that one is killed with SIGKILL mid-job. The other —
/// which kept serving throughout — claims the job once its lease (2 s)
/// has run out, runs it again from the start and finishes it: the
/// preview is created once, by the survivor, and the job is `done` on its
/// second attempt with the survivor as its worker.
#[tokio::test(flavor = "multi_thread")]
async fn a_replica_killed_mid_job_the_other_finishes_it() {
    let Some(server) = support::postgres() else {
        return;
    };
    let sha = format!("{:040}", 41);
    let Some(body) = opened(41, &sha) else { return };
    let url = server.database();
    let location = Location::parse(&url);
    // Migrated before the replicas start.
    let store = Store::connect(&location).unwrap();
    let work = tempfile::tempdir().unwrap();
    let log = work.path().join("effects.log");
    let hold = work.path().join("hold");
    std::fs::write(&hold, "").unwrap();

    let mut replicas = vec![
        spawn(&url, "replica-a", &log, &hold),
        spawn(&url, "replica-b", &log, &hold),
    ];
    let client = reqwest::Client::new();
    let answer = client
        .post(format!("http://{}/webhooks/github", replicas[0].addr))
        .header("content-type", "application/json")
        .header("x-github-event", "pull_request")
        .header("x-github-delivery", "replicas-1")
        .header(
            "x-hub-signature-256",
            sign_body(&WebhookSecret::new(SECRET).unwrap(), &body),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 202);

    // Whichever replica claimed the job is the one killed.
    let first = support::wait_for_line(&log, "start up 41", Duration::from_secs(10)).await;
    let (victim, survivor) = if first.ends_with("on replica-a") {
        (0, "replica-b")
    } else {
        (1, "replica-a")
    };
    let job = &store.jobs(PROJECT).unwrap()[0];
    assert_eq!(job.state, JobState::Running);
    assert_ne!(job.worker.as_deref(), Some(survivor), "{job:?}");
    let mut killed = replicas.remove(victim);
    killed.child.kill().unwrap(); // SIGKILL
    killed.child.wait().unwrap();
    let killed_at = Instant::now();
    let survivor_addr = replicas[0].addr;
    // The job may go on now; the survivor is still serving.
    std::fs::remove_file(&hold).unwrap();
    let health = client
        .get(format!("http://{survivor_addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);

    let created = support::wait_for_line(&log, "created pr-41", Duration::from_secs(20)).await;
    let waited = killed_at.elapsed();
    assert_eq!(created, format!("created pr-41 at {sha} by {survivor}"));
    // Recorded in the database just after the previews returned.
    let deadline = Instant::now() + Duration::from_secs(10);
    while store.jobs(PROJECT).unwrap()[0].state != JobState::Done {
        assert!(Instant::now() < deadline, "never recorded done");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let jobs = store.jobs(PROJECT).unwrap();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(
        (jobs[0].state, jobs[0].attempts, jobs[0].worker.as_deref()),
        (JobState::Done, 2, Some(survivor)),
    );
    // Taken over after the lease (renewed every second, 2 s long), not
    // at once and not much later.
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(15),
        "taken over after {waited:?}"
    );
    // Give a second run a chance to show itself, then read the effects:
    // started twice (once per replica), made once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let lines = support::lines_of(&log);
    let victim_name = if survivor == "replica-a" {
        "replica-b"
    } else {
        "replica-a"
    };
    assert_eq!(
        lines,
        [
            format!("start up 41 {sha} on {victim_name}"),
            format!("start up 41 {sha} on {survivor}"),
            format!("created pr-41 at {sha} by {survivor}"),
        ]
    );
}
