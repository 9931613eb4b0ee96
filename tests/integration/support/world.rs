//! A project directory (a copy of an example) and an emulator, with the
//! real `mirage` binary run against it over HTTP: the setup shared by the
//! plan/apply end-to-end tests.

#![allow(dead_code)] // each test binary uses a different part

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use super::{Harness, copy_dir, mirage_bin, repo_root};

/// The value of `STRIPE_KEY` (a secret of the `saas` example) in every run.
pub const STRIPE: &str = "sk_test_e2e_NEVER_PRINT_4f9a";
/// The value of `ORBIT_PAYMENTS_TOKEN` (`microservices`) in every run.
pub const ORBIT: &str = "orbit_e2e_NEVER_PRINT_77c1";
/// The values of the `TEAM_*` secrets (`team-service`) in every run: the
/// variable's name and its value.
pub const TEAM: &[(&str, &str)] = &[
    ("TEAM_OIDC_CLIENT_SECRET", "team_e2e_NEVER_PRINT_oidc_5b1e"),
    (
        "TEAM_GITHUB_WEBHOOK_SECRET",
        "team_e2e_NEVER_PRINT_hook_c3d0",
    ),
    ("TEAM_MASTER_KEY", "team_e2e_NEVER_PRINT_key_0a9f"),
    ("TEAM_METRICS_TOKEN", "team_e2e_NEVER_PRINT_metrics_71e4"),
    ("TEAM_GITHUB_TOKEN", "team_e2e_NEVER_PRINT_github_2f6a"),
    (
        "TEAM_RAILWAY_API_TOKEN",
        "team_e2e_NEVER_PRINT_railway_9c88",
    ),
];

/// A value of [`World::mirage_with`] that unsets the variable instead.
pub const UNSET: &str = "\u{0}unset";

/// One project directory and an emulator.
pub struct World {
    /// The emulator.
    pub harness: Harness,
    /// The project directory.
    pub dir: tempfile::TempDir,
}

