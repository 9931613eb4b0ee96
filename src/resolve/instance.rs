//! Stacking blocks in precedence order and turning the winning assignments
//! into the model: one [`ServiceInstance`] per service per environment.
//!
//! Precedence, lowest first, for service S in environment E: S's template
//! chain (root first) → `service S` → for each layer of E's chain (root
//! first) its project-wide settings then its `service S` block → the
//! `environment E` settings → its `service S` block → `--var` overrides.

use std::collections::BTreeMap;

use super::At;
use super::block::{Block, Key, Set, Val};
use crate::diagnostic::SourceFiles;
use crate::model::{
    CustomDomain, Level, Origin, ServiceInstance, Source, Step, Valued, VarValue, Volume,
};

/// Turns spans into provenance steps.
pub struct Steps<'a> {
    /// The source texts, for line numbers.
    pub files: &'a SourceFiles,
}

impl Steps<'_> {
    /// The step for `level` at `at`.
    pub fn step(&self, level: &Level, at: At) -> Step {
        // Only the line is needed: a binary search, no character counting.
        let line = if (at.file.0 as usize) < self.files.len() {
            let starts = self.files.get(at.file).line_starts();
            starts.partition_point(|&s| s <= at.span.start) as u32
        } else {
            0
        };
        Step {
            level: level.clone(),
            file: at.file,
            span: at.span,
            line,
        }
    }

    /// The origin of the assignments in `sets` (all of them, in order).
    pub fn origin<T>(&self, sets: &[(&Level, &Set<T>)]) -> Origin {
        Origin {
            chain: sets.iter().map(|(l, s)| self.step(l, s.at)).collect(),
        }
    }
}

/// Every assignment of each key / variable / region, in precedence order.
#[derive(Default)]
pub struct Merged<'a> {
    pub settings: BTreeMap<Key, Vec<(&'a Level, &'a Set<Val>)>>,
    pub vars: BTreeMap<&'a str, Vec<(&'a Level, &'a Set<VarValue>)>>,
    pub regions: BTreeMap<&'a str, Vec<(&'a Level, &'a Set<u64>)>>,
}

/// Merge a stack: later assignments override earlier ones key by key.
pub fn merge<'a>(stack: &[(&'a Level, &'a Block)]) -> Merged<'a> {
    let mut m = Merged::default();
    for &(level, block) in stack {
        for (key, set) in &block.settings {
            m.settings.entry(*key).or_default().push((level, set));
        }
        for (name, set) in &block.vars {
            m.vars.entry(name.as_str()).or_default().push((level, set));
        }
        for (name, set) in &block.regions {
            m.regions
                .entry(name.as_str())
                .or_default()
                .push((level, set));
        }
    }
    m
}

/// Add extra variable assignments (overrides) at the top.
pub fn add_vars<'a>(m: &mut Merged<'a>, level: &'a Level, vars: &'a [(String, Set<VarValue>)]) {
    for (name, set) in vars {
        m.vars.entry(name.as_str()).or_default().push((level, set));
    }
}

/// Build the instance of `name` from merged assignments.
pub fn build(name: &str, templates: Vec<String>, m: &Merged, steps: &Steps) -> ServiceInstance {
    let mut inst = ServiceInstance {
        name: name.to_string(),
        templates,
        ..Default::default()
    };
    for (key, sets) in &m.settings {
        let Some((_, last)) = sets.last() else {
            continue;
        };
        let Some(val) = &last.val else { continue };
        let origin = steps.origin(sets);
        apply(&mut inst, *key, val, origin);
    }
    for (name, sets) in &m.vars {
        let Some((_, last)) = sets.last() else {
            continue;
        };
        if let Some(v) = &last.val {
            inst.variables.insert(
                (*name).to_string(),
                Valued {
                    value: v.clone(),
                    origin: steps.origin(sets),
                },
            );
        }
    }
    for (region, sets) in &m.regions {
        let Some((_, last)) = sets.last() else {
            continue;
        };
        if let Some(n) = last.val {
            inst.deploy.multi_region_config.insert(
                (*region).to_string(),
                Valued {
                    value: n as u32,
                    origin: steps.origin(sets),
                },
            );
        }
    }
    // A repo's branch and root mean nothing for an image service.
    if matches!(
        inst.source.as_ref().map(|s| &s.value),
        Some(Source::Image(_))
    ) {
        inst.branch = None;
        inst.root_directory = None;
        inst.commit_sha = None;
        inst.check_suites = None;
    }
    // `port` is also the `PORT` variable (unless set explicitly) and the
    // default target port of domains.
    if let Some(port) = &inst.port {
        if !inst.variables.contains_key("PORT") {
            let mut origin = port.origin.clone();
            if let Some(last) = origin.chain.last_mut() {
                last.level = Level::Derived;
            }
            inst.variables.insert(
                "PORT".into(),
                Valued {
                    value: VarValue::Plain(port.value.to_string()),
                    origin,
                },
            );
        }
        let p = port.value;
        if let Some(d) = &mut inst.networking.service_domain
            && d.value.is_none()
        {
            d.value = Some(p);
        }
        if let Some(ds) = &mut inst.networking.custom_domains {
            for d in &mut ds.value {
                d.port.get_or_insert(p);
            }
        }
    }
    inst
}

