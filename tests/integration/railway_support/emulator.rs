//! The emulator as the client's tests use it: started on a real socket,
//! with a seeded project.

use std::collections::BTreeMap;
use std::time::Duration;

use cynic::MutationBuilder;
use mirage::emulator::{Emulator, Options, RunningEmulator};
use mirage::railway::ops::environment::{
    EnvironmentCreate, EnvironmentCreateInput, EnvironmentCreateVariables,
};
use mirage::railway::ops::project::{ProjectCreate, ProjectCreateInput, ProjectCreateVariables};
use mirage::railway::ops::service::{
    ServiceCreate, ServiceCreateInput, ServiceCreateVariables, ServiceSourceInput,
};
use mirage::railway::{Client, ClientOptions, Credentials, RetryPolicy, Token};

/// Starts an emulator (fast deployment clock) and a client for it.
pub async fn start() -> (RunningEmulator, Client) {
    start_with(Options::default(), 3).await
}

/// Starts an emulator with `options` (fast deployment clock) and a client
/// that makes up to `attempts` attempts per request.
pub async fn start_with(options: Options, attempts: u32) -> (RunningEmulator, Client) {
    let emulator = Emulator::start(Options {
        clock: Duration::from_millis(20),
        ..options
    })
    .await
    .expect("emulator starts");
    let client = Client::new(ClientOptions {
        credentials: Some(Credentials::Account(Token::new("e2e-token"))),
        requests_per_second: 0.0,
        retry: RetryPolicy {
            max_attempts: attempts,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            deadline: Duration::from_secs(10),
        },
        ..ClientOptions::default().with_endpoint(emulator.url())
    })
    .expect("client");
    (emulator, client)
}

/// The emulator's counters (`GET /_emulator/stats`).
pub async fn emulator_stats(emulator: &RunningEmulator) -> serde_json::Value {
    reqwest::get(format!("{}/stats", emulator.admin_url()))
        .await
        .expect("stats")
        .json()
        .await
        .expect("stats json")
}

/// The emulator's own request counter.
pub async fn emulator_requests(emulator: &RunningEmulator) -> u64 {
    emulator_stats(emulator).await["requests"]
        .as_u64()
        .expect("requests counter")
}

/// A `serviceCreate` of an image service.
pub fn image(
    name: &str,
    project_id: &str,
    image: &str,
) -> cynic::Operation<ServiceCreate, ServiceCreateVariables> {
    ServiceCreate::build(ServiceCreateVariables {
        input: ServiceCreateInput {
            project_id: project_id.into(),
            name: Some(name.into()),
            source: Some(ServiceSourceInput {
                image: Some(image.into()),
                repo: None,
            }),
            ..ServiceCreateInput::default()
        },
    })
}

/// A project with three environments and four services.
pub async fn seed(client: &Client) -> (String, Vec<(String, String)>) {
    let project = client
        .mutate(ProjectCreate::build(ProjectCreateVariables {
            input: ProjectCreateInput {
                name: Some("e2e".into()),
                default_environment_name: Some("production".into()),
                ..ProjectCreateInput::default()
            },
        }))
        .await
        .expect("projectCreate")
        .project_create;
    let project_id = project.id.into_inner();
    let environments = client
        .batch(
            ["staging", "dev"]
                .into_iter()
                .map(|name| {
                    EnvironmentCreate::build(EnvironmentCreateVariables {
                        input: EnvironmentCreateInput {
                            project_id: project_id.clone(),
                            name: name.into(),
                            ..EnvironmentCreateInput::default()
                        },
                    })
                })
                .collect(),
        )
        .await
        .expect("environmentCreate batch");
    assert!(environments.iter().all(Result::is_ok), "{environments:?}");
    let services = client
        .batch(
            [
                ("web", "nginx:1"),
                ("worker", "busybox:1"),
                ("api", "node:22"),
                ("cache", "redis:7"),
            ]
            .into_iter()
            .map(|(name, tag)| image(name, &project_id, tag))
            .collect(),
        )
        .await
        .expect("serviceCreate batch");
    let services = services
        .into_iter()
        .map(|service| {
            let service = service.expect("service created").service_create;
            (service.name, service.id.into_inner())
        })
        .collect();
    (project_id, services)
}

/// A seeded emulator: project `e2e` with environments production, staging
/// and dev, and services web, worker, api and cache.
pub struct Seeded {
    /// The running emulator.
    pub emulator: RunningEmulator,
    /// A client pointed at it.
    pub client: Client,
    /// The project.
    pub project_id: String,
    /// Service `web`.
    pub web: String,
    /// Service `worker`.
    pub worker: String,
    /// Environment `production`.
    pub production: String,
    /// Environment `staging`.
    pub staging: String,
}

/// Starts an emulator and seeds it.
pub async fn seeded() -> Seeded {
    let (emulator, client) = start().await;
    let (project_id, services) = seed(&client).await;
    let services: BTreeMap<String, String> = services.into_iter().collect();
    let snapshot = client
        .read_project(&project_id)
        .await
        .expect("read_project");
    let environment = |name: &str| {
        snapshot
            .environment(name)
            .expect("seeded environment")
            .id
            .clone()
    };
    Seeded {
        web: services["web"].clone(),
        worker: services["worker"].clone(),
        production: environment("production"),
        staging: environment("staging"),
        emulator,
        client,
        project_id,
    }
}
