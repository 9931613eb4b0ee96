//! Railway's own rules: constraints Railway enforces (or documents) that
//! no single value breaks on its own, checked on the resolved model after
//! every environment is built — a custom domain attached twice in the
//! project, replicas of a service with a volume, a volume larger than the
//! plan allows, cron schedules more frequent than Railway runs them, …
//!
//! Each rule and its source is listed in `docs/railway-assumptions.md`
//! ("Railway's rules") and in `docs/language.md`'s code table. The rules
//! read only the model and the parsed trees (to point at the offending
//! value rather than the whole setting), so they can move with the model.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::value::{self, ENVIRONMENT_PLACEHOLDER};
use crate::diagnostic::{Diagnostic, FileId, Span};
use crate::model::{Environment, Origin, Plan, Project, RestartPolicy, ServiceInstance, Step};
use crate::syntax::{Document, Node};

/// Longest service name Railway accepts
/// (<https://docs.railway.com/reference/services>, "Constraints").
pub const MAX_SERVICE_NAME: usize = 32;

/// Shortest time between two runs of a cron job, in minutes
/// (<https://docs.railway.com/cron-jobs>).
pub const MIN_CRON_MINUTES: u32 = 5;

/// Restarts a Free or Trial workspace may ask for with `on-failure`
/// (<https://docs.railway.com/guides/restart-policy>, "Plan limitations").
pub const FREE_MAX_RETRIES: u32 = 10;

/// The largest volume, in MB, a plan allows without asking Railway
/// (<https://docs.railway.com/reference/volumes>, "Size limits"). `None`:
/// no fixed limit (Enterprise).
pub fn max_volume_mb(plan: Plan) -> Option<u64> {
    match plan {
        Plan::Free | Plan::Trial => Some(500),
        Plan::Hobby => Some(5_000),
        Plan::Pro => Some(250_000),
        Plan::Enterprise => None,
    }
}

/// The plan assumed when the project declares none: the largest
/// self-serve one, so that no limit is claimed that the workspace may not
/// have (declare `plan` to be held to yours).
pub const ASSUMED_PLAN: Plan = Plan::Pro;

/// Domains under these suffixes belong to Railway: a service gets one of
/// them with `generated-domain`, never as a custom domain.
const RAILWAY_SUFFIXES: &[&str] = &["up.railway.app", "railway.app", "railway.com", "rlwy.net"];

/// Names that never resolve on the public internet; Railway cannot issue a
/// certificate for them (<https://docs.railway.com/reference/public-networking>:
/// "Non-public/internal domain names are not supported").
const INTERNAL_SUFFIXES: &[&str] = &[
    "railway.internal",
    "localhost",
    "local",
    "internal",
    "lan",
    "home.arpa",
];

/// Check every rule on `project` (and on the detached environment of a
/// project that declares none).
pub fn check(
    project: &Project,
    detached: Option<&Environment>,
    documents: &[Arc<Document>],
    diags: &mut Vec<Diagnostic>,
) {
    let mut checker = Checker::new(project.plan.as_ref().map(|p| p.value), documents);
    for env in project.environments.iter().chain(detached) {
        for inst in &env.services {
            checker.instance(env, inst, diags);
        }
    }
    checker.finish(diags);
}

/// The rules, fed one instance at a time as the resolver builds them, so
/// that a resolution that does not keep its instances (the language
/// server's) still checks every rule; [`Checker::finish`] reports what
/// spans instances (a domain attached twice).
pub struct Checker<'d> {
    find: Locate<'d>,
    plan: Option<Plan>,
    /// Service names already checked (the name rule, once per service).
    named: std::collections::BTreeSet<String>,
    domains: BTreeMap<String, Vec<Attached>>,
    pending: Vec<(String, Diagnostic)>,
}

impl<'d> Checker<'d> {
    /// A checker for a project on `plan`, pointing into `documents`.
    pub fn new(plan: Option<Plan>, documents: &'d [Arc<Document>]) -> Self {
        Checker {
            find: Locate { documents },
            plan,
            named: std::collections::BTreeSet::new(),
            domains: BTreeMap::new(),
            pending: Vec::new(),
        }
    }

