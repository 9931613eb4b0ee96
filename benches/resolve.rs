//! Parse + resolve a generated project: 100 environments × 50 services
//! (5,000 instances, 50,000 effective variables), the target being under
//! 150 ms and 200 MB peak memory; then the same at 10×, 100× and 1,000×
//! fewer/more instances to show that the cost is linear.
//!
//! Run with `cargo bench --bench resolve`. Peak memory is the process's
//! `VmHWM` from `/proc/self/status` (Linux), read right after the target
//! size runs first in a fresh process; the heap's own peak (live bytes,
//! counted by the bench's allocator) is printed too.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mirage::resolve::analyze;

#[path = "support/counting.rs"]
mod counting;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

/// A realistic project: three layers, two templates, `services` services of
/// ten effective variables each (five plain, two references to other
/// services, `PORT` from the template's `port`, two from the layers), and
/// `envs` environments, every fourth with a per-service override block.
fn generate(envs: usize, services: usize) -> Vec<(PathBuf, String)> {
    let mut main = String::from("project \"bench\" {\n    region \"us-west2\"\n}\n\n");
    main.push_str(
        "layer \"base\" {\n    vars {\n        LOG_LEVEL \"info\"\n        TZ \"UTC\"\n    }\n}\n",
    );
    main.push_str("layer \"prod\" extends=\"base\" {\n    replicas 2\n    protect #true\n}\n");
    main.push_str("layer \"dev\" extends=\"base\" {\n    sleep #true\n    vars {\n        LOG_LEVEL \"debug\"\n    }\n}\n\n");
    main.push_str("template \"web\" {\n    builder \"railpack\"\n    healthcheck \"/healthz\" timeout=30\n    port 3000\n    restart \"on-failure\" max-retries=5\n}\n");
    main.push_str("template \"api\" extends=\"web\" {\n    start \"node dist/server.js\"\n}\n\n");
    let mut svc = String::new();
    for s in 0..services {
        let _ = writeln!(svc, "service \"svc-{s}\" from=\"api\" {{");
        let _ = writeln!(
            svc,
            "    repo \"acme/monorepo\" branch=\"main\" root=\"apps/svc-{s}\""
        );
        svc.push_str("    vars {\n");
        for v in 0..5 {
            let _ = writeln!(svc, "        VAR_{v} \"value-{s}-{v}\"");
        }
        // Two references to earlier services (a DAG, no cycles).
        let a = s.saturating_sub(1);
        let b = s / 2;
        if s > 0 {
            let _ = writeln!(
                svc,
                "        UPSTREAM \"http://${{{{svc-{a}.RAILWAY_PRIVATE_DOMAIN}}}}:${{{{svc-{a}.PORT}}}}\""
            );
            let _ = writeln!(svc, "        OTHER \"${{{{svc-{b}.VAR_0}}}}\"");
        } else {
            svc.push_str("        UPSTREAM \"none\"\n        OTHER \"none\"\n");
        }
        svc.push_str("    }\n}\n");
    }
    let mut env = String::new();
    for e in 0..envs {
        let layer = if e % 2 == 0 { "prod" } else { "dev" };
        let _ = write!(env, "environment \"env-{e}\" layer=\"{layer}\"");
        if e % 4 == 0 {
            let _ = writeln!(
                env,
                " {{\n    service \"svc-{}\" {{\n        replicas 3\n        vars {{\n            VAR_0 \"override-{e}\"\n        }}\n    }}\n}}",
                e % services
            );
        } else {
            env.push('\n');
        }
    }
    vec![
        (PathBuf::from("/bench/main.mirage"), main),
        (PathBuf::from("/bench/services.mirage"), svc),
        (PathBuf::from("/bench/environments.mirage"), env),
    ]
}

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Best and median of `runs` timings of parse + resolve.
fn measure(envs: usize, services: usize, runs: usize) -> (Duration, Duration, usize, usize) {
    let files = generate(envs, services);
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let mut times = Vec::new();
    let mut vars = 0;
    for _ in 0..runs {
        let input = files.clone();
        let start = Instant::now();
        let analysis = analyze(Path::new("/bench"), input);
        times.push(start.elapsed());
        assert!(
            !analysis.has_errors(),
            "generated project has errors: {:?}",
            analysis.diagnostics.first()
        );
        vars = analysis
            .project
            .environments
            .iter()
            .flat_map(|e| &e.services)
            .map(|s| s.variables.len())
            .sum();
        drop(analysis);
    }
    times.sort();
    (times[0], times[times.len() / 2], vars, bytes)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs the binary
    // without it (in the debug profile), so that run only checks it works.
    let quick = !std::env::args().any(|a| a == "--bench");
    let before = vm_hwm_kib().unwrap_or(0);
    let (best, median, vars, bytes) = measure(100, 50, if quick { 1 } else { 10 });
    let peak = vm_hwm_kib().unwrap_or(0);
    println!(
        "target: 100 environments × 50 services = 5,000 instances, {vars} variables, {} KiB of source",
        bytes / 1024
    );
    println!(
        "  parse + resolve: best {:.1} ms, median {:.1} ms (target < 150 ms)",
        ms(best),
        ms(median)
    );
    let files = generate(100, 50);
    let start = Instant::now();
    for (i, (_, text)) in files.iter().enumerate() {
        let _ = mirage::syntax::parse(mirage::diagnostic::FileId(i as u32), text);
    }
    println!("  of which parsing alone: {:.1} ms", ms(start.elapsed()));
    let usage = counting::measure(|| analyze(Path::new("/bench"), files.clone()));
    println!(
        "  one parse + resolve: {} allocations, {:.1} MiB allocated, heap peak {:.1} MiB",
        usage.allocations,
        usage.bytes as f64 / 1048576.0,
        usage.peak as f64 / 1048576.0
    );
    println!(
        "  peak memory (VmHWM): {:.1} MiB (before: {:.1} MiB; target < 200 MB)",
        peak as f64 / 1024.0,
        before as f64 / 1024.0
    );
    if quick {
        return;
    }
    println!("\nscaling (services fixed at 50, environments vary):");
    println!(
        "  {:>10} {:>10} {:>12} {:>14}",
        "instances", "variables", "median ms", "µs/instance"
    );
    for envs in [1, 10, 100, 1000] {
        let runs = if envs >= 1000 { 3 } else { 10 };
        let (_, median, vars, _) = measure(envs, 50, runs);
        let instances = envs * 50;
        println!(
            "  {:>10} {:>10} {:>12.1} {:>14.1}",
            instances,
            vars,
            ms(median),
            median.as_secs_f64() * 1e6 / instances as f64
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
