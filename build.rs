//! Registers the hand-kept Railway schema subset with cynic, so every
//! `QueryFragment` in `src/railway` is checked against it at compile time.

fn main() {
    println!("cargo::rerun-if-changed=schemas/railway.graphql");
    if let Err(error) = cynic_codegen::register_schema("railway")
        .from_sdl_file("schemas/railway.graphql")
        .and_then(|schema| schema.as_default())
    {
        // A build script reports failure by panicking; the message names the file.
        panic!("cannot register `schemas/railway.graphql` with cynic: {error}");
    }
}
