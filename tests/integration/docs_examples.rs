//! The examples people copy work: every ```` ```kdl ```` block of
//! `README.md` and `docs/*.md` is written as `mirage fmt` writes it, and
//! every block that declares a `project` passes `mirage check` — through
//! the real binary, one block per temporary project.

use crate::support;

use std::fs;
use std::process::Stdio;

use support::repo_root;

/// One fenced block: where it starts (the line of its first text line)
/// and its text.
struct Block {
    place: String,
    text: String,
}

/// Every ```` ```kdl ```` block of the README and the docs.
fn blocks() -> Vec<Block> {
    let root = repo_root();
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<_> = fs::read_dir(root.join("docs"))
        .expect("reading docs/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    let mut out = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).expect("reading a markdown file");
        let name = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .display()
            .to_string();
        let mut open: Option<(usize, String)> = None;
        for (number, line) in text.lines().enumerate() {
            match &mut open {
                None if line.trim_start().starts_with("```kdl") => {
                    open = Some((number + 2, String::new()));
                }
                Some((start, body)) if line.trim_start().starts_with("```") => {
                    out.push(Block {
                        place: format!("{name}:{start}"),
                        text: std::mem::take(body),
                    });
                    open = None;
                }
                Some((_, body)) => {
                    body.push_str(line);
                    body.push('\n');
                }
                None => {}
            }
        }
        assert!(open.is_none(), "an unclosed ```kdl block in {name}");
    }
    out
}

/// Runs `mirage ARGS` in a fresh directory holding `text` as
/// `main.mirage`; `Err` with everything it printed when it fails.
fn run(text: &str, args: &[&str]) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    fs::write(dir.path().join("main.mirage"), text).expect("writing the block");
    let output = crate::support::mirage_command()
        .args(args)
        .current_dir(dir.path())
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("running mirage");
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "`mirage {}` exited {:?}:\n{}{}",
        args.join(" "),
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

/// Whether the block is a whole project (a `project` node at the top).
fn is_complete(text: &str) -> bool {
    text.lines().any(|line| line.starts_with("project "))
}

#[test]
fn the_readme_and_the_docs_have_kdl_examples() {
    let blocks = blocks();
    assert!(
        blocks.iter().any(|b| b.place.starts_with("README.md:")),
        "the README's example was not found"
    );
    assert!(
        blocks.iter().filter(|b| is_complete(&b.text)).count() >= 2,
        "fewer complete examples than expected: {:?}",
        blocks.iter().map(|b| &b.place).collect::<Vec<_>>()
    );
}

#[test]
fn every_kdl_example_is_formatted() {
    let failures: Vec<String> = blocks()
        .iter()
        .filter_map(|block| {
            run(&block.text, &["fmt", "--check", "main.mirage"])
                .err()
                .map(|e| format!("{}: {e}", block.place))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_complete_kdl_example_passes_check() {
    let failures: Vec<String> = blocks()
        .iter()
        .filter(|block| is_complete(&block.text))
        .filter_map(|block| {
            run(&block.text, &["check", "."])
                .err()
                .map(|e| format!("{}: {e}", block.place))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
