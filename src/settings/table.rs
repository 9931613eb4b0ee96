//! The settings, in the order of `docs/language.md`'s table (which a test
//! holds to this one) except that `vars` comes before the volume, as
//! `mirage config --json` shows them.

use serde_json::{Map, Value, json};

use super::Railway::{Config, Not, Step};
use super::Type::*;
use super::{
    Args, EVERYWHERE, Field, Key, NameKind, PER_SERVICE, PROJECT_WIDE, Prop, Read, Setting, Val,
    json, valued,
};
use crate::model::{CustomDomain, Origin, ServiceInstance, Source, Valued, Volume};

/// A model field that maps straight to one Railway path: read and written
/// as is, converted by `$conv` from the resolver's value.
macro_rules! field {
    ($key:ident, $path:literal, $railway:expr, $($field:ident).+ , $conv:expr) => {
        Field {
            key: Key::$key,
            path: $path,
            railway: $railway,
            get: |s| json(&s.$($field).+),
            set: |s, v, o| s.$($field).+ = valued($conv(v), o),
        }
    };
}

fn text(v: &Val) -> Option<String> {
    v.str()
}
fn flag(v: &Val) -> Option<bool> {
    v.bool()
}
fn list(v: &Val) -> Option<Vec<String>> {
    v.list()
}
fn int(v: &Val) -> Option<u64> {
    v.u64()
}
fn int32(v: &Val) -> Option<u32> {
    v.u64().map(|n| n as u32)
}
fn int16(v: &Val) -> Option<u16> {
    v.u64().map(|n| n as u16)
}
fn cpu(v: &Val) -> Option<f64> {
    match v {
        Val::F64(c) => Some(*c),
        _ => None,
    }
}

fn source(s: &ServiceInstance, repo: bool) -> Option<(Value, &Origin)> {
    let v = s.source.as_ref()?;
    match (&v.value, repo) {
        (Source::Image(i), false) | (Source::Repo(i), true) => Some((json!(i), &v.origin)),
        _ => None,
    }
}

fn set_source(s: &mut ServiceInstance, v: &Val, origin: Origin) {
    if let Val::Source(src) = v {
        s.source = Some(Valued {
            value: src.clone(),
            origin,
        });
    }
}

const SOURCE_REPO: Field = Field {
    key: Key::Source,
    path: "source.repo",
    railway: Config,
    get: |s| source(s, true),
    set: set_source,
};
const SOURCE_IMAGE: Field = Field {
    key: Key::Source,
    path: "source.image",
    railway: Config,
    get: |s| source(s, false),
    set: set_source,
};
const BRANCH: Field = field!(Branch, "source.branch", Config, branch, text);
const ROOT: Field = field!(Root, "source.rootDirectory", Config, root_directory, text);

const fn prop(name: &'static str, ty: super::Type, doc: &'static str) -> Prop {
    Prop { name, ty, doc }
}

/// A generic setting of one argument and one field.
macro_rules! simple {
    ($name:literal, $at:expr, $example:literal, $doc:literal, $value:literal, $railway:literal, $args:expr, $field:expr) => {
        Setting {
            name: $name,
            at: $at,
            example: $example,
            doc: $doc,
            value: $value,
            railway: $railway,
            args: $args,
            props: &[],
            fields: &[$field],
            read: Read::Generic,
            repeats: false,
        }
    };
}