    /// The rules of one instance of `env` (whose own settings are resolved;
    /// its `services` may be incomplete).
    pub fn instance(
        &mut self,
        env: &Environment,
        inst: &ServiceInstance,
        diags: &mut Vec<Diagnostic>,
    ) {
        if self.named.insert(inst.name.clone()) {
            service_name(inst, diags);
        }
        let find = &self.find;
        replicas_with_volume(env, inst, find, diags);
        volume_size(inst, self.plan, find, diags);
        cron_interval(inst, find, diags);
        restart_policy(inst, self.plan, find, diags);
        tcp_proxy_and_domain(inst, find, diags);
        custom_domains(
            (env, inst),
            find,
            &mut self.domains,
            &mut self.pending,
            diags,
        );
    }

    /// What spans instances: domains attached twice or overlapping.
    pub fn finish(self, diags: &mut Vec<Diagnostic>) {
        attached_twice(&self.domains, &self.find, diags);
        for (domain, d) in self.pending {
            if self
                .domains
                .get(&domain)
                .is_none_or(|places| places.len() < 2)
            {
                diags.push(d);
            }
        }
        wildcard_overlap(&self.domains, &self.find, diags);
    }
}

/// Finds the syntax behind a provenance step, to point at a value rather
/// than at the whole node that set it.
struct Locate<'a> {
    documents: &'a [Arc<Document>],
}

impl Locate<'_> {
    /// The node whose span is exactly the step's.
    fn node(&self, step: &Step) -> Option<&Node> {
        let doc = self.documents.get(step.file.0 as usize)?;
        find_node(&doc.nodes, &|n| n.span == step.span)
    }

    /// The value of the node's first argument, else the node.
    fn arg(&self, step: &Step) -> (FileId, Span) {
        let span = self
            .node(step)
            .and_then(|n| n.first_arg())
            .map_or(step.span, |e| e.value_span);
        (step.file, span)
    }

    /// The value of the node's property `key`, else the node.
    fn prop(&self, step: &Step, key: &str) -> (FileId, Span) {
        let span = self
            .node(step)
            .and_then(|n| n.prop(key))
            .map_or(step.span, |e| e.value_span);
        (step.file, span)
    }

    /// The `domain` node inside the step's span (a block's domain list
    /// covers all its `domain` nodes) that gives `domain` in environment
    /// `env`: its value's span and the pattern as written.
    fn domain(&self, step: &Step, env: &str, domain: &str) -> Option<(Span, String)> {
        let doc = self.documents.get(step.file.0 as usize)?;
        let inside = |n: &Node| n.span.start >= step.span.start && n.span.end <= step.span.end;
        let node = find_node(&doc.nodes, &|n: &Node| {
            inside(n)
                && n.name.value == "domain"
                && n.first_arg()
                    .and_then(|e| e.value.as_str())
                    .is_some_and(|p| {
                        if env.is_empty() {
                            p == domain
                        } else {
                            value::expand_domain(p, env) == domain
                        }
                    })
        })?;
        let e = node.first_arg()?;
        Some((e.value_span, e.value.as_str()?.to_string()))
    }
}

fn find_node<'n>(nodes: &'n [Node], want: &dyn Fn(&Node) -> bool) -> Option<&'n Node> {
    for n in nodes {
        if want(n) {
            return Some(n);
        }
        if let Some(found) = find_node(n.child_nodes(), want) {
            return Some(found);
        }
    }
    None
}

/// The step in effect of an origin.
fn effective(origin: &Origin) -> Option<&Step> {
    origin.effective()
}

/// " in `production`", or nothing for the detached environment.
fn in_env(env: &Environment) -> String {
    if env.name.is_empty() {
        String::new()
    } else {
        format!(" in `{}`", env.name)
    }
}

fn service_name(inst: &ServiceInstance, diags: &mut Vec<Diagnostic>) {
    let len = inst.name.chars().count();
    if len <= MAX_SERVICE_NAME {
        return;
    }
    let Some(step) = inst.declared.as_ref().and_then(effective) else {
        return;
    };
    diags.push(
        Diagnostic::error(
            "mirage::rules::service_name_too_long",
            step.file,
            step.span,
            format!(
                "service name `{}` is {len} characters long; Railway allows {MAX_SERVICE_NAME}",
                inst.name
            ),
        )
        .with_help(format!(
            "shorten the name to at most {MAX_SERVICE_NAME} characters"
        )),
    );
}