fn apply(inst: &mut ServiceInstance, key: Key, val: &Val, origin: Origin) {
    fn v<T>(value: T, origin: Origin) -> Option<Valued<T>> {
        Some(Valued { value, origin })
    }
    let s = |val: &Val| match val {
        Val::Str(s) => Some(s.clone()),
        _ => None,
    };
    let n = |val: &Val| match val {
        Val::U64(n) => Some(*n),
        _ => None,
    };
    let b = |val: &Val| match val {
        Val::Bool(b) => Some(*b),
        _ => None,
    };
    let l = |val: &Val| match val {
        Val::List(l) => Some(l.clone()),
        _ => None,
    };
    let (build, deploy, net) = (&mut inst.build, &mut inst.deploy, &mut inst.networking);
    match key {
        Key::Source => {
            if let Val::Source(src) = val {
                inst.source = v(src.clone(), origin);
            }
        }
        Key::Branch => inst.branch = s(val).and_then(|x| v(x, origin)),
        Key::Root => inst.root_directory = s(val).and_then(|x| v(x, origin)),
        Key::Commit => inst.commit_sha = s(val).and_then(|x| v(x, origin)),
        Key::CheckSuites => inst.check_suites = b(val).and_then(|x| v(x, origin)),
        Key::UpstreamUrl => inst.upstream_url = s(val).and_then(|x| v(x, origin)),
        Key::ConfigFile => inst.config_file = s(val).and_then(|x| v(x, origin)),
        // Environment-wide; read by the environment, not the instance.
        Key::PrivateNetwork => {}
        Key::Backups => {
            if let (Some(list), Some(vol)) = (l(val), inst.volume.as_mut()) {
                let upper = list.iter().map(|b| b.to_uppercase()).collect();
                vol.backup_schedules = v(upper, origin);
            }
        }
        Key::Builder => build.builder = s(val).and_then(|x| v(x, origin)),
        Key::BuildCommand => build.build_command = s(val).and_then(|x| v(x, origin)),
        Key::Dockerfile => build.dockerfile_path = s(val).and_then(|x| v(x, origin)),
        Key::WatchPatterns => build.watch_patterns = l(val).and_then(|x| v(x, origin)),
        Key::NixpacksConfig => build.nixpacks_config_path = s(val).and_then(|x| v(x, origin)),
        Key::NixpacksPlan => build.nixpacks_plan = s(val).and_then(|x| v(x, origin)),
        Key::RailpackVersion => build.railpack_version = s(val).and_then(|x| v(x, origin)),
        Key::BuildEnvironment => build.build_environment = s(val).and_then(|x| v(x, origin)),
        Key::Start => deploy.start_command = s(val).and_then(|x| v(x, origin)),
        Key::PreDeploy => deploy.pre_deploy_command = l(val).and_then(|x| v(x, origin)),
        Key::HealthPath => deploy.healthcheck_path = s(val).and_then(|x| v(x, origin)),
        Key::HealthTimeout => deploy.healthcheck_timeout = n(val).and_then(|x| v(x, origin)),
        Key::Replicas => deploy.num_replicas = n(val).and_then(|x| v(x as u32, origin)),
        Key::Region => deploy.region = s(val).and_then(|x| v(x, origin)),
        Key::Cron => deploy.cron_schedule = s(val).and_then(|x| v(x, origin)),
        Key::Restart => {
            if let Val::Restart(r) = val {
                deploy.restart_policy_type = v(*r, origin);
            }
        }
        Key::RestartRetries => {
            deploy.restart_policy_max_retries = n(val).and_then(|x| v(x as u32, origin))
        }
        Key::Sleep => deploy.sleep_application = b(val).and_then(|x| v(x, origin)),
        Key::RegistryCredentials => {
            if let Val::Credentials(c) = val {
                deploy.registry_credentials = v(c.clone(), origin);
            }
        }
        Key::LimitCpu => {
            if let Val::F64(c) = val {
                deploy.limit_override.cpu = v(*c, origin);
            }
        }
        Key::LimitMemory => deploy.limit_override.memory_bytes = n(val).and_then(|x| v(x, origin)),
        Key::LimitDisk => deploy.limit_override.disk_bytes = n(val).and_then(|x| v(x, origin)),
        Key::Overlap => deploy.overlap_seconds = n(val).and_then(|x| v(x, origin)),
        Key::Draining => deploy.draining_seconds = n(val).and_then(|x| v(x, origin)),
        Key::Ipv6 => deploy.ipv6_egress_enabled = b(val).and_then(|x| v(x, origin)),
        Key::ServiceDomain => {
            if let Val::ServiceDomain(p) = val {
                net.service_domain = v(*p, origin);
            }
        }
        Key::CustomDomains => {
            if let Val::Domains(ds) = val {
                net.custom_domains = v(
                    ds.iter()
                        .map(|d| CustomDomain {
                            domain: d.domain.clone(),
                            port: d.port,
                        })
                        .collect(),
                    origin,
                );
            }
        }
        Key::TcpProxy => net.tcp_proxy = n(val).and_then(|x| v(x as u16, origin)),
        Key::PrivateEndpoint => net.private_network_endpoint = s(val).and_then(|x| v(x, origin)),
        Key::VolumeMount => {
            if let Some(mount) = s(val) {
                let size = inst.volume.take().and_then(|v| v.size_mb);
                inst.volume = Some(Volume {
                    mount_path: Valued {
                        value: mount,
                        origin,
                    },
                    size_mb: size,
                    backup_schedules: None,
                });
            }
        }
        Key::VolumeSize => {
            // Keys merge in `Key` order, so the mount (if any) is in place.
            if let (Some(size), Some(vol)) = (n(val), inst.volume.as_mut()) {
                vol.size_mb = v(size, origin);
            }
        }
        Key::Port => inst.port = n(val).and_then(|x| v(x as u16, origin)),
        Key::Protect => inst.protect = b(val).and_then(|x| v(x, origin)),
        Key::DependsOn => {
            if let Val::Names(names) = val {
                inst.depends_on = v(names.iter().map(|(n, _)| n.clone()).collect(), origin);
            }
        }
    }
}
