//! The one table of `.mirage` nodes and properties with their documentation,
//! used by hover and completion. The resolver decides what is valid; a test
//! keeps this table in step with the settings it accepts.

/// Where a node may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The top of a file.
    TopLevel,
    /// Inside `project "…" { }`.
    Project,
    /// Inside `template`, `service`, or a `service "S"` block of a layer or
    /// environment.
    Service,
    /// The top of a `layer` or `environment` block.
    ProjectWide,
    /// Inside `vars`, `shared-vars` or `regions`: free names.
    Map,
}

/// What the first argument of a node holds, for completing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    /// Anything; nothing to offer.
    Free,
    /// A template name.
    Template,
    /// A service name.
    Service,
    /// A layer name.
    Layer,
    /// An environment name.
    Environment,
    /// A `std/…` module or a relative path.
    Import,
    /// One of a fixed list.
    OneOf(&'static [&'static str]),
    /// A Railway region.
    Region,
}

/// One node of the language.
#[derive(Debug, Clone, Copy)]
pub struct NodeDoc {
    /// The node name.
    pub name: &'static str,
    /// Where it may be written.
    pub scopes: &'static [Scope],
    /// How it is written.
    pub form: &'static str,
    /// What it means, one or two sentences.
    pub doc: &'static str,
    /// The Railway setting it maps to, or `Mirage-only`.
    pub railway: &'static str,
    /// Its properties with their documentation.
    pub props: &'static [(&'static str, &'static str)],
    /// What its arguments hold.
    pub arg: Arg,
}

const SVC: &[Scope] = &[Scope::Service, Scope::ProjectWide];
const SVC_ONLY: &[Scope] = &[Scope::Service];
const TOP: &[Scope] = &[Scope::TopLevel];
const WIDE: &[Scope] = &[Scope::ProjectWide];

/// Backup schedules of a volume.
pub const BACKUPS: &[&str] = &["daily", "weekly", "monthly"];
const BOOLS: &[&str] = &["#true", "#false"];
/// Railway's plans (`plan "pro"` in a project).
pub const PLANS: &[&str] = &["free", "trial", "hobby", "pro", "enterprise"];

macro_rules! node {
    ($name:literal, $scopes:expr, $form:literal, $doc:literal, $railway:literal) => {
        node!($name, $scopes, $form, $doc, $railway, &[], Arg::Free)
    };
    ($name:literal, $scopes:expr, $form:literal, $doc:literal, $railway:literal, $props:expr, $arg:expr) => {
        NodeDoc {
            name: $name,
            scopes: $scopes,
            form: $form,
            doc: $doc,
            railway: $railway,
            props: $props,
            arg: $arg,
        }
    };
}

