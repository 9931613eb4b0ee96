//! Discovery on a generated pnpm + turborepo monorepo of 500 packages and
//! 20,000 files (sources, a `.gitignore`d `dist/` per package, Dockerfiles
//! for every tenth package). Target: under 300 ms warm.
//!
//! `cargo bench --bench discover` — prints the median and the spread of
//! warm runs (the first run warms the page cache and is reported apart).

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

const PACKAGES: usize = 500;
const FILES: usize = 20_000;
const RUNS: usize = 15;

fn generate(root: &Path) -> std::io::Result<usize> {
    let mut files = 0;
    let mut write = |path: &Path, text: &str| -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        files += 1;
        fs::write(path, text)
    };
    write(
        &root.join("package.json"),
        r#"{"name":"bench","private":true,"packageManager":"pnpm@9.0.0"}"#,
    )?;
    write(
        &root.join("pnpm-workspace.yaml"),
        "packages:\n  - 'apps/*'\n  - 'packages/**'\n  - '!**/fixtures/**'\n",
    )?;
    write(&root.join("turbo.json"), "{ \"tasks\": {} }\n")?;
    write(&root.join(".gitignore"), "node_modules\ndist/\n*.log\n")?;
    // The four root files plus every package's: exactly FILES in all.
    let (per_package, extra) = ((FILES - 4) / PACKAGES, (FILES - 4) % PACKAGES);
    for i in 0..PACKAGES {
        let per_package = per_package + usize::from(i < extra);
        let (group, name) = if i % 5 == 0 {
            ("apps", format!("app-{i}"))
        } else {
            ("packages", format!("lib-{i}"))
        };
        let dir = root.join(group).join(&name);
        let deps: Vec<String> = (1..=3)
            .filter(|k| i >= *k * 7)
            .map(|k| {
                format!(
                    "\"@bench/lib-{}\": \"workspace:*\"",
                    ((i - k * 7) / 5 * 5 + 1).min(PACKAGES - 1)
                )
            })
            .collect();
        let scripts = if group == "apps" {
            r#", "scripts": {"start": "node index.js"}"#
        } else {
            ""
        };
        write(
            &dir.join("package.json"),
            &format!(
                "{{\"name\": \"@bench/{name}\", \"version\": \"1.0.0\"{scripts}, \"dependencies\": {{{}}}}}",
                deps.join(", ")
            ),
        )?;
        let mut made = 1;
        if i % 10 == 0 {
            write(
                &dir.join("Dockerfile"),
                "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN <<EOF\nnpm ci\nEOF\nEXPOSE 3000\nCMD [\"node\", \"index.js\"]\n",
            )?;
            made += 1;
        }
        let mut k = 0;
        while made < per_package {
            let path = match k % 4 {
                0 => dir.join(format!("src/module_{k}.ts")),
                1 => dir.join(format!("src/nested/deeper/file_{k}.ts")),
                2 => dir.join(format!("dist/out_{k}.js")),
                _ => dir.join(format!("test/case_{k}.test.ts")),
            };
            write(&path, "export {};\n")?;
            made += 1;
            k += 1;
        }
    }
    Ok(files)
}

fn main() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot create a temporary directory: {e}");
            return;
        }
    };
    let files = match generate(dir.path()) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("cannot generate the repository: {e}");
            return;
        }
    };
    let once = || {
        let start = Instant::now();
        let discovery = mirage::discover::discover(dir.path());
        let elapsed = start.elapsed();
        let services = discovery.map(|d| d.services.len()).unwrap_or(0);
        (elapsed, services)
    };
    let (cold, services) = once();
    let mut times: Vec<Duration> = (0..RUNS).map(|_| once().0).collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("discover: {PACKAGES} packages, {files} files, {services} services found");
    println!("  first run (page cache warming): {:.1} ms", ms(cold));
    println!(
        "  warm, {RUNS} runs: median {:.1} ms, min {:.1} ms, max {:.1} ms (target < 300 ms)",
        ms(times[RUNS / 2]),
        ms(times[0]),
        ms(times[RUNS - 1])
    );
}
