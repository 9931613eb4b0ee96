//! Registers the hand-kept Railway schema subset with cynic, so every
//! `QueryFragment` in `src/railway` is checked against it at compile time,
//! and sets `MIRAGE_VERSION` (the version with the commit, see
//! `build/version.rs`) for `mirage --version`.

#[path = "build/version.rs"]
mod version;

fn main() {
    let dir = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let package = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let commit = std::env::var("MIRAGE_BUILD_COMMIT").ok();
    println!(
        "cargo::rustc-env=MIRAGE_VERSION={}",
        version::describe(&package, &dir, commit.as_deref())
    );
    println!("cargo::rerun-if-env-changed=MIRAGE_BUILD_COMMIT");
    println!("cargo::rerun-if-changed=build/version.rs");
    for file in version::watched(&dir) {
        println!("cargo::rerun-if-changed={}", file.display());
    }
    println!("cargo::rerun-if-changed=schemas/railway.graphql");
    if let Err(error) = cynic_codegen::register_schema("railway")
        .from_sdl_file("schemas/railway.graphql")
        .and_then(|schema| schema.as_default())
    {
        // A build script reports failure by panicking; the message names the file.
        panic!("cannot register `schemas/railway.graphql` with cynic: {error}");
    }
}
