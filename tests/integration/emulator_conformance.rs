//! Every GraphQL document the official Railway CLI sends (release 5.43.1,
//! `../shared/railway/cli-documents`: `queries/`, `mutations/`,
//! `subscriptions/`, `iac/`) validates against the emulator's schema and
//! executes against a running emulator over HTTP and WebSocket, with
//! variables derived from a seeded world; the one document Railway itself
//! refuses (`iacPartials`) is refused the same way, so the CLI's retry path
//! works. Prints "N/N documents validate, N/N execute".

use std::path::PathBuf;

use mirage::emulator::conformance;

fn documents_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("MIRAGE_CLI_DOCUMENTS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/railway/cli-documents"),
        PathBuf::from,
    );
    if dir.join("queries").is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIP: {} is absent; the CLI's documents are not run against the emulator",
            dir.display()
        );
        None
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cli_document_validates_and_executes() {
    let Some(dir) = documents_dir() else { return };
    let docs = conformance::load(&dir).expect("the documents load");
    let report = conformance::run(&dir).await.expect("the report runs");
    println!("{}", report.render());
    eprintln!("{}", report.summary());
    // Every document but the refused one is counted, none skipped.
    assert_eq!(report.total(), docs.len() - 1, "{}", report.render());
    assert!(report.total() >= 148, "{}", report.render());
    assert_eq!(
        report.refused_as_railway_does,
        Some(true),
        "{}",
        report.render()
    );
    assert!(report.is_complete(), "{}", report.render());
}

#[tokio::test]
async fn a_failing_document_is_counted_as_failed() {
    // The report is not a formality: a document the emulator cannot answer
    // shows up as invalid and failed.
    let dir = tempfile::tempdir().expect("temp dir");
    for folder in conformance::FOLDERS {
        std::fs::create_dir(dir.path().join(folder)).expect("folder");
    }
    std::fs::write(
        dir.path().join("queries/Nope.graphql"),
        "query Nope { project(id: \"x\") { nope } }",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("queries/Project.graphql"),
        "query Project($id: String!) { project(id: $id) { id name } }",
    )
    .expect("write");
    let report = conformance::run(dir.path()).await.expect("runs");
    assert_eq!(
        report.summary(),
        "1/2 documents validate, 1/2 execute",
        "{}",
        report.render()
    );
    assert!(!report.is_complete());
}
