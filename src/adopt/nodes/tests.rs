//! The mapping's round trip: a random service config (as Railway could
//! hold it) → setting lines → `.mirage` text → the resolver → the plan
//! against that same config shows no change. Thousands of configs from a
//! fixed seed, so a failure is reproducible; the failing config and the
//! text are printed.

use serde_json::{Map, Value, json};

use super::{Input, settings};
use crate::plan::{Filter, Owned, diff};
use crate::railway::{EnvironmentState, Snapshot};

/// xorshift64*: enough randomness for configs, reproducible from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const REGIONS: &[&str] = &["us-west2", "us-east4-eqdc4a", "europe-west4-drams3a"];
const TEXTS: &[&str] = &[
    "npm run build",
    "node \"dist/server.js\" --port=$PORT",
    "echo 'a\\b' && exit 0",
    "ünïcode ✓",
    "line one\nline two",
    "${{ secret(8) }}",
];

fn set(config: &mut Value, path: &str, value: Value) {
    let mut at = config;
    let parts: Vec<&str> = path.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        at = at
            .as_object_mut()
            .expect("an object")
            .entry(part.to_string())
            .or_insert_with(|| json!({}));
    }
    at.as_object_mut()
        .expect("an object")
        .insert(parts[parts.len() - 1].to_owned(), value);
}