/// What one run of the binary produced.
pub struct Run {
    /// Exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Fails the test unless the run exited 0.
    pub fn ok(self, what: &str) -> Run {
        assert_eq!(
            self.code,
            Some(0),
            "{what} failed\n--- stdout ---\n{}--- stderr ---\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// A project as the emulator holds it.
#[derive(Debug, Clone)]
pub struct RemoteProject {
    /// Railway's id.
    pub id: String,
    /// `(name, id)` of every environment.
    pub environments: Vec<(String, String)>,
    /// `(name, id)` of every service.
    pub services: Vec<(String, String)>,
}

impl World {
    /// A copy of `examples/<name>` and a fresh emulator.
    pub async fn with_example(name: &str) -> World {
        World::with_harness(name, Harness::start().await).await
    }

    /// A copy of `examples/<name>` and the given emulator.
    pub async fn with_harness(name: &str, harness: Harness) -> World {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(&repo_root().join("examples").join(name), dir.path()).expect("copy example");
        World { harness, dir }
    }

    /// A project made of the given `(file name, text)` pairs and a fresh
    /// emulator.
    pub async fn with_files(files: &[(&str, &str)]) -> World {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write a project file");
        }
        World {
            harness: Harness::start().await,
            dir,
        }
    }

    /// A copy of `examples/<name>`, applied once.
    pub async fn applied(name: &str) -> World {
        let world = World::with_example(name).await;
        world.apply().await;
        world
    }

    /// The project directory.
    pub fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// Rewrites project file `file` through `change` (the text in, the
    /// text out).
    pub fn edit(&self, file: &str, change: impl FnOnce(String) -> String) {
        let path = self.dir.path().join(file);
        let text = std::fs::read_to_string(&path).expect("read a project file");
        std::fs::write(&path, change(text)).expect("write a project file");
    }

    /// Runs `mirage ARGS` in the project directory against the emulator.
    pub async fn mirage(&self, args: &[&str]) -> Run {
        self.mirage_with(args, &[]).await
    }

    /// [`World::mirage`] with these environment variables unset (the
    /// secrets of the examples are set otherwise).
    pub async fn mirage_without(&self, args: &[&str], unset: &[&str]) -> Run {
        let marked: Vec<(String, String)> = unset
            .iter()
            .map(|name| ((*name).to_owned(), UNSET.to_owned()))
            .collect();
        let marked: Vec<(&str, &str)> = marked
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.mirage_with(args, &marked).await
    }

    /// [`World::mirage`] with extra environment variables.
    pub async fn mirage_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let url = self.harness.emu.url();
        let token = self.harness.token.clone();
        let dir = self.path();
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        tokio::task::spawn_blocking(move || run_binary(&dir, &url, &token, &args, &env))
            .await
            .expect("the binary runs")
    }

    /// `mirage apply . --auto-approve`, which must succeed.
    pub async fn apply(&self) -> Run {
        self.mirage(&["apply", ".", "--auto-approve"])
            .await
            .ok("apply")
    }

    /// The exit code of `mirage plan . --detailed-exitcode` (0: no changes)
    /// and the run.
    pub async fn plan(&self) -> Run {
        self.mirage(&["plan", ".", "--detailed-exitcode"]).await
    }

    /// Fails the test unless a plan shows no changes.
    pub async fn assert_no_changes(&self, what: &str) {
        let plan = self.plan().await;
        assert_eq!(
            plan.code,
            Some(0),
            "{what}: the plan still has changes\n{}{}",
            plan.stdout,
            plan.stderr
        );
    }

    /// Someone changes environment `env_id` by hand (a shared variable),
    /// which changes its `configEtag`.
    pub async fn touch(&self, env_id: &str) {
        self.harness
            .commit(
                env_id,
                json!({"sharedVariables": {"TOUCHED": {"value": "1"}}}),
            )
            .await
            .data();
    }

    /// Every project on the emulator, with its environments and services.
    pub async fn projects(&self) -> Vec<(String, RemoteProject)> {
        let reply = self
            .harness
            .gql(
                "{ projects { edges { node { id name environments { edges { node { id name } } } services { edges { node { id name } } } } } } }",
                json!({}),
            )
            .await;
        let pairs = |node: &Value, key: &str| -> Vec<(String, String)> {
            node[key]["edges"]
                .as_array()
                .map(|edges| {
                    edges
                        .iter()
                        .map(|e| {
                            (
                                e["node"]["name"].as_str().unwrap_or_default().to_owned(),
                                e["node"]["id"].as_str().unwrap_or_default().to_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        reply.data()["projects"]["edges"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|e| &e["node"])
            .map(|node| {
                (
                    node["name"].as_str().unwrap_or_default().to_owned(),
                    RemoteProject {
                        id: node["id"].as_str().unwrap_or_default().to_owned(),
                        environments: pairs(node, "environments"),
                        services: pairs(node, "services"),
                    },
                )
            })
            .collect()
    }

    /// The project called `name`, which must exist once.
    pub async fn project(&self, name: &str) -> RemoteProject {
        let found: Vec<RemoteProject> = self
            .projects()
            .await
            .into_iter()
            .filter(|(n, _)| n == name)
            .map(|(_, p)| p)
            .collect();
        assert_eq!(found.len(), 1, "one project `{name}`: {found:?}");
        found.into_iter().next().expect("one project")
    }

    /// Fails the test unless the emulator holds project `name` once, each
    /// of its environments and services once, and in every environment at
    /// most one volume and one generated domain per service. Returns it.
    pub async fn assert_no_duplicates(&self, name: &str) -> RemoteProject {
        let project = self.project(name).await;
        for (what, list) in [
            ("environment", &project.environments),
            ("service", &project.services),
        ] {
            let unique: std::collections::BTreeSet<&String> = list.iter().map(|(n, _)| n).collect();
            assert_eq!(unique.len(), list.len(), "a duplicate {what}: {list:?}");
        }
        for (env, env_id) in &project.environments {
            let (config, _) = self.harness.config(env_id).await;
            let services = config["services"].as_object().cloned().unwrap_or_default();
            for (id, service) in services {
                let count = |value: &Value| value.as_object().map_or(0, |m| m.len());
                assert!(
                    count(&service["volumeMounts"]) <= 1,
                    "service {id} has several volumes in `{env}`: {service}"
                );
                assert!(
                    count(&service["networking"]["serviceDomains"]) <= 1,
                    "service {id} has several generated domains in `{env}`: {service}"
                );
            }
        }
        project
    }

    /// Fails the test unless the emulator holds no duplicate of project
    /// `project` (see [`World::assert_no_duplicates`]), every resource of
    /// it there is owned in the state database with the right Railway id
    /// (no orphan), and everything owned exists there.
    pub async fn assert_all_owned(&self, project: &str, point: &str) {
        use mirage::state::{OwnedFilter, ResourceKind, Store};
        let remote = self.assert_no_duplicates(project).await;
        let store = Store::open(self.path().join(".mirage/state.db")).expect("state db");
        let owned = store
            .list_owned(&OwnedFilter {
                project: Some(project.to_owned()),
                ..OwnedFilter::default()
            })
            .expect("owned");
        let id_of = |kind: ResourceKind, env: Option<&str>, service: Option<&str>, name: &str| {
            let found = owned.iter().find(|r| {
                r.key.kind == kind
                    && r.key.environment.as_deref() == env
                    && r.key.service.as_deref() == service
                    && r.key.name == name
            });
            match found {
                Some(resource) => resource.railway_id.clone().unwrap_or_else(|| {
                    panic!("{point}: {kind:?} `{name}` is owned without its Railway id")
                }),
                None => panic!("{point}: {kind:?} `{name}` ({env:?}) is an orphan: not owned"),
            }
        };
        // Everything on the emulator is Mirage's, with the right id.
        assert_eq!(
            id_of(ResourceKind::Project, None, None, project),
            remote.id,
            "{point}"
        );
        let mut on_railway = std::collections::BTreeSet::new();
        for (env, env_id) in &remote.environments {
            assert_eq!(
                &id_of(ResourceKind::Environment, None, None, env),
                env_id,
                "{point}"
            );
            on_railway.insert((ResourceKind::Environment, env.clone(), env_id.clone()));
            let (config, _) = self.harness.config(env_id).await;
            for (name, service_id) in &remote.services {
                let Some(instance) = config["services"].get(service_id.as_str()) else {
                    continue;
                };
                assert_eq!(
                    &id_of(ResourceKind::Service, Some(env), None, name),
                    service_id,
                    "{point}"
                );
                on_railway.insert((ResourceKind::Service, name.clone(), service_id.clone()));
                if let Some(volume) = instance["volumeMounts"]
                    .as_object()
                    .and_then(|m| m.keys().next())
                {
                    assert_eq!(
                        &id_of(ResourceKind::Volume, Some(env), Some(name), name),
                        volume,
                        "{point}"
                    );
                    on_railway.insert((ResourceKind::Volume, name.clone(), volume.clone()));
                }
            }
        }
        // Everything owned exists on the emulator: variables and domains
        // (kept by name, without an id) in their service's config…
        let mut configs = std::collections::BTreeMap::new();
        for (env, env_id) in &remote.environments {
            configs.insert(env.clone(), self.harness.config(env_id).await.0);
        }
        let service_id = |name: &str| {
            remote
                .services
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, id)| id.clone())
                .unwrap_or_default()
        };
        for resource in &owned {
            let key = &resource.key;
            let (Some(env), true) = (
                key.environment.as_deref(),
                matches!(key.kind, ResourceKind::Variable | ResourceKind::Domain),
            ) else {
                continue;
            };
            let config = &configs[env];
            let found = match (key.kind, key.service.as_deref()) {
                (ResourceKind::Variable, None) => {
                    config["sharedVariables"].get(&key.name).is_some()
                }
                (ResourceKind::Variable, Some(service)) => config["services"][service_id(service)]
                    ["variables"]
                    .get(&key.name)
                    .is_some(),
                (_, Some(service)) => {
                    config["services"][service_id(service)]["networking"]["customDomains"]
                        .get(&key.name)
                        .is_some()
                }
                _ => false,
            };
            assert!(found, "{point}: owned but not on Railway: {resource:?}");
        }
        // …and everything else with its id.
        for resource in &owned {
            if matches!(
                resource.key.kind,
                ResourceKind::Project | ResourceKind::Variable | ResourceKind::Domain
            ) {
                continue;
            }
            let id = resource.railway_id.clone().unwrap_or_default();
            assert!(
                on_railway.contains(&(resource.key.kind, resource.key.name.clone(), id)),
                "{point}: owned but not on Railway: {resource:?}"
            );
        }
    }

    /// `(project id, environment id)` of environment `env` of `project`.
    pub async fn environment_id(&self, project: &str, env: &str) -> (String, String) {
        let remote = self.project(project).await;
        let env_id = remote
            .environments
            .iter()
            .find(|(n, _)| n == env)
            .map(|(_, id)| id.clone())
            .unwrap_or_else(|| panic!("environment `{env}` exists: {remote:?}"));
        (remote.id, env_id)
    }

    /// The id of service `name` in environment `env_id`.
    pub async fn service_id(&self, env_id: &str, name: &str) -> String {
        let reply = self
            .harness
            .gql(
                "query($e: String!) { environment(id: $e) { serviceInstances { edges { node { serviceId serviceName } } } } }",
                json!({"e": env_id}),
            )
            .await;
        reply.data()["environment"]["serviceInstances"]["edges"]
            .as_array()
            .and_then(|edges| edges.iter().find(|e| e["node"]["serviceName"] == name))
            .and_then(|e| e["node"]["serviceId"].as_str())
            .expect("the service exists")
            .to_owned()
    }
}

fn run_binary(
    dir: &Path,
    url: &str,
    token: &str,
    args: &[String],
    env: &[(String, String)],
) -> Run {
    let mut command = crate::support::mirage_command();
    super::cli::isolate(&mut command)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env("MIRAGE_RAILWAY_URL", url)
        .env("RAILWAY_API_TOKEN", token)
        .env_remove("RAILWAY_TOKEN")
        .env("NO_COLOR", "1")
        .env("STRIPE_KEY", STRIPE)
        .env("ORBIT_PAYMENTS_TOKEN", ORBIT)
        .envs(TEAM.iter().copied());
    for (key, value) in env {
        if value == UNSET {
            command.env_remove(key);
        } else {
            command.env(key, value);
        }
    }
    let output = command.output().expect("running mirage");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