/// Railway runs one instance of a service with a volume: the volume
/// cannot be shared between replicas.
fn replicas_with_volume(
    env: &Environment,
    inst: &ServiceInstance,
    find: &Locate,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(volume) = &inst.volume else { return };
    let d = &inst.deploy;
    // Both are written to Railway (`numReplicas` and `multiRegionConfig`),
    // so either above one breaks the rule.
    let replicas = d.num_replicas.as_ref().map_or(1, |n| n.value);
    let regions = d.multi_region_config.len();
    let total: u32 = d.multi_region_config.values().map(|v| v.value).sum();
    let (count, at, across) = if replicas > 1 && replicas >= total {
        let at = d
            .num_replicas
            .as_ref()
            .and_then(|n| effective(&n.origin))
            .map(|s| find.arg(s));
        (replicas, at, false)
    } else if total > 1 {
        // Point at the region with the most replicas.
        let at = d
            .multi_region_config
            .values()
            .max_by_key(|v| v.value)
            .and_then(|v| effective(&v.origin))
            .map(|s| find.arg(s));
        (total, at, regions > 1)
    } else {
        return;
    };
    let Some((file, span)) = at else { return };
    let mut diag = Diagnostic::error(
        "mirage::rules::replicas_with_volume",
        file,
        span,
        format!(
            "service `{}` has a volume, so it cannot run {count} replicas",
            inst.name
        ),
    )
    .with_label(if across {
        format!("{count} replicas across {regions} regions{}", in_env(env))
    } else {
        format!("{count} replicas{}", in_env(env))
    });
    if let Some(step) = effective(&volume.mount_path.origin) {
        let (vf, vs) = find.arg(step);
        diag = diag.with_related(vf, vs, "the volume is mounted here");
    }
    diags.push(diag.with_help(format!(
        "Railway cannot share a volume between replicas: give `{}` one replica (`replicas 1`), or remove its volume",
        inst.name
    )));
}

fn volume_size(
    inst: &ServiceInstance,
    plan: Option<Plan>,
    find: &Locate,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(size) = inst.volume.as_ref().and_then(|v| v.size_mb.as_ref()) else {
        return;
    };
    let assumed = plan.unwrap_or(ASSUMED_PLAN);
    let Some(max) = max_volume_mb(assumed) else {
        return;
    };
    if size.value <= max {
        return;
    }
    let Some(step) = effective(&size.origin) else {
        return;
    };
    let (file, span) = find.prop(step, "size");
    let name = assumed.as_str();
    let help = match plan {
        None => format!(
            "no `plan` is declared, so Mirage assumes `pro`, whose volumes grow to {} at most; larger ones are arranged with Railway (then declare `plan \"enterprise\"` in the project)",
            megabytes(max)
        ),
        Some(Plan::Pro) => format!(
            "Pro volumes grow to {} by themselves; larger ones are arranged with Railway (then declare `plan \"enterprise\"`)",
            megabytes(max)
        ),
        Some(_) => format!(
            "make it at most {}, or declare the plan the workspace is on (`plan \"pro\"` in the project)",
            megabytes(max)
        ),
    };
    diags.push(
        Diagnostic::error(
            "mirage::rules::volume_too_large",
            file,
            span,
            format!(
                "a volume of {} is larger than the `{name}` plan allows ({})",
                megabytes(size.value),
                megabytes(max)
            ),
        )
        .with_help(help),
    );
}

/// `5000` → `5 GB`, `500` → `500 MB`.
fn megabytes(mb: u64) -> String {
    if mb >= 1000 && mb.is_multiple_of(1000) {
        format!("{} GB", mb / 1000)
    } else if mb >= 1000 {
        format!("{:.1} GB", mb as f64 / 1000.0)
    } else {
        format!("{mb} MB")
    }
}

fn cron_interval(inst: &ServiceInstance, find: &Locate, diags: &mut Vec<Diagnostic>) {
    let Some(cron) = &inst.deploy.cron_schedule else {
        return;
    };
    let Some(gap) = value::cron_min_interval(&cron.value) else {
        return;
    };
    if gap >= MIN_CRON_MINUTES {
        return;
    }
    let Some(step) = effective(&cron.origin) else {
        return;
    };
    let (file, span) = find.arg(step);
    let every = if gap == 1 {
        "runs every minute".to_string()
    } else {
        format!("starts runs only {gap} minutes apart")
    };
    diags.push(
        Diagnostic::error(
            "mirage::rules::cron_too_frequent",
            file,
            span,
            format!(
                "cron schedule `{}` {every}; Railway runs a cron job at most every {MIN_CRON_MINUTES} minutes",
                cron.value
            ),
        )
        .with_help(format!(
            "space the runs at least {MIN_CRON_MINUTES} minutes apart, e.g. `*/{MIN_CRON_MINUTES} * * * *`, or keep the service running and schedule inside it"
        )),
    );
}