/// A service config of settings Mirage can say, and the environment's
/// volumes map.
fn random_config(rng: &mut Rng) -> (Value, Value) {
    let mut c = json!({});
    if rng.chance(50) {
        set(
            &mut c,
            "source.image",
            json!(rng.pick(&["postgres:17", "ghcr.io/acme/api:1.4.2", "redis"])),
        );
    } else {
        set(&mut c, "source.repo", json!("acme/shop"));
        if rng.chance(60) {
            set(
                &mut c,
                "source.branch",
                json!(rng.pick(&["main", "release/1.2"])),
            );
        }
        if rng.chance(40) {
            set(&mut c, "source.rootDirectory", json!("apps/api"));
        }
        if rng.chance(20) {
            set(&mut c, "source.commitSha", json!("4f2a9c1d"));
        }
        if rng.chance(20) {
            set(&mut c, "source.checkSuites", json!(true));
        }
    }
    let strings = [
        "configFile",
        "build.buildCommand",
        "build.dockerfilePath",
        "build.nixpacksConfigPath",
        "build.railpackVersion",
        "build.buildEnvironment",
        "deploy.startCommand",
        "networking.privateNetworkEndpoint",
        "source.upstreamUrl",
    ];
    for path in strings {
        if rng.chance(25) {
            set(&mut c, path, json!(rng.pick(TEXTS)));
        }
    }
    if rng.chance(50) {
        set(
            &mut c,
            "build.builder",
            json!(rng.pick(&["RAILPACK", "DOCKERFILE", "NIXPACKS"])),
        );
    }
    for path in ["build.watchPatterns", "deploy.preDeployCommand"] {
        if rng.chance(25) {
            let n = 1 + rng.below(3);
            let items: Vec<Value> = (0..n).map(|_| json!(rng.pick(TEXTS))).collect();
            set(&mut c, path, Value::Array(items));
        }
    }
    if rng.chance(30) {
        set(&mut c, "deploy.healthcheckPath", json!("/healthz"));
    }
    if rng.chance(30) {
        set(
            &mut c,
            "deploy.healthcheckTimeout",
            json!(1 + rng.below(300)),
        );
    }
    // Railway cannot share a volume between replicas.
    let with_volume = rng.chance(30);
    let max = if with_volume { 2 } else { 5 };
    match rng.below(if with_volume { 3 } else { 4 }) {
        0 => {}
        1 => {
            let n = rng.below(max);
            set(&mut c, "deploy.numReplicas", json!(n));
            set(
                &mut c,
                &format!("deploy.multiRegionConfig.{}.numReplicas", rng.pick(REGIONS)),
                json!(n),
            );
        }
        2 => {
            set(
                &mut c,
                &format!("deploy.multiRegionConfig.{}.numReplicas", rng.pick(REGIONS)),
                json!(1 + rng.below(max - 1)),
            );
        }
        _ => {
            for region in REGIONS {
                if rng.chance(70) {
                    set(
                        &mut c,
                        &format!("deploy.multiRegionConfig.{region}.numReplicas"),
                        json!(rng.below(5)),
                    );
                }
            }
        }
    }
    if rng.chance(20) {
        set(
            &mut c,
            "deploy.cronSchedule",
            json!(rng.pick(&["*/15 * * * *", "0 9-17 * * mon-fri"])),
        );
    }
    if rng.chance(30) {
        set(
            &mut c,
            "deploy.restartPolicyType",
            json!(rng.pick(&["ALWAYS", "NEVER", "ON_FAILURE"])),
        );
    }
    if rng.chance(30) {
        set(
            &mut c,
            "deploy.restartPolicyMaxRetries",
            json!(rng.below(20)),
        );
    }
    for path in ["deploy.sleepApplication", "deploy.ipv6EgressEnabled"] {
        if rng.chance(20) {
            set(&mut c, path, json!(rng.chance(50)));
        }
    }
    if rng.chance(20) {
        set(
            &mut c,
            "deploy.limitOverride.containers.cpu",
            json!(rng.pick(&["0.5", "2", "8"]).parse::<f64>().unwrap_or(1.0)),
        );
    }
    if rng.chance(20) {
        let bytes = [512_000_000u64, 2_000_000_000, 536_870_912, 1_234];
        set(
            &mut c,
            "deploy.limitOverride.containers.memoryBytes",
            json!(bytes[rng.below(4) as usize]),
        );
    }
    for path in ["deploy.overlapSeconds", "deploy.drainingSeconds"] {
        if rng.chance(15) {
            set(&mut c, path, json!(rng.below(120)));
        }
    }
    if rng.chance(15) {
        set(
            &mut c,
            "deploy.registryCredentials",
            json!({ "username": "ci", "password": "hunter2" }),
        );
    }
    if rng.chance(15) {
        set(&mut c, "deploy.requiredMountPath", json!("/data"));
    }
    if rng.chance(30) {
        set(
            &mut c,
            "networking.serviceDomains.api-production-1a2b.up.railway.app.port",
            json!(8080),
        );
    }
    if rng.chance(30) {
        let mut map = Map::new();
        map.insert("api.shop.example".into(), json!({ "port": 3000 }));
        if rng.chance(50) {
            map.insert("*.shop.example".into(), json!({ "port": 3000 }));
        }
        set(&mut c, "networking.customDomains", Value::Object(map));
    }
    if rng.chance(20) {
        set(&mut c, "networking.tcpProxies.5432", json!({}));
    }
    let mut volumes = json!({});
    if with_volume {
        set(
            &mut c,
            "volumeMounts.vol-1.mountPath",
            json!("/var/lib/data"),
        );
        if rng.chance(50) {
            set(
                &mut c,
                "volumeMounts.vol-1.backupSchedules",
                json!(["DAILY", "WEEKLY"]),
            );
        }
        set(
            &mut volumes,
            "vol-1.sizeMB",
            json!([500u64, 5000, 10240][rng.below(3) as usize]),
        );
    }
    (c, volumes)
}

/// A service-domain key holds dots: [`set`] would split it.
fn fix_domains(config: &mut Value) {
    if let Some(networking) = config.get_mut("networking").and_then(Value::as_object_mut)
        && let Some(Value::Object(tree)) = networking.remove("serviceDomains")
        && !tree.is_empty()
    {
        networking.insert(
            "serviceDomains".into(),
            json!({ "api-production-1a2b.up.railway.app": { "port": 8080 } }),
        );
    }
}