/// Every setting of a service, then those of a layer or environment's top.
pub static SETTINGS: &[Setting] = &[
    Setting {
        name: "repo",
        at: PER_SERVICE,
        example: "repo \"owner/name\" branch=\"main\" root=\"apps/api\"",
        doc: "A GitHub repository; sets the source.",
        value: "GitHub repository; sets the source",
        railway: "`source.repo`, `source.branch`, `source.rootDirectory`",
        args: Args::One(Str),
        props: &[
            prop("branch", Str, "The branch to deploy."),
            prop("root", Str, "The root directory inside the repository."),
        ],
        fields: &[SOURCE_REPO, BRANCH, ROOT],
        read: Read::Special,
        repeats: false,
    },
    Setting {
        name: "image",
        at: PER_SERVICE,
        example: "image \"ghcr.io/acme/api:1.4.2\"",
        doc: "A container image (`name[:tag][@digest]`); sets the source.",
        value: "[image reference](#value-types); sets the source",
        railway: "`source.image`",
        args: Args::One(Str),
        props: &[],
        fields: &[SOURCE_IMAGE],
        read: Read::Special,
        repeats: false,
    },
    simple!(
        "branch",
        EVERYWHERE,
        "branch \"develop\"",
        "The branch to deploy.",
        "string",
        "`source.branch`",
        Args::One(Str),
        BRANCH
    ),
    simple!(
        "root",
        PER_SERVICE,
        "root \"apps/api\"",
        "The root directory inside the repository.",
        "string",
        "`source.rootDirectory`",
        Args::One(Str),
        ROOT
    ),
    Setting {
        read: Read::Special,
        ..simple!(
            "commit",
            EVERYWHERE,
            "commit \"4f2a9c1\"",
            "A commit to pin (7–40 hex digits).",
            "7–40 hex digits",
            "`source.commitSha`",
            Args::One(Str),
            field!(Commit, "source.commitSha", Config, commit_sha, text)
        )
    },
    simple!(
        "check-suites",
        EVERYWHERE,
        "check-suites #true",
        "Wait for GitHub checks before deploying.",
        "boolean: wait for GitHub checks",
        "`source.checkSuites`",
        Args::One(Bool),
        field!(
            CheckSuites,
            "source.checkSuites",
            Config,
            check_suites,
            flag
        )
    ),
    simple!(
        "upstream-url",
        EVERYWHERE,
        "upstream-url \"https://github.com/…\"",
        "The upstream repository URL.",
        "string",
        "`source.upstreamUrl`",
        Args::One(Str),
        field!(
            UpstreamUrl,
            "source.upstreamUrl",
            Config,
            upstream_url,
            text
        )
    ),
    simple!(
        "config-file",
        EVERYWHERE,
        "config-file \"railway.json\"",
        "Path of a Railway config file.",
        "string",
        "`configFile`",
        Args::One(Str),
        field!(ConfigFile, "configFile", Config, config_file, text)
    ),
    Setting {
        read: Read::Special,
        ..simple!(
            "builder",
            EVERYWHERE,
            "builder \"railpack\"",
            "The builder: `railpack`, `dockerfile` or `nixpacks`.",
            "`railpack`, `dockerfile`, `nixpacks`",
            "`build.builder` (`RAILPACK`, `DOCKERFILE`, `NIXPACKS`)",
            Args::One(OneOf(&["railpack", "dockerfile", "nixpacks"])),
            field!(Builder, "build.builder", Config, build.builder, text)
        )
    },
    simple!(
        "build-command",
        EVERYWHERE,
        "build-command \"npm run build\"",
        "The build command.",
        "string",
        "`build.buildCommand`",
        Args::One(Str),
        field!(
            BuildCommand,
            "build.buildCommand",
            Config,
            build.build_command,
            text
        )
    ),
    simple!(
        "dockerfile",
        EVERYWHERE,
        "dockerfile \"apps/api/Dockerfile\"",
        "Path of the Dockerfile.",
        "string",
        "`build.dockerfilePath`",
        Args::One(Str),
        field!(
            Dockerfile,
            "build.dockerfilePath",
            Config,
            build.dockerfile_path,
            text
        )
    ),
    simple!(
        "watch-patterns",
        EVERYWHERE,
        "watch-patterns \"apps/api/**\" \"packages/**\"",
        "Paths whose changes trigger a deploy (a list).",
        "strings (list)",
        "`build.watchPatterns`",
        Args::Many(Str),
        field!(
            WatchPatterns,
            "build.watchPatterns",
            Config,
            build.watch_patterns,
            list
        )
    ),
    simple!(
        "nixpacks-config",
        EVERYWHERE,
        "nixpacks-config \"nixpacks.toml\"",
        "Path of the Nixpacks config.",
        "string",
        "`build.nixpacksConfigPath`",
        Args::One(Str),
        field!(
            NixpacksConfig,
            "build.nixpacksConfigPath",
            Config,
            build.nixpacks_config_path,
            text
        )
    ),
    simple!(
        "nixpacks-plan",
        EVERYWHERE,
        "nixpacks-plan \"{…json…}\"",
        "A Nixpacks plan as JSON text.",
        "JSON text",
        "`build.nixpacksPlan`",
        Args::One(Str),
        field!(
            NixpacksPlan,
            "build.nixpacksPlan",
            Config,
            build.nixpacks_plan,
            text
        )
    ),
    simple!(
        "railpack-version",
        EVERYWHERE,
        "railpack-version \"0.9.0\"",
        "The Railpack version.",
        "string",
        "`build.railpackVersion`",
        Args::One(Str),
        field!(
            RailpackVersion,
            "build.railpackVersion",
            Config,
            build.railpack_version,
            text
        )
    ),
    simple!(
        "build-environment",
        EVERYWHERE,
        "build-environment \"V3\"",
        "The build environment.",
        "string",
        "`build.buildEnvironment`",
        Args::One(Str),
        field!(
            BuildEnvironment,
            "build.buildEnvironment",
            Config,
            build.build_environment,
            text
        )
    ),
    simple!(
        "start",
        EVERYWHERE,
        "start \"node dist/server.js\"",
        "The start command.",
        "string",
        "`deploy.startCommand`",
        Args::One(Str),
        field!(
            Start,
            "deploy.startCommand",
            Config,
            deploy.start_command,
            text
        )
    ),
    simple!(
        "pre-deploy",
        EVERYWHERE,
        "pre-deploy \"npm run migrate\"",
        "Commands run before each deploy (a list).",
        "strings (list)",
        "`deploy.preDeployCommand`",
        Args::Many(Str),
        field!(
            PreDeploy,
            "deploy.preDeployCommand",
            Config,
            deploy.pre_deploy_command,
            list
        )
    ),
    Setting {
        name: "healthcheck",
        at: EVERYWHERE,
        example: "healthcheck \"/healthz\" timeout=30",
        doc: "The health-check path; the timeout in seconds or a duration.",
        value: "path; timeout in seconds (at least 1) or a duration",
        railway: "`deploy.healthcheckPath`, `deploy.healthcheckTimeout`",
        args: Args::OneOrProps(Str, "a path such as `\"/healthz\"`"),
        // A zero timeout would fail every deployment at once.
        props: &[prop(
            "timeout",
            Seconds { min: 1 },
            "Seconds, or a duration such as `30s`.",
        )],
        fields: &[
            field!(
                HealthPath,
                "deploy.healthcheckPath",
                Config,
                deploy.healthcheck_path,
                text
            ),
            field!(
                HealthTimeout,
                "deploy.healthcheckTimeout",
                Config,
                deploy.healthcheck_timeout,
                int
            ),
        ],
        read: Read::Generic,
        repeats: false,
    },
    simple!(
        "replicas",
        EVERYWHERE,
        "replicas 2",
        "Number of replicas, 0–50.",
        "0–50",
        "`deploy.numReplicas`",
        Args::One(Int { lo: 0, hi: 50 }),
        field!(
            Replicas,
            "deploy.numReplicas",
            Config,
            deploy.num_replicas,
            int32
        )
    ),
    simple!(
        "region",
        EVERYWHERE,
        "region \"us-west2\"",
        "The deployment region (in `project`: the default of every instance).",
        "[region](#value-types)",
        "`deploy.multiRegionConfig.{region}` when `regions` is absent",
        Args::One(Region),
        // Folded into `multiRegionConfig` by `settings::railway`.
        Field {
            key: Key::Region,
            path: "deploy.multiRegionConfig",
            railway: Config,
            get: |_| None,
            set: |s, v, o| s.deploy.region = valued(v.str(), o),
        }
    ),
    Setting {
        name: "regions",
        at: EVERYWHERE,
        example: "regions { us-west2 2; europe-west4-drams3a 1 }",
        doc: "Replicas per region (a map).",
        value: "region → replicas (map)",
        railway: "`deploy.multiRegionConfig`",
        args: Args::Block,
        props: &[],
        fields: &[],
        read: Read::Special,
        repeats: false,
    },
    Setting {
        read: Read::Special,
        ..simple!(
            "cron",
            EVERYWHERE,
            "cron \"*/15 * * * *\"",
            "A cron schedule (five fields).",
            "[cron](#value-types)",
            "`deploy.cronSchedule`",
            Args::One(Str),
            field!(
                Cron,
                "deploy.cronSchedule",
                Config,
                deploy.cron_schedule,
                text
            )
        )
    },
    Setting {
        name: "restart",
        at: EVERYWHERE,
        example: "restart \"on-failure\" max-retries=5",
        doc: "The restart policy: `always`, `never` or `on-failure`.",
        value: "`always`, `never`, `on-failure`; retries 0–1000",
        railway: "`deploy.restartPolicyType`, `deploy.restartPolicyMaxRetries`",
        args: Args::OneOrProps(
            OneOf(&["always", "never", "on-failure"]),
            "a policy: `always`, `never` or `on-failure`",
        ),
        props: &[prop(
            "max-retries",
            Int { lo: 0, hi: 1000 },
            "Retries for `on-failure`, 0–1000.",
        )],
        fields: &[
            Field {
                key: Key::Restart,
                path: "deploy.restartPolicyType",
                railway: Config,
                get: |s| {
                    let v = s.deploy.restart_policy_type.as_ref()?;
                    Some((json!(v.value.as_railway()), &v.origin))
                },
                set: |s, v, o| {
                    if let Val::Restart(r) = v {
                        s.deploy.restart_policy_type = valued(Some(*r), o);
                    }
                },
            },
            field!(
                RestartRetries,
                "deploy.restartPolicyMaxRetries",
                Config,
                deploy.restart_policy_max_retries,
                int32
            ),
        ],
        read: Read::Special,
        repeats: false,
    },
    simple!(
        "sleep",
        EVERYWHERE,
        "sleep #true",
        "Let the service sleep when idle.",
        "boolean",
        "`deploy.sleepApplication`",
        Args::One(Bool),
        field!(
            Sleep,
            "deploy.sleepApplication",
            Config,
            deploy.sleep_application,
            flag
        )
    ),
    Setting {
        name: "registry-credentials",
        at: EVERYWHERE,
        example: "registry-credentials username=\"ci\" password=(secret)\"env:REGISTRY_PASSWORD\"",
        doc: "Credentials of a private image registry; the password must be a secret.",
        value: "the password must be a secret",
        railway: "`deploy.registryCredentials`",
        args: Args::None,
        props: &[
            prop("username", Str, "The registry user."),
            prop("password", Secret, "A `(secret)` reference."),
        ],
        fields: &[Field {
            key: Key::RegistryCredentials,
            path: "deploy.registryCredentials",
            railway: Step,
            get: |s| {
                let c = s.deploy.registry_credentials.as_ref()?;
                Some((
                    json!({ "username": c.value.username, "password": "(sensitive)" }),
                    &c.origin,
                ))
            },
            set: |s, v, o| {
                if let Val::Credentials(c) = v {
                    s.deploy.registry_credentials = valued(Some(c.clone()), o);
                }
            },
        }],
        read: Read::Special,
        repeats: false,
    },
    Setting {
        name: "limits",
        at: EVERYWHERE,
        example: "limits cpu=2 memory=\"2GB\" disk=\"10GB\"",
        doc: "Resource limits of each replica.",
        value: "vCPUs (0–64), [sizes](#value-types)",
        railway: "`deploy.limitOverride.containers.{cpu,memoryBytes,diskBytes}`",
        args: Args::None,
        props: &[
            prop("cpu", Cpu, "vCPUs, 0–64."),
            prop("memory", Size, "A size such as `2GB`."),
            prop("disk", Size, "A size such as `10GB`."),
        ],
        fields: &[
            field!(
                LimitCpu,
                "deploy.limitOverride.containers.cpu",
                Config,
                deploy.limit_override.cpu,
                cpu
            ),
            field!(
                LimitMemory,
                "deploy.limitOverride.containers.memoryBytes",
                Config,
                deploy.limit_override.memory_bytes,
                int
            ),
            field!(
                LimitDisk,
                "deploy.limitOverride.containers.diskBytes",
                Config,
                deploy.limit_override.disk_bytes,
                int
            ),
        ],
        read: Read::Generic,
        repeats: false,
    },
    simple!(
        "overlap",
        EVERYWHERE,
        "overlap \"30s\"",
        "Seconds old and new deployments overlap (seconds or a duration).",
        "seconds or duration",
        "`deploy.overlapSeconds`",
        Args::One(Seconds { min: 0 }),
        field!(
            Overlap,
            "deploy.overlapSeconds",
            Config,
            deploy.overlap_seconds,
            int
        )
    ),
    simple!(
        "draining",
        EVERYWHERE,
        "draining \"2m\"",
        "Seconds to drain a stopping deployment (seconds or a duration).",
        "seconds or duration",
        "`deploy.drainingSeconds`",
        Args::One(Seconds { min: 0 }),
        field!(
            Draining,
            "deploy.drainingSeconds",
            Config,
            deploy.draining_seconds,
            int
        )
    ),
    simple!(
        "ipv6-egress",
        EVERYWHERE,
        "ipv6-egress #true",
        "Enable IPv6 egress.",
        "boolean",
        "`deploy.ipv6EgressEnabled`",
        Args::One(Bool),
        field!(
            Ipv6,
            "deploy.ipv6EgressEnabled",
            Config,
            deploy.ipv6_egress_enabled,
            flag
        )
    ),
    simple!(
        "required-mount",
        EVERYWHERE,
        "required-mount \"/data\"",
        "Refuse to deploy unless a volume is mounted at this path.",
        "absolute path",
        "`deploy.requiredMountPath`",
        Args::One(MountPath),
        field!(
            RequiredMount,
            "deploy.requiredMountPath",
            Config,
            deploy.required_mount_path,
            text
        )
    ),
    Setting {
        name: "generated-domain",
        at: EVERYWHERE,
        example: "generated-domain port=8080",
        doc: "A `*.up.railway.app` domain; the port defaults to `port`.",
        value: "a `*.up.railway.app` domain; port defaults to `port`",
        railway: "`networking.serviceDomains`",
        args: Args::None,
        props: &[prop("port", Port, "The target port.")],
        fields: &[Field {
            key: Key::ServiceDomain,
            path: "networking.serviceDomain",
            railway: Step,
            get: |s| {
                let d = s.networking.service_domain.as_ref()?;
                Some((json!({ "port": d.value }), &d.origin))
            },
            set: |s, v, o| {
                if let Val::ServiceDomain(p) = v {
                    s.networking.service_domain = valued(Some(*p), o);
                }
            },
        }],
        read: Read::Special,
        repeats: false,
    },
    Setting {
        name: "domain",
        at: EVERYWHERE,
        example: "domain \"api.{environment}.shop.example\" port=8080",
        doc: "A custom domain; repeat for several. `{environment}` stands for the environment's name, so each environment (and each preview) gets its own: Railway attaches a domain once.",
        value: "host name, wildcard (`*.shop.example`) or pattern; repeat for several (a list)",
        railway: "`networking.customDomains`",
        args: Args::One(Str),
        props: &[prop("port", Port, "The target port.")],
        fields: &[Field {
            key: Key::CustomDomains,
            path: "networking.customDomains",
            railway: Step,
            get: |s| {
                let ds = s.networking.custom_domains.as_ref()?;
                let map: Map<String, Value> = ds
                    .value
                    .iter()
                    .map(|d| (d.domain.clone(), json!({ "port": d.port })))
                    .collect();
                Some((Value::Object(map), &ds.origin))
            },
            set: |s, v, o| {
                if let Val::Domains(ds) = v {
                    let list = ds
                        .iter()
                        .map(|d| CustomDomain {
                            domain: d.domain.clone(),
                            port: d.port,
                        })
                        .collect();
                    s.networking.custom_domains = valued(Some(list), o);
                }
            },
        }],
        read: Read::Special,
        repeats: true,
    },
    simple!(
        "tcp-proxy",
        EVERYWHERE,
        "tcp-proxy 5432",
        "A TCP proxy to this application port.",
        "application port",
        "`networking.tcpProxies`",
        Args::One(Port),
        field!(
            TcpProxy,
            "networking.tcpProxy",
            Step,
            networking.tcp_proxy,
            int16
        )
    ),
    simple!(
        "private-hostname",
        EVERYWHERE,
        "private-hostname \"api\"",
        "The name on the private network.",
        "string",
        "`networking.privateNetworkEndpoint`",
        Args::One(Str),
        field!(
            PrivateEndpoint,
            "networking.privateNetworkEndpoint",
            Config,
            networking.private_network_endpoint,
            text
        )
    ),
    Setting {
        name: "vars",
        at: EVERYWHERE,
        example: "vars { NAME \"value\" }",
        doc: "Variables; `${{svc.NAME}}` references another service's, `(secret)\"env:NAME\"` reads a secret at apply time.",
        value: "[variables](#variables) (a map)",
        railway: "`variables`",
        args: Args::Block,
        props: &[],
        fields: &[],
        read: Read::Special,
        repeats: false,
    },
    Setting {
        name: "volume",
        at: EVERYWHERE,
        example: "volume \"/data\" size=\"5GB\"",
        doc: "A volume: absolute mount path and size.",
        value: "absolute mount path; size",
        railway: "`volumeMounts.*.mountPath`, `volumes.*.sizeMB`",
        args: Args::OneOrProps(MountPath, "a mount path such as `\"/data\"`"),
        props: &[prop("size", Size, "A size such as `5GB`.")],
        fields: &[
            Field {
                key: Key::VolumeMount,
                path: "volume.mountPath",
                railway: Step,
                get: |s| {
                    let v = s.volume.as_ref()?;
                    Some((json!(v.mount_path.value), &v.mount_path.origin))
                },
                set: |s, v, origin| {
                    if let Some(mount) = v.str() {
                        let size = s.volume.take().and_then(|v| v.size_mb);
                        s.volume = Some(Volume {
                            mount_path: Valued {
                                value: mount,
                                origin,
                            },
                            size_mb: size,
                            backup_schedules: None,
                        });
                    }
                },
            },
            Field {
                key: Key::VolumeSize,
                path: "volume.sizeMB",
                railway: Step,
                get: |s| json(&s.volume.as_ref()?.size_mb),
                // Keys merge in `Key` order, so the mount (if any) is in place.
                set: |s, v, o| {
                    if let (Some(size), Some(vol)) = (v.u64(), s.volume.as_mut()) {
                        vol.size_mb = valued(Some(size), o);
                    }
                },
            },
        ],
        read: Read::Special,
        repeats: false,
    },
    Setting {
        read: Read::Special,
        ..simple!(
            "backups",
            EVERYWHERE,
            "backups \"daily\" \"weekly\"",
            "Backup schedules of the volume (a list).",
            "`daily`, `weekly`, `monthly` (a list)",
            "`volumeMounts.*.backupSchedules`",
            Args::Many(OneOf(&["daily", "weekly", "monthly"])),
            Field {
                key: Key::Backups,
                path: "volume.backupSchedules",
                railway: Step,
                get: |s| json(&s.volume.as_ref()?.backup_schedules),
                set: |s, v, o| {
                    if let (Some(list), Some(vol)) = (v.list(), s.volume.as_mut()) {
                        let upper = list.iter().map(|b| b.to_uppercase()).collect();
                        vol.backup_schedules = valued(Some(upper), o);
                    }
                },
            }
        )
    },
    simple!(
        "port",
        EVERYWHERE,
        "port 3000",
        "The application port, 1–65535: sets `PORT` and the default target port of domains.",
        "1–65535",
        "the `PORT` variable (unless set explicitly) and the default target port of domains — a Mirage convenience",
        Args::One(Port),
        field!(Port, "port", Not, port, int16)
    ),
    simple!(
        "protect",
        EVERYWHERE,
        "protect #true",
        "Forbid destroying this (and, in an environment, everything in it).",
        "boolean",
        "Mirage-only: forbids destroying",
        Args::One(Bool),
        field!(Protect, "protect", Not, protect, flag)
    ),
    Setting {
        name: "depends-on",
        at: EVERYWHERE,
        example: "depends-on \"db\" \"cache\"",
        doc: "Services this one depends on (a list); `${{svc.VAR}}` references add edges too.",
        value: "service names (a list)",
        railway: "Mirage-only: ordering and the graph",
        args: Args::Many(Name(NameKind::Service)),
        props: &[],
        fields: &[Field {
            key: Key::DependsOn,
            path: "dependsOn",
            railway: Not,
            get: |s| {
                let d = s.depends_on.as_ref()?;
                Some((json!(d.value), &d.origin))
            },
            set: |s, v, o| {
                if let Val::Names(names) = v {
                    let names = names.iter().map(|(n, _)| n.clone()).collect();
                    s.depends_on = valued(Some(names), o);
                }
            },
        }],
        read: Read::Special,
        repeats: false,
    },
    // The top of a layer or environment only.
    Setting {
        name: "shared-vars",
        at: PROJECT_WIDE,
        example: "shared-vars { NAME \"value\" }",
        doc: "Railway shared variables, referenced as `${{shared.NAME}}`.",
        value: "[variables](#variables) (a map)",
        railway: "`sharedVariables`",
        args: Args::Block,
        props: &[],
        fields: &[],
        read: Read::Special,
        repeats: false,
    },
    Setting {
        name: "service",
        at: PROJECT_WIDE,
        example: "service \"api\" { replicas 3 }",
        doc: "Settings for one service in this layer or environment.",
        value: "a service name and a block of settings",
        railway: "the service's settings",
        args: Args::One(Name(NameKind::Service)),
        props: &[],
        fields: &[],
        read: Read::Special,
        repeats: true,
    },
    simple!(
        "private-network",
        PROJECT_WIDE,
        "private-network #false",
        "Turn the environment's private network off.",
        "boolean",
        "`privateNetworkDisabled` (negated)",
        Args::One(Bool),
        // Environment-wide: read by the environment, not the instance.
        Field {
            key: Key::PrivateNetwork,
            path: "privateNetworkDisabled",
            railway: Not,
            get: |_| None,
            set: |_, _, _| {},
        }
    ),
];
