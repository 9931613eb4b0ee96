//! Railway's `EnvironmentConfig` of one service → the `.mirage` setting
//! nodes that say the same thing: the inverse of `settings::railway` (what
//! `plan::desired` sends). `import --generate`, `migrate`, `clone`,
//! `export` and `--prefer railway` all write settings through this one
//! mapping, so a value read back from Railway is written the way the
//! resolver reads it (`"ON_FAILURE"` → `restart "on-failure"`, bytes →
//! `"2GB"`, `multiRegionConfig` → `region`/`replicas` or `regions { … }`).
//!
//! Values Railway fills in by itself and nobody chose (its defaults) are
//! left out, as a person would leave them out: the plan compares only what
//! the files declare, so leaving a default out never shows as a change.

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// One setting node of a service block, as one line of KDL (unformatted:
/// [`super::write`] formats the file), such as `replicas 3` or
/// `healthcheck "/healthz" timeout=30`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The setting's node name (`replicas`), from `settings::SETTINGS`;
    /// `domain` may come several times.
    pub setting: &'static str,
    /// The whole node.
    pub text: String,
}

/// A key of the service's config no setting can say, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmapped {
    /// Its dotted path in the service's config (`source.autoUpdates`).
    pub path: String,
    /// Why it is not written (one lowercase sentence).
    pub why: String,
}

/// The settings of one service, in the table's order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Nodes {
    /// The setting nodes (not `vars`, `depends-on`, `protect`, `port`).
    pub lines: Vec<Line>,
    /// What could not be said.
    pub unmapped: Vec<Unmapped>,
}

/// What [`settings`] reads.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    /// The service's config (`EnvironmentConfig.services.<id>`).
    pub service: &'a Value,
    /// The environment's `volumes` map (`<volumeId>: {sizeMB, …}`), for
    /// the size of the service's volume; `None` when there is none.
    pub volumes: Option<&'a Value>,
    /// The project's default region (`project { region }`): a single
    /// region equal to it is not written.
    pub project_region: Option<&'a str>,
}

/// The setting nodes that give a service `input`'s config.
pub fn settings(input: Input<'_>) -> Nodes {
    let mut r = Reader {
        config: input.service,
        used: Vec::new(),
        out: Nodes::default(),
    };
    r.source();
    r.builder();
    r.simple_strings(&[
        ("config-file", "configFile"),
        ("build-command", "build.buildCommand"),
        ("dockerfile", "build.dockerfilePath"),
        ("nixpacks-config", "build.nixpacksConfigPath"),
        ("railpack-version", "build.railpackVersion"),
        ("build-environment", "build.buildEnvironment"),
    ]);
    r.lists(&[
        ("watch-patterns", "build.watchPatterns"),
        ("pre-deploy", "deploy.preDeployCommand"),
    ]);
    r.nixpacks_plan();
    r.simple_strings(&[("start", "deploy.startCommand")]);
    r.healthcheck();
    r.replicas_and_regions(input.project_region);
    r.cron();
    r.restart();
    r.flags(&[
        ("sleep", "deploy.sleepApplication"),
        ("ipv6-egress", "deploy.ipv6EgressEnabled"),
    ]);
    r.registry_credentials();
    r.limits();
    r.seconds(&[
        ("overlap", "deploy.overlapSeconds"),
        ("draining", "deploy.drainingSeconds"),
    ]);
    r.required_mount();
    r.domains();
    r.simple_strings(&[("private-hostname", "networking.privateNetworkEndpoint")]);
    r.volume(input.volumes);
    r.leftovers();
    r.out
}

/// Railway's default restart policy (`ON_FAILURE`, 10 retries): left out.
const DEFAULT_RESTART: (&str, u64) = ("ON_FAILURE", 10);

/// Keys that are bookkeeping, not settings.
const IGNORED: &[&str] = &["isCreated", "isDeleted", "variables"];

struct Reader<'a> {
    config: &'a Value,
    /// Dotted paths read (a prefix covers what is below it).
    used: Vec<String>,
    out: Nodes,
}