/// Free and Trial workspaces cannot restart `always`, nor more than 10
/// times on failure.
fn restart_policy(
    inst: &ServiceInstance,
    plan: Option<Plan>,
    find: &Locate,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(plan @ (Plan::Free | Plan::Trial)) = plan else {
        return;
    };
    let d = &inst.deploy;
    let help =
        "upgrade the workspace to a paid plan, or restart `on-failure` with at most 10 retries";
    if let Some(policy) = &d.restart_policy_type
        && policy.value == RestartPolicy::Always
        && let Some(step) = effective(&policy.origin)
    {
        let (file, span) = find.arg(step);
        diags.push(
            Diagnostic::error(
                "mirage::rules::restart_not_in_plan",
                file,
                span,
                format!(
                    "the `{}` plan cannot restart a service `always`",
                    plan.as_str()
                ),
            )
            .with_help(help),
        );
    }
    if let Some(retries) = &d.restart_policy_max_retries
        && retries.value > FREE_MAX_RETRIES
        && let Some(step) = effective(&retries.origin)
    {
        let (file, span) = find.prop(step, "max-retries");
        diags.push(
            Diagnostic::error(
                "mirage::rules::restart_not_in_plan",
                file,
                span,
                format!(
                    "the `{}` plan restarts a service at most {FREE_MAX_RETRIES} times, not {}",
                    plan.as_str(),
                    retries.value
                ),
            )
            .with_help(help),
        );
    }
}

/// Railway's dashboard offers no generated domain on a service with a TCP
/// proxy (<https://docs.railway.com/guides/public-networking>, "Don't see
/// the Generate Domain Button?"); whether the API refuses it is
/// unconfirmed, so this is a warning.
fn tcp_proxy_and_domain(inst: &ServiceInstance, find: &Locate, diags: &mut Vec<Diagnostic>) {
    let n = &inst.networking;
    let (Some(domain), Some(proxy)) = (&n.service_domain, &n.tcp_proxy) else {
        return;
    };
    let (Some(ds), Some(ps)) = (effective(&domain.origin), effective(&proxy.origin)) else {
        return;
    };
    let (pf, pspan) = find.arg(ps);
    diags.push(
        Diagnostic::warning(
            "mirage::rules::tcp_proxy_and_domain",
            ds.file,
            ds.span,
            format!(
                "service `{}` has a TCP proxy and a generated domain",
                inst.name
            ),
        )
        .with_label("generated domain")
        .with_related(pf, pspan, "TCP proxy")
        .with_help("Railway offers a generated domain only to services without a TCP proxy: remove one of them (a database usually needs only the proxy)"),
    );
}

/// One custom domain attached to one service instance.
struct Attached {
    env: String,
    service: String,
    /// The step of the instance's domain list; the domain's own span is
    /// looked up only when it is reported.
    list: Step,
}

impl Attached {
    /// The domain's value in the files.
    fn at(&self, find: &Locate, domain: &str) -> (FileId, Span) {
        let span = find
            .domain(&self.list, &self.env, domain)
            .map_or(self.list.span, |(span, _)| span);
        (self.list.file, span)
    }
}

