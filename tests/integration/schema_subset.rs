//! `schemas/railway.graphql` is a hand-kept subset of Railway's public
//! schema: every type, field, argument, enum value and input field must
//! match the full schema (`../shared/railway/schema.graphql`) exactly.
//! Also checks that every typed operation is a valid document.

use std::path::PathBuf;

use mirage::railway::ops::operation_documents;
use mirage::railway::schema_check::{SchemaIndex, subset_violations, validate_document};

const SUBSET: &str = include_str!("../../schemas/railway.graphql");

/// Panics with every difference when `subset_sdl` is not a true subset of
/// `full_sdl` (same names, types, nullability and defaults). Reusable on the
/// emulator's exported SDL.
pub fn assert_subset(subset_sdl: &str, full_sdl: &str) {
    match subset_violations(subset_sdl, full_sdl) {
        Ok(problems) if problems.is_empty() => {}
        Ok(problems) => panic!(
            "the subset differs from the full schema:\n  {}",
            problems.join("\n  ")
        ),
        Err(error) => panic!("{error}"),
    }
}

/// The full public schema: `MIRAGE_RAILWAY_SCHEMA` when set, else
/// `../shared/railway/schema.graphql` beside the repository.
fn full_schema() -> Option<String> {
    let path = std::env::var_os("MIRAGE_RAILWAY_SCHEMA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/railway/schema.graphql"),
        PathBuf::from,
    );
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(_) => {
            eprintln!(
                "SKIP: {} is absent; the subset is not checked against Railway's full schema",
                path.display()
            );
            None
        }
    }
}

#[test]
fn subset_matches_the_full_railway_schema() {
    if let Some(full) = full_schema() {
        assert_subset(SUBSET, &full);
    }
}

/// The emulator's served SDL goes through the same check as the client's:
/// every type, field, argument, enum value and input field it serves is
/// Railway's, with the same type, nullability and default.
#[test]
fn emulator_sdl_matches_the_full_railway_schema() {
    if let Some(full) = full_schema() {
        assert_subset(&mirage::emulator::sdl(), &full);
    }
}

#[test]
fn every_operation_is_valid_against_the_subset() {
    let schema = SchemaIndex::parse(SUBSET).unwrap();
    let documents = operation_documents();
    assert!(documents.len() >= 45, "{} operations", documents.len());
    for (name, document) in documents {
        let problems = validate_document(&schema, &document);
        assert!(problems.is_empty(), "{name}:\n{document}\n{problems:#?}");
    }
}

#[test]
fn every_operation_is_valid_against_the_full_schema() {
    let Some(full) = full_schema() else { return };
    let schema = SchemaIndex::parse(&full).unwrap();
    for (name, document) in operation_documents() {
        let problems = validate_document(&schema, &document);
        assert!(problems.is_empty(), "{name}:\n{document}\n{problems:#?}");
    }
}

const SMALL_FULL: &str = r#"
type Query { project(id: String!): Project! projects(first: Int, after: String): [Project!]! }
type Project { id: ID! name: String! description: String }
input ServiceCreateInput { projectId: String! name: String replace: Boolean = false }
enum Builder { NIXPACKS RAILPACK }
scalar JSON
"#;

fn problems(subset: &str) -> Vec<String> {
    subset_violations(subset, SMALL_FULL).unwrap()
}

#[test]
fn the_checker_accepts_a_true_subset() {
    let subset = r#"
type Query { project(id: String!): Project! }
type Project { id: ID! name: String! }
input ServiceCreateInput { projectId: String! replace: Boolean = false }
enum Builder { NIXPACKS RAILPACK }
scalar JSON
"#;
    assert_eq!(problems(subset), Vec::<String>::new());
}

#[test]
fn the_checker_catches_every_kind_of_difference() {
    let cases = [
        (
            "type Project { name: String }",
            "`Project.name` has type `String` but `String!`",
        ),
        (
            "type Project { slug: String }",
            "field `Project.slug` is not in the full schema",
        ),
        (
            "type Service { id: ID! }",
            "type `Service` is not in the full schema",
        ),
        (
            "type Query { project(id: String): Project! }",
            "argument of `Query.project` `id` has type `String`",
        ),
        (
            "type Query { project(id: String!, v: Int): Project! }",
            "argument of `Query.project` `v` is not in the full schema",
        ),
        (
            "type Query { project: Project! }",
            "required argument of `Query.project` `id` is missing",
        ),
        (
            "enum Builder { NIXPACKS RAILPACK DOCKERFILE }",
            "enum value `Builder.DOCKERFILE` is not in the full schema",
        ),
        (
            "enum Builder { RAILPACK }",
            "enum `Builder` lacks value `NIXPACKS`",
        ),
        (
            "input ServiceCreateInput { name: String }",
            "required input field of `ServiceCreateInput` `projectId` is missing",
        ),
        (
            "input ServiceCreateInput { projectId: String! replace: Boolean }",
            "`replace` has default `none` but `false`",
        ),
        (
            "enum JSON { A }",
            "type `JSON` is a enum in the subset but a scalar",
        ),
    ];
    for (subset, expected) in cases {
        let found = problems(subset);
        assert!(
            found.iter().any(|problem| problem.contains(expected)),
            "{subset}\nexpected a problem containing {expected:?}, got {found:#?}"
        );
    }
}

#[test]
fn the_document_validator_catches_bad_documents() {
    let schema = SchemaIndex::parse(SUBSET).unwrap();
    let cases = [
        (
            "query { project(id: \"p\") { id slug } }",
            "field `Project.slug` does not exist",
        ),
        ("query { project { id } }", "lacks required argument `id`"),
        (
            "query Q($id: String) { project(id: $id) { id } }",
            "expects `String!` but variable `$id` is `String`",
        ),
        (
            "query { project(id: $id) { id } }",
            "undeclared variable `$id`",
        ),
        (
            "query Q($id: String!, $x: Int) { project(id: $id) { id } }",
            "`$x` is declared but not used",
        ),
        ("query { project(id: \"p\") }", "needs a selection"),
        (
            "query { project(id: \"p\") { id { x } } }",
            "takes no selection",
        ),
        (
            "query { project(id: 3) { id } }",
            "expects `String!` but is given a number",
        ),
        (
            "mutation { projectCreate(input: {nam: \"x\"}) { id } }",
            "has no field `nam`",
        ),
        (
            "query { deployments(input: {status: {in: [GONE]}}) { edges { node { id } } } }",
            "given `GONE`",
        ),
        ("query { nope }", "field `Query.nope` does not exist"),
        ("query {", "does not parse"),
    ];
    for (document, expected) in cases {
        let found = validate_document(&schema, document);
        assert!(
            found.iter().any(|problem| problem.contains(expected)),
            "{document}\nexpected a problem containing {expected:?}, got {found:#?}"
        );
    }
    let valid = "query Q($id: String!) { project(id: $id) { id environments(first: 2) { edges { node { config(decryptVariables: true) } } } } }";
    assert_eq!(validate_document(&schema, valid), Vec::<String>::new());
}