impl Reader<'_> {
    /// The value at a dotted path, marked as read; `null` is absent.
    fn take(&mut self, path: &str) -> Option<Value> {
        self.used.push(path.to_owned());
        let pointer: String = path.split('.').map(|p| format!("/{p}")).collect();
        self.config
            .pointer(&pointer)
            .filter(|v| !v.is_null())
            .cloned()
    }

    fn line(&mut self, setting: &'static str, text: String) {
        self.out.lines.push(Line { setting, text });
    }

    fn unmapped(&mut self, path: &str, why: impl Into<String>) {
        self.out.unmapped.push(Unmapped {
            path: path.to_owned(),
            why: why.into(),
        });
    }

    /// A string at `path`, or reported when it is something else.
    fn text(&mut self, path: &str) -> Option<String> {
        match self.take(path)? {
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s),
            other => {
                self.unmapped(
                    path,
                    format!("Railway holds {} here, not a string", kind(&other)),
                );
                None
            }
        }
    }

    fn whole(&mut self, path: &str) -> Option<u64> {
        match self.take(path)? {
            Value::Number(n) if n.as_u64().is_some() => n.as_u64(),
            other => {
                self.unmapped(
                    path,
                    format!("Railway holds {} here, not a whole number", kind(&other)),
                );
                None
            }
        }
    }

    fn source(&mut self) {
        let image = self.text("source.image");
        let repo = self.text("source.repo");
        match (image, repo) {
            (Some(image), repo) => {
                if crate::discover::image::parse_image(&image).is_ok() {
                    self.line("image", format!("image {}", string(&image)));
                } else {
                    self.unmapped(
                        "source.image",
                        format!("`{image}` is not an image reference Mirage accepts"),
                    );
                }
                if repo.is_some() {
                    self.unmapped(
                        "source.repo",
                        "a service has one source: the image is written",
                    );
                }
                self.repo_keys_unmapped("ignored for an image source");
            }
            (None, Some(repo)) => {
                let valid = repo.split('/').count() == 2
                    && repo
                        .split('/')
                        .all(|p| !p.is_empty() && !p.contains(char::is_whitespace));
                if !valid {
                    self.unmapped(
                        "source.repo",
                        format!("`{repo}` is not a GitHub repository (`owner/name`)"),
                    );
                    return;
                }
                let mut text = format!("repo {}", string(&repo));
                if let Some(branch) = self.text("source.branch") {
                    text.push_str(&format!(" branch={}", string(&branch)));
                }
                if let Some(root) = self.text("source.rootDirectory") {
                    text.push_str(&format!(" root={}", string(&root)));
                }
                self.line("repo", text);
                if let Some(sha) = self.text("source.commitSha") {
                    if (7..=40).contains(&sha.len()) && sha.chars().all(|c| c.is_ascii_hexdigit()) {
                        self.line("commit", format!("commit {}", string(&sha)));
                    } else {
                        self.unmapped("source.commitSha", format!("`{sha}` is not a commit SHA"));
                    }
                }
                if let Some(Value::Bool(true)) = self.take("source.checkSuites") {
                    self.line("check-suites", "check-suites #true".to_owned());
                }
            }
            (None, None) => {
                self.repo_keys_unmapped("the service has no source");
            }
        }
        if let Some(url) = self.text("source.upstreamUrl") {
            self.line("upstream-url", format!("upstream-url {}", string(&url)));
        }
    }

    /// The keys of a repository source, reported when there is none.
    fn repo_keys_unmapped(&mut self, why: &str) {
        for path in [
            "source.branch",
            "source.rootDirectory",
            "source.commitSha",
            "source.checkSuites",
        ] {
            if self.take(path).is_some() {
                self.unmapped(path, why);
            }
        }
    }

    fn simple_strings(&mut self, pairs: &[(&'static str, &str)]) {
        for (setting, path) in pairs {
            if let Some(value) = self.text(path) {
                self.line(setting, format!("{setting} {}", string(&value)));
            }
        }
    }

    fn builder(&mut self) {
        let Some(builder) = self.text("build.builder") else {
            return;
        };
        match crate::resolve::value::parse_builder(&builder.to_lowercase()) {
            Some(_) => self.line("builder", format!("builder {}", string(&builder.to_lowercase()))),
            None => self.unmapped(
                "build.builder",
                format!("Mirage knows the builders `railpack`, `dockerfile` and `nixpacks`, not `{builder}`"),
            ),
        }
    }

    fn lists(&mut self, pairs: &[(&'static str, &str)]) {
        for (setting, path) in pairs {
            let items: Vec<String> = match self.take(path) {
                None => continue,
                Some(Value::String(s)) if s.is_empty() => continue,
                Some(Value::String(s)) => vec![s],
                Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                Some(other) => {
                    self.unmapped(
                        path,
                        format!("Railway holds {} here, not a list of strings", kind(&other)),
                    );
                    continue;
                }
            };
            if items.is_empty() {
                continue;
            }
            let args: Vec<String> = items.iter().map(|i| string(i)).collect();
            self.line(setting, format!("{setting} {}", args.join(" ")));
        }
    }

    fn nixpacks_plan(&mut self) {
        match self.take("build.nixpacksPlan") {
            None => {}
            Some(Value::String(plan)) => {
                self.line("nixpacks-plan", format!("nixpacks-plan {}", string(&plan)))
            }
            Some(_) => self.unmapped(
                "build.nixpacksPlan",
                "a structured Nixpacks plan: Mirage takes it as JSON text only",
            ),
        }
    }

    fn healthcheck(&mut self) {
        let path = self.text("deploy.healthcheckPath");
        let timeout = self.whole("deploy.healthcheckTimeout").filter(|t| *t >= 1);
        let text = match (path, timeout) {
            (None, None) => return,
            (Some(p), None) => format!("healthcheck {}", string(&p)),
            (None, Some(t)) => format!("healthcheck timeout={t}"),
            (Some(p), Some(t)) => format!("healthcheck {} timeout={t}", string(&p)),
        };
        self.line("healthcheck", text);
    }

    fn replicas_and_regions(&mut self, project_region: Option<&str>) {
        let replicas = self.whole("deploy.numReplicas").filter(|n| *n <= 50);
        let mut regions: Vec<(String, u64)> = Vec::new();
        match self.take("deploy.multiRegionConfig") {
            None => {}
            Some(Value::Object(map)) => {
                for (region, entry) in map {
                    if entry.is_null() {
                        continue;
                    }
                    let n = entry
                        .get("numReplicas")
                        .and_then(Value::as_u64)
                        .unwrap_or(1);
                    if !crate::resolve::regions::is_region(&region) {
                        self.unmapped(
                            &format!("deploy.multiRegionConfig.{region}"),
                            format!("`{region}` is not a region Mirage knows"),
                        );
                        continue;
                    }
                    regions.push((region, n));
                }
            }
            Some(other) => self.unmapped(
                "deploy.multiRegionConfig",
                format!("Railway holds {} here, not a map of regions", kind(&other)),
            ),
        }
        match regions.as_slice() {
            [] => {
                if let Some(n) = replicas.filter(|n| *n != 1) {
                    self.line("replicas", format!("replicas {n}"));
                }
                // The project's region would give this service one, and
                // `region #null` falls back to it: not expressible.
                if project_region.is_some() {
                    self.unmapped(
                        "deploy.multiRegionConfig",
                        "the service has no region, and the project's region would give it one",
                    );
                }
            }
            // `replicas` is also `deploy.numReplicas`: only when Railway has it.
            [(region, n)] if replicas == Some(*n) || (replicas.is_none() && *n == 1) => {
                if *n != 1 {
                    self.line("replicas", format!("replicas {n}"));
                }
                if project_region != Some(region.as_str()) {
                    self.line("region", format!("region {}", string(region)));
                }
            }
            _ => {
                if let Some(n) = replicas {
                    let total: u64 = regions.iter().map(|(_, n)| n).sum();
                    if n != total {
                        self.line("replicas", format!("replicas {n}"));
                    }
                }
                let entries: Vec<String> = regions
                    .iter()
                    .map(|(region, n)| format!("{} {n}", key(region)))
                    .collect();
                self.line("regions", format!("regions {{\n{}\n}}", entries.join("\n")));
            }
        }
    }

    fn cron(&mut self) {
        let Some(schedule) = self.text("deploy.cronSchedule") else {
            return;
        };
        match crate::resolve::value::check_cron(&schedule) {
            Ok(()) => self.line("cron", format!("cron {}", string(&schedule))),
            Err(why) => self.unmapped("deploy.cronSchedule", why),
        }
    }

    fn restart(&mut self) {
        let policy = self.text("deploy.restartPolicyType");
        let retries = self
            .whole("deploy.restartPolicyMaxRetries")
            .filter(|n| *n <= 1000);
        if let (Some(p), Some(n)) = (&policy, retries)
            && (p.as_str(), n) == DEFAULT_RESTART
        {
            return;
        }
        let word = match policy.as_deref() {
            None => None,
            Some("ALWAYS") => Some("always"),
            Some("NEVER") => Some("never"),
            Some("ON_FAILURE") => Some("on-failure"),
            Some(other) => {
                self.unmapped(
                    "deploy.restartPolicyType",
                    format!("Mirage knows `ALWAYS`, `NEVER` and `ON_FAILURE`, not `{other}`"),
                );
                None
            }
        };
        let text = match (word, retries) {
            (None, None) => return,
            (Some(w), None) => format!("restart {}", string(w)),
            (None, Some(n)) => format!("restart max-retries={n}"),
            (Some(w), Some(n)) => format!("restart {} max-retries={n}", string(w)),
        };
        self.line("restart", text);
    }

    fn flags(&mut self, pairs: &[(&'static str, &str)]) {
        for (setting, path) in pairs {
            match self.take(path) {
                Some(Value::Bool(true)) => self.line(setting, format!("{setting} #true")),
                None | Some(Value::Bool(false)) => {}
                Some(other) => self.unmapped(
                    path,
                    format!("Railway holds {} here, not a boolean", kind(&other)),
                ),
            }
        }
    }

    fn registry_credentials(&mut self) {
        let Some(credentials) = self.take("deploy.registryCredentials") else {
            return;
        };
        let Some(username) = credentials.get("username").and_then(Value::as_str) else {
            self.unmapped(
                "deploy.registryCredentials",
                "credentials without a user name",
            );
            return;
        };
        // The password is never read back into a file: a secret reference.
        self.line(
            "registry-credentials",
            format!(
                "registry-credentials username={} password=(secret){}",
                string(username),
                string(&format!("env:{REGISTRY_PASSWORD}"))
            ),
        );
    }

    fn limits(&mut self) {
        let cpu = match self.take("deploy.limitOverride.containers.cpu") {
            Some(Value::Number(n)) => n.as_f64().filter(|c| *c > 0.0 && *c <= 64.0),
            _ => None,
        };
        let memory = self
            .whole("deploy.limitOverride.containers.memoryBytes")
            .filter(|b| *b > 0);
        let disk = self
            .whole("deploy.limitOverride.containers.diskBytes")
            .filter(|b| *b > 0);
        self.used.push("deploy.limitOverride".to_owned());
        let mut props = Vec::new();
        if let Some(cpu) = cpu {
            props.push(format!("cpu={}", number(cpu)));
        }
        if let Some(bytes) = memory {
            props.push(format!("memory={}", string(&size(bytes))));
        }
        if let Some(bytes) = disk {
            props.push(format!("disk={}", string(&size(bytes))));
        }
        if !props.is_empty() {
            self.line("limits", format!("limits {}", props.join(" ")));
        }
    }

    fn seconds(&mut self, pairs: &[(&'static str, &str)]) {
        for (setting, path) in pairs {
            if let Some(n) = self.whole(path) {
                self.line(setting, format!("{setting} {n}"));
            }
        }
    }

    fn required_mount(&mut self) {
        if let Some(path) = self.text("deploy.requiredMountPath") {
            if path.starts_with('/') {
                self.line(
                    "required-mount",
                    format!("required-mount {}", string(&path)),
                );
            } else {
                self.unmapped(
                    "deploy.requiredMountPath",
                    format!("`{path}` is not an absolute path"),
                );
            }
        }
    }

    fn domains(&mut self) {
        let port = |v: &Value| {
            v.get("port")
                .and_then(Value::as_u64)
                .filter(|p| (1..=65535).contains(p))
        };
        if let Some(Value::Object(map)) = self.take("networking.serviceDomains") {
            let live: Vec<(&String, &Value)> = map.iter().filter(|(_, v)| !v.is_null()).collect();
            if let Some((_, target)) = live.first() {
                match port(target) {
                    Some(p) => self.line("generated-domain", format!("generated-domain port={p}")),
                    None => self.line("generated-domain", "generated-domain".to_owned()),
                }
            }
            for (domain, _) in live.iter().skip(1) {
                self.unmapped(
                    &format!("networking.serviceDomains.{domain}"),
                    "Mirage gives a service one generated domain",
                );
            }
        }
        if let Some(Value::Object(map)) = self.take("networking.customDomains") {
            for (domain, target) in map.iter().filter(|(_, v)| !v.is_null()) {
                if let Err(why) = crate::resolve::value::check_domain(domain) {
                    self.unmapped(&format!("networking.customDomains.{domain}"), why);
                    continue;
                }
                let text = match port(target) {
                    Some(p) => format!("domain {} port={p}", string(domain)),
                    None => format!("domain {}", string(domain)),
                };
                self.line("domain", text);
            }
        }
        if let Some(Value::Object(map)) = self.take("networking.tcpProxies") {
            let ports: Vec<&String> = map
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, _)| k)
                .collect();
            for (i, port) in ports.iter().enumerate() {
                match port.parse::<u16>() {
                    Ok(p) if p >= 1 && i == 0 => self.line("tcp-proxy", format!("tcp-proxy {p}")),
                    Ok(_) if i > 0 => self.unmapped(
                        &format!("networking.tcpProxies.{port}"),
                        "Mirage gives a service one TCP proxy",
                    ),
                    _ => self.unmapped(
                        &format!("networking.tcpProxies.{port}"),
                        format!("`{port}` is not a port"),
                    ),
                }
            }
        }
    }

    fn volume(&mut self, volumes: Option<&Value>) {
        let Some(Value::Object(mounts)) = self.take("volumeMounts") else {
            return;
        };
        let live: Vec<(&String, &Value)> = mounts.iter().filter(|(_, v)| !v.is_null()).collect();
        for (id, _) in live.iter().skip(1) {
            self.unmapped(
                &format!("volumeMounts.{id}"),
                "Railway gives a service one volume",
            );
        }
        let Some((id, mount)) = live.first() else {
            return;
        };
        let path = mount
            .get("mountPath")
            .and_then(Value::as_str)
            .filter(|p| p.starts_with('/'));
        let size_mb = volumes
            .and_then(|v| v.get(id.as_str()))
            .and_then(|v| v.get("sizeMB"))
            .and_then(Value::as_u64)
            .filter(|s| *s > 0);
        let text = match (path, size_mb) {
            (Some(p), Some(mb)) => format!(
                "volume {} size={}",
                string(p),
                string(&size(mb * 1_000_000))
            ),
            (Some(p), None) => format!("volume {}", string(p)),
            _ => {
                self.unmapped(
                    &format!("volumeMounts.{id}.mountPath"),
                    "the volume has no absolute mount path",
                );
                return;
            }
        };
        self.line("volume", text);
        let schedules: Vec<String> = mount
            .get("backupSchedules")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_lowercase)
                    .filter(|s| ["daily", "weekly", "monthly"].contains(&s.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        if !schedules.is_empty() {
            let args: Vec<String> = schedules.iter().map(|s| string(s)).collect();
            self.line("backups", format!("backups {}", args.join(" ")));
        }
    }

    /// Every key of the config not read above, reported.
    fn leftovers(&mut self) {
        let mut found = Vec::new();
        leaves(self.config, String::new(), &mut found);
        for path in found {
            let covered = self
                .used
                .iter()
                .any(|u| path == *u || path.starts_with(&format!("{u}.")))
                || IGNORED
                    .iter()
                    .any(|i| path == *i || path.starts_with(&format!("{i}.")));
            if !covered {
                self.unmapped(&path, "not expressible in `.mirage` files");
            }
        }
    }
}

/// The environment variable the generated registry password reads.
pub const REGISTRY_PASSWORD: &str = "REGISTRY_PASSWORD";

/// The dotted paths of the non-null leaves of `value`.
fn leaves(value: &Value, prefix: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(v, path, out);
            }
        }
        Value::Null => {}
        Value::Object(_) => {}
        _ if !prefix.is_empty() => out.push(prefix),
        _ => {}
    }
}

/// "a number", "an object", … for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A KDL number: whole numbers without a fraction.
fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Bytes as the largest exact size unit (`2GB`, `512MiB`, `1234B`).
pub fn size(bytes: u64) -> String {
    const UNITS: &[(u64, &str)] = &[
        (1_000_000_000_000, "TB"),
        (1 << 40, "TiB"),
        (1_000_000_000, "GB"),
        (1 << 30, "GiB"),
        (1_000_000, "MB"),
        (1 << 20, "MiB"),
        (1_000, "KB"),
        (1 << 10, "KiB"),
    ];
    for (factor, unit) in UNITS {
        if bytes >= *factor && bytes.is_multiple_of(*factor) {
            return format!("{}{unit}", bytes / factor);
        }
    }
    format!("{bytes}B")
}

/// A service instance of the model as the service config Railway would
/// hold — what `plan::desired` sends, with the generated and custom
/// domains, the TCP proxy and the volume's mount — and the environment's
/// `volumes` entry for its size: the input of [`settings`] when the source
/// is the files (a clone into another project, blocks appended to files)
/// rather than Railway. The volume and the generated domain are keyed
/// `volume` and `generated`.
pub fn model_config(instance: &crate::model::ServiceInstance) -> (Value, Option<Value>) {
    let desired = crate::plan::desired::desired(instance);
    let mut config = Value::Object(serde_json::Map::new());
    for (path, value) in &desired.settings {
        set_path(&mut config, path, value.clone());
    }
    let target = |port: Option<u16>| port.map_or(json!({}), |p| json!({ "port": p }));
    let networking = |config: &mut Value, key: &str, map: Value| {
        set_path(config, &["networking".to_owned(), key.to_owned()], map);
    };
    if let Some(port) = desired.service_domain {
        networking(
            &mut config,
            "serviceDomains",
            json!({ "generated": target(port) }),
        );
    }
    if let Some(domains) = &desired.custom_domains {
        let map = domains
            .iter()
            .map(|(host, port)| (host.clone(), target(*port)))
            .collect();
        networking(&mut config, "customDomains", Value::Object(map));
    }
    if let Some(port) = desired.tcp_proxy {
        networking(&mut config, "tcpProxies", json!({ port.to_string(): {} }));
    }
    let mut volumes = None;
    if let Some((path, size)) = &desired.volume {
        set_path(
            &mut config,
            &["volumeMounts".to_owned()],
            json!({ "volume": { "mountPath": path } }),
        );
        volumes = size.map(|mb| json!({ "volume": { "sizeMB": mb } }));
    }
    (config, volumes)
}

/// Sets `value` at `path` in `root`, making the objects on the way.
fn set_path(root: &mut Value, path: &[String], value: Value) {
    let mut at = root;
    for (i, key) in path.iter().enumerate() {
        if !at.is_object() {
            *at = Value::Object(serde_json::Map::new());
        }
        let Value::Object(map) = at else { return };
        if i + 1 == path.len() {
            map.insert(key.clone(), value);
            return;
        }
        at = map
            .entry(key.clone())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
    }
}

/// A KDL string literal for `text`, quoted and escaped.
pub fn string(text: &str) -> String {
    let mut out = String::new();
    crate::syntax::write_quoted(text, &mut out);
    out
}

/// One variable line of a `vars { … }` block: `NAME "value"` (the name
/// quoted when it is not a bare identifier).
pub fn variable(name: &str, value_text: &str) -> String {
    format!("{} {value_text}", key(name))
}

/// A node or property name: bare when KDL allows, quoted otherwise.
pub fn key(name: &str) -> String {
    if crate::syntax::is_bare_identifier(name) {
        name.to_owned()
    } else {
        string(name)
    }
}

/// A `vars { … }` block of `(name, value text)` lines; `None` when empty.
pub fn vars_block(node: &str, entries: &BTreeMap<String, String>) -> Option<String> {
    if entries.is_empty() {
        return None;
    }
    let mut out = format!("{node} {{\n");
    for (name, value) in entries {
        out.push_str(&variable(name, value));
        out.push('\n');
    }
    out.push('}');
    Some(out)
}

#[cfg(test)]
mod tests;