/// Checks the custom domains of one instance and records where each is
/// attached in `out`. A fixed domain in an ephemeral environment goes to
/// `pending`: it is reported only if the domain is not already reported
/// as attached twice (one fix, the `{environment}` pattern, cures both).
fn custom_domains(
    (env, inst): (&Environment, &ServiceInstance),
    find: &Locate,
    out: &mut BTreeMap<String, Vec<Attached>>,
    pending: &mut Vec<(String, Diagnostic)>,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(list) = &inst.networking.custom_domains else {
        return;
    };
    let Some(step) = effective(&list.origin) else {
        return;
    };
    let ephemeral = env.ephemeral.as_ref().is_some_and(|e| e.value);
    for d in &list.value {
        // The detached environment has no name to put in a pattern.
        if d.domain.contains(ENVIRONMENT_PLACEHOLDER) {
            continue;
        }
        // The syntax is looked up only for what is reported (this runs on
        // every keystroke in an editor).
        let locate = || {
            find.domain(step, &env.name, &d.domain)
                .unwrap_or((step.span, d.domain.clone()))
        };
        let file = step.file;
        if let Err(reason) = value::check_domain(&d.domain) {
            // A domain written without a pattern was checked where it is
            // written; only an expanded pattern can fail here.
            let (span, pattern) = locate();
            if !pattern.contains(ENVIRONMENT_PLACEHOLDER) {
                continue;
            }
            diags.push(
                Diagnostic::error(
                    "mirage::resolve::invalid_domain",
                    file,
                    span,
                    format!(
                        "`{pattern}` gives `{}`{}, which is not a host name",
                        d.domain,
                        in_env(env)
                    ),
                )
                .with_label(reason)
                .with_help("environment names in a domain must be valid DNS labels: letters, digits and `-` (no `_`), 63 characters at most"),
            );
            continue;
        }
        let host = d.domain.trim_start_matches("*.");
        if let Some(suffix) = RAILWAY_SUFFIXES.iter().find(|s| under(host, s)) {
            let (span, _) = locate();
            diags.push(
                Diagnostic::error(
                    "mirage::rules::railway_domain",
                    file,
                    span,
                    format!("`{}` is one of Railway's own domains (`{suffix}`), not a custom domain", d.domain),
                )
                .with_help("for a `*.up.railway.app` domain write `generated-domain`; a custom domain is one you own"),
            );
            continue;
        }
        if let Some(suffix) = INTERNAL_SUFFIXES.iter().find(|s| under(host, s)) {
            let (span, _) = locate();
            diags.push(
                Diagnostic::error(
                    "mirage::rules::internal_domain",
                    file,
                    span,
                    format!("`{}` is not a public domain (`.{suffix}`)", d.domain),
                )
                .with_help("Railway attaches only public domains; services reach each other privately at `${{service.RAILWAY_PRIVATE_DOMAIN}}`"),
            );
            continue;
        }
        let (span, pattern) = if ephemeral {
            locate()
        } else {
            (step.span, String::new())
        };
        if ephemeral && !pattern.contains(ENVIRONMENT_PLACEHOLDER) {
            let diag = Diagnostic::error(
                "mirage::rules::domain_in_ephemeral",
                file,
                span,
                format!(
                    "ephemeral environment `{}` is copied for every preview, and each copy would attach `{}`",
                    env.name, d.domain
                ),
            )
            .with_help(format!(
                "a custom domain can be attached once in all of Railway: put the environment's name in it, e.g. `domain \"{}\"`",
                suggest_pattern(&d.domain)
            ));
            pending.push((d.domain.clone(), diag));
        }
        out.entry(d.domain.clone()).or_default().push(Attached {
            env: env.name.clone(),
            service: inst.name.clone(),
            list: step.clone(),
        });
    }
}

/// `host` is `suffix` or a name under it.
fn under(host: &str, suffix: &str) -> bool {
    host == suffix
        || host
            .strip_suffix(suffix)
            .is_some_and(|rest| rest.ends_with('.'))
}

/// `api.shop.example` → `api.{environment}.shop.example`.
fn suggest_pattern(domain: &str) -> String {
    match domain.split_once('.') {
        Some((first, rest)) if rest.contains('.') => {
            format!("{first}.{ENVIRONMENT_PLACEHOLDER}.{rest}")
        }
        _ => format!("{ENVIRONMENT_PLACEHOLDER}.{domain}"),
    }
}

/// "`api` in `production`", or "`api`" in the detached environment.
fn instance_name(a: &Attached) -> String {
    if a.env.is_empty() {
        format!("`{}`", a.service)
    } else {
        format!("`{}` in `{}`", a.service, a.env)
    }
}

/// A custom domain points at one service in one environment, in all of
/// Railway.
fn attached_twice(
    domains: &BTreeMap<String, Vec<Attached>>,
    find: &Locate,
    diags: &mut Vec<Diagnostic>,
) {
    for (domain, places) in domains {
        if places.len() < 2 {
            continue;
        }
        // One label per place in the files; a `domain` written once in a
        // service block is attached in every environment.
        let mut spots: Vec<((FileId, Span), Vec<&Attached>)> = Vec::new();
        for a in places {
            let at = a.at(find, domain);
            match spots.iter_mut().find(|(spot, _)| *spot == at) {
                Some((_, list)) => list.push(a),
                None => spots.push((at, vec![a])),
            }
        }
        let label = |list: &[&Attached]| {
            let names: Vec<String> = list.iter().map(|a| instance_name(a)).collect();
            format!("attached to {}", names.join(", "))
        };
        // The primary label is the second place (the first is where it
        // was attached first), or the only place when one line attaches it
        // everywhere.
        let primary = if spots.len() > 1 { 1 } else { 0 };
        let ((file, span), list) = &spots[primary];
        let mut d = Diagnostic::error(
            "mirage::rules::domain_attached_twice",
            *file,
            *span,
            format!(
                "custom domain `{domain}` is attached {}; Railway attaches a domain once",
                match places.len() {
                    2 => "twice".to_string(),
                    n => format!("{n} times"),
                }
            ),
        )
        .with_label(label(list));
        for (i, ((f, s), list)) in spots.iter().enumerate() {
            if i != primary {
                d = d.with_related(*f, *s, label(list));
            }
        }
        diags.push(d.with_help(format!(
            "give each environment its own domain, e.g. `domain \"{}\"` (the environment's name goes in its place), and each service its own",
            suggest_pattern(domain)
        )));
    }
}