/// Every node, top level first, then service settings in the order of
/// `docs/language.md`.
pub const NODES: &[NodeDoc] = &[
    node!(
        "project",
        TOP,
        "project \"name\" { workspace \"…\"; region \"…\" }",
        "The Railway project, by name. Exactly one per directory.",
        "the project",
        &[],
        Arg::Free
    ),
    node!(
        "import",
        TOP,
        "import \"std/postgres\"",
        "Load a standard-library module or another `.mirage` file.",
        "Mirage-only",
        &[],
        Arg::Import
    ),
    node!(
        "template",
        TOP,
        "template \"name\" extends=\"other\" { settings }",
        "A reusable service shape.",
        "Mirage-only",
        &[("extends", "The template this one builds on.")],
        Arg::Free
    ),
    node!(
        "service",
        &[Scope::TopLevel, Scope::ProjectWide],
        "service \"name\" from=\"template\" { settings }",
        "A Railway service, present in every environment. Inside a layer or environment: settings for that service only.",
        "a service",
        &[("from", "The template this service starts from.")],
        Arg::Service
    ),
    node!(
        "layer",
        TOP,
        "layer \"name\" extends=\"other\" { settings }",
        "A configuration layer shared by environments.",
        "Mirage-only",
        &[("extends", "The layer this one builds on.")],
        Arg::Free
    ),
    node!(
        "environment",
        TOP,
        "environment \"name\" layer=\"l\" ephemeral=#true ttl=\"72h\" { settings }",
        "A Railway environment.",
        "an environment",
        &[
            (
                "layer",
                "The environment's layer; its `extends` chain is followed to the root."
            ),
            (
                "ephemeral",
                "A template for short-lived copies such as `pr-1234`."
            ),
            ("ttl", "How long an ephemeral copy lives (a duration).")
        ],
        Arg::Free
    ),
    node!(
        "moved",
        TOP,
        "moved service=\"old\" to=\"new\"",
        "A rename: the plan renames the service (or `environment=`) on Railway, keeping its id and volumes, instead of destroying and creating it.",
        "serviceUpdate / environmentRename",
        &[
            ("service", "The service's old name, as on Railway."),
            ("environment", "The environment's old name, as on Railway."),
            ("to", "The new name, as the files declare it now.")
        ],
        Arg::Free
    ),
    node!(
        "workspace",
        &[Scope::Project],
        "workspace \"acme\"",
        "The Railway workspace (team) of the project.",
        "workspace",
        &[],
        Arg::Free
    ),
    node!(
        "plan",
        &[Scope::Project],
        "plan \"pro\"",
        "The Railway plan of the workspace: `mirage check` holds the project to its limits (volume sizes, restart policies). Without it, Pro's limits are assumed.",
        "Mirage-only",
        &[],
        Arg::OneOf(PLANS)
    ),
    node!(
        "shared-vars",
        &[Scope::Project, Scope::ProjectWide],
        "shared-vars { NAME \"value\" }",
        "Railway shared variables, referenced as `${{shared.NAME}}`.",
        "sharedVariables",
        &[],
        Arg::Free
    ),
    node!(
        "private-network",
        WIDE,
        "private-network #false",
        "Turn the environment's private network off.",
        "privateNetworkDisabled",
        &[],
        Arg::OneOf(BOOLS)
    ),
    node!(
        "repo",
        SVC_ONLY,
        "repo \"owner/name\" branch=\"main\" root=\"apps/api\"",
        "GitHub repository; sets the source.",
        "source.repo, source.branch, source.rootDirectory",
        &[
            ("branch", "The branch to deploy."),
            ("root", "The root directory inside the repository.")
        ],
        Arg::Free
    ),
    node!(
        "image",
        SVC_ONLY,
        "image \"ghcr.io/acme/api:1.4.2\"",
        "A container image (`name[:tag][@digest]`); sets the source.",
        "source.image"
    ),
    node!(
        "branch",
        SVC,
        "branch \"develop\"",
        "The branch to deploy.",
        "source.branch"
    ),
    node!(
        "root",
        SVC_ONLY,
        "root \"apps/api\"",
        "The root directory inside the repository.",
        "source.rootDirectory"
    ),
    node!(
        "commit",
        SVC,
        "commit \"4f2a9c1\"",
        "A commit to pin (7–40 hex digits).",
        "source.commitSha"
    ),
    node!(
        "check-suites",
        SVC,
        "check-suites #true",
        "Wait for GitHub checks before deploying.",
        "source.checkSuites",
        &[],
        Arg::OneOf(BOOLS)
    ),
    node!(
        "upstream-url",
        SVC,
        "upstream-url \"https://github.com/…\"",
        "The upstream repository URL.",
        "source.upstreamUrl"
    ),
    node!(
        "config-file",
        SVC,
        "config-file \"railway.json\"",
        "Path of a Railway config file.",
        "configFile"
    ),
    node!(
        "builder",
        SVC,
        "builder \"railpack\"",
        "The builder: `railpack`, `dockerfile` or `nixpacks`.",
        "build.builder",
        &[],
        Arg::OneOf(&["railpack", "dockerfile", "nixpacks"])
    ),
    node!(
        "build-command",
        SVC,
        "build-command \"npm run build\"",
        "The build command.",
        "build.buildCommand"
    ),
    node!(
        "dockerfile",
        SVC,
        "dockerfile \"apps/api/Dockerfile\"",
        "Path of the Dockerfile.",
        "build.dockerfilePath"
    ),
    node!(
        "watch-patterns",
        SVC,
        "watch-patterns \"apps/api/**\" \"packages/**\"",
        "Paths whose changes trigger a deploy (a list).",
        "build.watchPatterns"
    ),
    node!(
        "nixpacks-config",
        SVC,
        "nixpacks-config \"nixpacks.toml\"",
        "Path of the Nixpacks config.",
        "build.nixpacksConfigPath"
    ),
    node!(
        "nixpacks-plan",
        SVC,
        "nixpacks-plan \"{…json…}\"",
        "A Nixpacks plan as JSON text.",
        "build.nixpacksPlan"
    ),
    node!(
        "railpack-version",
        SVC,
        "railpack-version \"0.9.0\"",
        "The Railpack version.",
        "build.railpackVersion"
    ),
    node!(
        "build-environment",
        SVC,
        "build-environment \"V3\"",
        "The build environment.",
        "build.buildEnvironment"
    ),
    node!(
        "start",
        SVC,
        "start \"node dist/server.js\"",
        "The start command.",
        "deploy.startCommand"
    ),
    node!(
        "pre-deploy",
        SVC,
        "pre-deploy \"npm run migrate\"",
        "Commands run before each deploy (a list).",
        "deploy.preDeployCommand"
    ),
    node!(
        "healthcheck",
        SVC,
        "healthcheck \"/healthz\" timeout=30",
        "The health-check path; the timeout in seconds or a duration.",
        "deploy.healthcheckPath, deploy.healthcheckTimeout",
        &[("timeout", "Seconds, or a duration such as `30s`.")],
        Arg::Free
    ),
    node!(
        "replicas",
        SVC,
        "replicas 2",
        "Number of replicas, 0–50.",
        "deploy.numReplicas"
    ),
    node!(
        "region",
        &[Scope::Project, Scope::Service, Scope::ProjectWide],
        "region \"us-west2\"",
        "The deployment region (in `project`: the default of every instance).",
        "deploy.multiRegionConfig",
        &[],
        Arg::Region
    ),
    node!(
        "regions",
        SVC,
        "regions { us-west2 2; europe-west4-drams3a 1 }",
        "Replicas per region (a map).",
        "deploy.multiRegionConfig"
    ),
    node!(
        "cron",
        SVC,
        "cron \"*/15 * * * *\"",
        "A cron schedule (five fields).",
        "deploy.cronSchedule"
    ),
    node!(
        "restart",
        SVC,
        "restart \"on-failure\" max-retries=5",
        "The restart policy: `always`, `never` or `on-failure`.",
        "deploy.restartPolicyType, deploy.restartPolicyMaxRetries",
        &[("max-retries", "Retries for `on-failure`, 0–1000.")],
        Arg::OneOf(&["always", "never", "on-failure"])
    ),
    node!(
        "sleep",
        SVC,
        "sleep #true",
        "Let the service sleep when idle.",
        "deploy.sleepApplication",
        &[],
        Arg::OneOf(BOOLS)
    ),
    node!(
        "registry-credentials",
        SVC,
        "registry-credentials username=\"ci\" password=(secret)\"env:REGISTRY_PASSWORD\"",
        "Credentials of a private image registry; the password must be a secret.",
        "deploy.registryCredentials",
        &[
            ("username", "The registry user."),
            ("password", "A `(secret)` reference.")
        ],
        Arg::Free
    ),
    node!(
        "limits",
        SVC,
        "limits cpu=2 memory=\"2GB\" disk=\"10GB\"",
        "Resource limits of each replica.",
        "deploy.limitOverride.containers",
        &[
            ("cpu", "vCPUs, 0–64."),
            ("memory", "A size such as `2GB`."),
            ("disk", "A size such as `10GB`.")
        ],
        Arg::Free
    ),
    node!(
        "overlap",
        SVC,
        "overlap \"30s\"",
        "Seconds old and new deployments overlap (seconds or a duration).",
        "deploy.overlapSeconds"
    ),
    node!(
        "draining",
        SVC,
        "draining \"2m\"",
        "Seconds to drain a stopping deployment (seconds or a duration).",
        "deploy.drainingSeconds"
    ),
    node!(
        "ipv6-egress",
        SVC,
        "ipv6-egress #true",
        "Enable IPv6 egress.",
        "deploy.ipv6EgressEnabled",
        &[],
        Arg::OneOf(BOOLS)
    ),
    node!(
        "generated-domain",
        SVC,
        "generated-domain port=8080",
        "A `*.up.railway.app` domain; the port defaults to `port`.",
        "networking.serviceDomains",
        &[("port", "The target port.")],
        Arg::Free
    ),
    node!(
        "domain",
        SVC,
        "domain \"api.{environment}.shop.example\" port=8080",
        "A custom domain; repeat for several. `{environment}` stands for the environment's name, so each environment (and each preview) gets its own: Railway attaches a domain once.",
        "networking.customDomains",
        &[("port", "The target port.")],
        Arg::Free
    ),
    node!(
        "tcp-proxy",
        SVC,
        "tcp-proxy 5432",
        "A TCP proxy to this application port.",
        "networking.tcpProxies"
    ),
    node!(
        "private-hostname",
        SVC,
        "private-hostname \"api\"",
        "The name on the private network.",
        "networking.privateNetworkEndpoint"
    ),
    node!(
        "volume",
        SVC,
        "volume \"/data\" size=\"5GB\"",
        "A volume: absolute mount path and size.",
        "volumeMounts.*.mountPath, volumes.*.sizeMB",
        &[("size", "A size such as `5GB`.")],
        Arg::Free
    ),
    node!(
        "backups",
        SVC,
        "backups \"daily\" \"weekly\"",
        "Backup schedules of the volume (a list).",
        "volumeMounts.*.backupSchedules",
        &[],
        Arg::OneOf(BACKUPS)
    ),
    node!(
        "port",
        SVC,
        "port 3000",
        "The application port, 1–65535: sets `PORT` and the default target port of domains.",
        "Mirage-only (the PORT variable)"
    ),
    node!(
        "vars",
        SVC,
        "vars { NAME \"value\" }",
        "Variables; `${{svc.NAME}}` references another service's, `(secret)\"env:NAME\"` reads a secret at apply time.",
        "variables"
    ),
    node!(
        "depends-on",
        SVC,
        "depends-on \"db\" \"cache\"",
        "Services this one depends on (a list); `${{svc.VAR}}` references add edges too.",
        "Mirage-only",
        &[],
        Arg::Service
    ),
    node!(
        "protect",
        SVC,
        "protect #true",
        "Forbid destroying this (and, in an environment, everything in it).",
        "Mirage-only",
        &[],
        Arg::OneOf(BOOLS)
    ),
];

