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
use crate::model::{Level, Origin, ServiceInstance, Source, Step, Valued, VarValue};

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
            if last.sealed {
                inst.sealed.insert((*name).to_string());
            }
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
    if let Some(field) = crate::settings::field(key) {
        (field.set)(inst, val, origin);
    }
}