/// `foo.hello.com` cannot coexist with `*.hello.com` unless both are the
/// same service's (<https://docs.railway.com/reference/public-networking>).
fn wildcard_overlap(
    domains: &BTreeMap<String, Vec<Attached>>,
    find: &Locate,
    diags: &mut Vec<Diagnostic>,
) {
    for (wildcard, owners) in domains {
        let Some(base) = wildcard.strip_prefix("*.") else {
            continue;
        };
        for (domain, places) in domains {
            let covered = domain
                .split_once('.')
                .is_some_and(|(first, rest)| rest == base && first != "*");
            if !covered {
                continue;
            }
            for a in places {
                let Some(owner) = owners.iter().find(|o| o.service != a.service) else {
                    continue;
                };
                let (file, span) = a.at(find, domain);
                let (owner_file, owner_span) = owner.at(find, wildcard);
                diags.push(
                    Diagnostic::error(
                        "mirage::rules::wildcard_overlap",
                        file,
                        span,
                        format!(
                            "`{domain}` of {} is covered by wildcard `{wildcard}` of {}",
                            instance_name(a),
                            instance_name(owner)
                        ),
                    )
                    .with_related(owner_file, owner_span, "the wildcard")
                    .with_help("a subdomain and a wildcard over it must belong to the same service: move one of them"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn codes(text: &str) -> Vec<&'static str> {
        let root = Path::new("/p");
        let a = crate::resolve::analyze(root, vec![(PathBuf::from("/p/main.mirage"), text.into())]);
        a.diagnostics.iter().map(|d| d.code).collect()
    }

    #[test]
    fn suffixes_and_suggestions() {
        assert!(under("a.up.railway.app", "up.railway.app"));
        assert!(under("railway.app", "railway.app"));
        assert!(!under("myrailway.app", "railway.app"));
        assert_eq!(
            suggest_pattern("api.shop.example"),
            "api.{environment}.shop.example"
        );
        assert_eq!(
            suggest_pattern("shop.example"),
            "{environment}.shop.example"
        );
        assert_eq!(megabytes(5_000), "5 GB");
        assert_eq!(megabytes(500), "500 MB");
        assert_eq!(megabytes(1_500), "1.5 GB");
    }

    #[test]
    fn plan_limits_follow_the_declared_plan() {
        let project = |plan: &str, size: &str| {
            format!(
                "project \"p\" {{\n{plan}}}\nservice \"db\" {{\n    image \"postgres:17\"\n    volume \"/data\" size=\"{size}\"\n}}\nenvironment \"production\"\n"
            )
        };
        // No plan: Pro's 250 GB.
        assert!(codes(&project("", "200GB")).is_empty());
        assert_eq!(
            codes(&project("", "300GB")),
            ["mirage::rules::volume_too_large"]
        );
        assert_eq!(
            codes(&project("    plan \"hobby\"\n", "6GB")),
            ["mirage::rules::volume_too_large"]
        );
        assert!(codes(&project("    plan \"enterprise\"\n", "2TB")).is_empty());
        assert_eq!(
            codes(&project("    plan \"free\"\n", "1GB")),
            ["mirage::rules::volume_too_large"]
        );
    }

    #[test]
    fn one_replica_with_a_volume_is_fine_and_regions_count() {
        let base =
            "project \"p\"\nservice \"db\" {\n    image \"postgres:17\"\n    volume \"/data\"\n";
        let end = "}\nenvironment \"production\"\n";
        assert!(codes(&format!("{base}    replicas 1\n{end}")).is_empty());
        assert!(
            codes(&format!(
                "{base}    regions {{ us-west2 1; europe-west4-drams3a 0 }}\n{end}"
            ))
            .is_empty()
        );
        assert_eq!(
            codes(&format!(
                "{base}    regions {{ us-west2 1; europe-west4-drams3a 1 }}\n{end}"
            )),
            ["mirage::rules::replicas_with_volume"]
        );
    }
}