/// The documentation of node `name` written in `scope`.
pub fn node(name: &str, scope: Scope) -> Option<&'static NodeDoc> {
    NODES
        .iter()
        .find(|n| n.name == name && n.scopes.contains(&scope))
        .or_else(|| NODES.iter().find(|n| n.name == name))
}

/// Nodes that may be written in `scope`.
pub fn nodes_in(scope: Scope) -> impl Iterator<Item = &'static NodeDoc> {
    NODES.iter().filter(move |n| n.scopes.contains(&scope))
}

/// Markdown documentation of a node, for hover and completion.
pub fn markdown(node: &NodeDoc) -> String {
    format!(
        "```kdl\n{}\n```\n{}\n\nRailway: `{}`",
        node.form, node.doc, node.railway
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::analyze;
    use std::path::{Path, PathBuf};

    /// Every service setting in the table is accepted where the table says,
    /// and nothing the resolver accepts is missing from the table.
    #[test]
    fn table_matches_the_resolver() {
        for name in crate::resolve::service_setting_names() {
            assert!(
                nodes_in(Scope::Service).any(|n| n.name == name)
                    || nodes_in(Scope::ProjectWide).any(|n| n.name == name),
                "`{name}` missing from the schema table"
            );
        }
        for n in nodes_in(Scope::Service) {
            let text = format!(
                "project \"p\"\nservice \"s\" {{\n    image \"nginx\"\n    {} \n}}\n",
                n.name
            );
            let a = analyze(Path::new("/p"), vec![(PathBuf::from("/p/m.mirage"), text)]);
            assert!(
                !a.diagnostics
                    .iter()
                    .any(|d| d.code == "mirage::resolve::unknown_node"),
                "`{}` is not a service setting",
                n.name
            );
        }
    }

    #[test]
    fn plans_match_the_model() {
        assert_eq!(
            PLANS.to_vec(),
            crate::model::Plan::ALL.map(|(n, _)| n).to_vec()
        );
    }
}