#[test]
fn random_configs_come_back_with_no_change() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for case in 0..2000 {
        let (mut config, volumes) = random_config(&mut rng);
        fix_domains(&mut config);
        // A project region reaches every service: only for those with one.
        let has_region = config.pointer("/deploy/multiRegionConfig").is_some();
        let project_region = if has_region && rng.chance(50) {
            Some("us-west2")
        } else {
            None
        };
        let nodes = settings(Input {
            service: &config,
            volumes: Some(&volumes),
            project_region,
        });
        assert!(
            nodes.unmapped.is_empty(),
            "case {case}: {config:#}\n{:?}",
            nodes.unmapped
        );
        let body: Vec<String> = nodes.lines.iter().map(|l| l.text.clone()).collect();
        let region = project_region.map_or(String::new(), |r| format!("    region \"{r}\"\n"));
        let text = format!(
            "project \"p\" {{\n{region}}}\nenvironment \"production\"\nservice \"api\" {{\n{}\n}}\n",
            body.join("\n")
        );
        let analysis = crate::resolve::analyze(
            std::path::Path::new("/p"),
            vec![("/p/main.mirage".into(), text.clone())],
        );
        let errors: Vec<_> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect();
        assert!(
            errors.is_empty(),
            "case {case}: {config:#}\n{text}\n{errors:?}"
        );
        let formatted = crate::syntax::format(&text).expect("it parses");
        assert_eq!(
            crate::syntax::format(&formatted).ok().as_deref(),
            Some(formatted.as_str())
        );
        let mut services = Map::new();
        services.insert("svc-1".into(), config.clone());
        let snapshot = Snapshot {
            project_id: "p-1".into(),
            project_name: "p".into(),
            environments: [(
                "production".to_owned(),
                EnvironmentState {
                    id: "env-1".into(),
                    name: "production".into(),
                    config: json!({ "services": services, "volumes": volumes }),
                    ..EnvironmentState::default()
                },
            )]
            .into(),
            services: [("api".to_owned(), "svc-1".to_owned())].into(),
            volumes: if volumes.as_object().is_some_and(|v| !v.is_empty()) {
                [("api-volume".to_owned(), "vol-1".to_owned())].into()
            } else {
                Default::default()
            },
            duplicates: Vec::new(),
        };
        let password = |_: &crate::model::SecretRef| Some("hunter2".to_owned());
        let plan = diff(
            &analysis.project,
            Some(&snapshot),
            &Owned::default(),
            &Filter::default(),
            &password,
        );
        let changes: Vec<_> = plan
            .environments
            .iter()
            .flat_map(|e| e.services.iter())
            .flat_map(|s| s.changes.iter())
            .map(|c| c.path.join("."))
            .collect();
        assert!(
            changes.is_empty(),
            "case {case}: {config:#}\n{text}\nchanges: {changes:?}"
        );
    }
}

#[test]
fn what_cannot_be_said_is_reported_with_its_path() {
    let config = json!({
        "source": { "image": "postgres:17", "autoUpdates": true, "branch": "main" },
        "build": { "builder": "HEROKU" },
        "deploy": { "restartPolicyType": "ON_FAILURE", "restartPolicyMaxRetries": 10 },
        "networking": { "tcpProxies": { "5432": {}, "6379": {} } },
        "variables": { "A": { "value": "1" } },
        "isCreated": true
    });
    let nodes = settings(Input {
        service: &config,
        volumes: None,
        project_region: None,
    });
    let texts: Vec<&str> = nodes.lines.iter().map(|l| l.text.as_str()).collect();
    // Railway's default restart policy is left out.
    assert_eq!(texts, ["image \"postgres:17\"", "tcp-proxy 5432"]);
    let paths: Vec<&str> = nodes.unmapped.iter().map(|u| u.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "source.branch",
            "build.builder",
            "networking.tcpProxies.6379",
            "source.autoUpdates"
        ]
    );
}
