//! The standard library: `.mirage` templates shipped in the binary and
//! imported as `import "std/<name>"`.

/// Name → source text of every standard-library module.
pub const MODULES: &[(&str, &str)] = &[
    ("postgres", include_str!("../../stdlib/postgres.mirage")),
    ("mysql", include_str!("../../stdlib/mysql.mirage")),
    ("redis", include_str!("../../stdlib/redis.mirage")),
    ("mongo", include_str!("../../stdlib/mongo.mirage")),
    ("node-web", include_str!("../../stdlib/node-web.mirage")),
    ("python-web", include_str!("../../stdlib/python-web.mirage")),
    ("worker", include_str!("../../stdlib/worker.mirage")),
    ("cron", include_str!("../../stdlib/cron.mirage")),
    ("vault", include_str!("../../stdlib/vault.mirage")),
];

/// The source of module `name` (without `std/`).
pub fn source(name: &str) -> Option<&'static str> {
    MODULES.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// Every module name.
pub fn names() -> impl Iterator<Item = &'static str> {
    MODULES.iter().map(|(n, _)| *n)
}
