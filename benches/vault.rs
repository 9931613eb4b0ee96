//! Resolving `vault:` secrets: 1,000 references (10 keys of each of 100
//! KV v2 paths) against the test Vault (`mirage::emulator::vault`) with
//! 20 ms of latency per request, signing in with AppRole. Reports the
//! requests Vault answered (one per path plus the sign-in) and the wall
//! time; then the same with the login token kept (as in `mirage serve`),
//! and with latency 0 to show Mirage's own cost.
//!
//! `cargo bench --profile dev --bench vault` (env: `MIRAGE_BENCH_LATENCY_MS`,
//! default 20; `MIRAGE_BENCH_PATHS`, default 100; `MIRAGE_BENCH_KEYS`,
//! default 10).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mirage::emulator::vault::{Policy, VaultServer};
use mirage::model::SecretRef;
use mirage::secrets::{Place, Providers, Source as _};
use serde_json::{Map, Value};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let latency = env_or("MIRAGE_BENCH_LATENCY_MS", 20);
    let paths = env_or("MIRAGE_BENCH_PATHS", 100);
    let keys = env_or("MIRAGE_BENCH_KEYS", 10);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let vault = VaultServer::start().await.expect("the test Vault starts");
        let mut refs = Vec::new();
        for p in 0..paths {
            let mut data = Map::new();
            for k in 0..keys {
                data.insert(format!("key{k}"), Value::String(format!("value-{p}-{k}")));
                refs.push(SecretRef {
                    scheme: "vault".into(),
                    location: format!("secret/app/p{p}#key{k}"),
                });
            }
            vault.put("secret", &format!("app/p{p}"), Value::Object(data));
        }
        vault.add_approle(
            "approle",
            "bench",
            "bench-secret-id",
            Policy::paths(&["secret/data/app/*"]),
            Duration::from_secs(3600),
        );
        let env: HashMap<&str, String> = [
            ("VAULT_ADDR", vault.url()),
            ("VAULT_ROLE_ID", "bench".to_owned()),
            ("VAULT_SECRET_ID", "bench-secret-id".to_owned()),
        ]
        .into_iter()
        .collect();
        let providers = Providers::with_env(Arc::new(move |n: &str| env.get(n).cloned()));
        let mut place = Place::default();
        place.settings.vault.auth = Some("approle".into());

        println!(
            "vault: {} references, {paths} paths × {keys} keys, {latency} ms per request, {} paths at once",
            refs.len(),
            mirage::secrets::vault::AT_ONCE
        );
        let run = |label: &'static str, latency: u64| {
            let (vault, providers, place, refs) = (&vault, &providers, &place, &refs);
            async move {
                vault.set_latency(Duration::from_millis(latency));
                let before = vault.requests();
                let start = Instant::now();
                let answers = providers.read(place, refs).await;
                let took = start.elapsed();
                let ok = answers.iter().filter(|a| a.is_ok()).count();
                assert_eq!(ok, refs.len(), "every reference is read");
                let requests = vault.requests() - before;
                println!(
                    "  {label:<34} {requests:>4} requests  {:>8.1} ms",
                    took.as_secs_f64() * 1000.0
                );
                requests
            }
        };
        let first = run("first command (sign-in + reads)", latency).await;
        assert_eq!(first, paths + 1, "one request per path and one sign-in");
        for _ in 0..3 {
            let kept = run("token kept (reads only)", latency).await;
            assert_eq!(kept, paths, "one request per path");
        }
        run("latency 0 (Mirage's own cost)", 0).await;
        println!(
            "  most requests in flight at once: {} (bound {})",
            vault.most_in_flight(),
            mirage::secrets::vault::AT_ONCE
        );
        assert!(vault.most_in_flight() <= mirage::secrets::vault::AT_ONCE as u64);
        println!(
            "  for comparison: one request per key, one at a time ≈ {} ms",
            paths * keys * latency
        );
    });
}
