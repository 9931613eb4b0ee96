//! The editor packages under `editors/`: the VS Code extension's manifest,
//! language configuration and TextMate grammar (kept in step with
//! `docs/language.md`), the Helix configuration, and — when npm and the
//! extension's `node_modules` are present — the extension's own `npm test`
//! (the grammar run by vscode-textmate against committed snapshots).

use crate::support;

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;
use support::{find_program, repo_root};

fn vscode_dir() -> PathBuf {
    repo_root().join("editors").join("vscode")
}

fn read(path: &PathBuf) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("reading `{}`: {e}", path.display()))
}

fn read_json(path: PathBuf) -> Value {
    serde_json::from_str(&read(&path))
        .unwrap_or_else(|e| panic!("`{}` is not valid JSON: {e}", path.display()))
}

fn grammar() -> Value {
    read_json(vscode_dir().join("syntaxes").join("mirage.tmLanguage.json"))
}

/// The words of the first `(a|b|c)` (or `(a)`) group of plain node names in the `begin`
/// regex of a grammar rule: the keyword lists the grammar highlights.
fn keyword_list(grammar: &Value, rule: &str) -> BTreeSet<String> {
    let begin = grammar["repository"][rule]["begin"]
        .as_str()
        .unwrap_or_else(|| panic!("grammar rule `{rule}` has no `begin`"));
    let mut start = 0;
    while let Some(open) = begin[start..].find('(').map(|i| start + i) {
        if let Some(close) = begin[open + 1..].find(')').map(|i| open + 1 + i) {
            let group = &begin[open + 1..close];
            let plain = group.chars().any(|c| c.is_ascii_lowercase())
                && group
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-|".contains(c));
            if plain {
                return group.split('|').map(str::to_owned).collect();
            }
        }
        start = open + 1;
    }
    panic!("no keyword group in the `begin` of grammar rule `{rule}`: {begin}");
}

/// The text of `docs/language.md` from the heading `## {title}` to the next
/// heading of the same level.
fn docs_section(title: &str) -> String {
    let docs = read(&repo_root().join("docs").join("language.md"));
    let heading = format!("\n## {title}\n");
    let start = docs
        .find(&heading)
        .unwrap_or_else(|| panic!("docs/language.md has no section `{title}`"));
    let rest = &docs[start + heading.len()..];
    rest[..rest.find("\n## ").unwrap_or(rest.len())].to_owned()
}

/// The names in the first column of the tables of a docs section
/// (rows that start with ``| `name` |``).
fn first_column(section: &str) -> BTreeSet<String> {
    section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once("` |").map(|(name, _)| name.to_owned()))
        .collect()
}

#[test]
fn grammar_parses_and_every_include_resolves() {
    let grammar = grammar();
    assert_eq!(grammar["scopeName"], "source.mirage");
    let repository = grammar["repository"]
        .as_object()
        .expect("the grammar has a repository");
    let text = serde_json::to_string(&grammar).expect("re-serialising the grammar");
    let includes: BTreeSet<&str> = text
        .split("\"include\":\"#")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(includes.contains("nodes"), "the grammar includes no #nodes");
    for name in includes {
        assert!(
            repository.contains_key(name),
            "the grammar includes `#{name}`, which its repository lacks"
        );
    }
}

#[test]
fn top_level_keywords_are_exactly_the_documented_top_level_nodes() {
    let grammar = grammar();
    let mut keywords = keyword_list(&grammar, "keyword-node");
    keywords.extend(keyword_list(&grammar, "import-node"));
    let documented = first_column(&docs_section("Top-level nodes"));
    assert_eq!(
        keywords, documented,
        "the grammar's declaration keywords differ from the table in docs/language.md"
    );
}

#[test]
fn settings_in_the_grammar_are_the_documented_settings() {
    let grammar = grammar();
    let mut settings = keyword_list(&grammar, "setting-node");
    settings.extend(keyword_list(&grammar, "vars-node"));
    let table = first_column(&docs_section("Service settings"));
    let mut documented = table.clone();
    // Settings of projects, layers and environments, written as prose.
    let top_level = docs_section("Top-level nodes");
    for name in &settings {
        if !table.contains(name) && top_level.contains(&format!("`{name}")) {
            documented.insert(name.clone());
        }
    }
    let undocumented: Vec<_> = settings.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "highlighted as settings but not in docs/language.md: {undocumented:?}"
    );
    let missing: Vec<_> = table.difference(&settings).collect();
    assert!(
        missing.is_empty(),
        "documented settings the grammar does not highlight: {missing:?}"
    );
}

#[test]
fn package_json_contributes_the_language_grammar_and_settings() {
    let package = read_json(vscode_dir().join("package.json"));
    let contributes = &package["contributes"];
    let language = &contributes["languages"][0];
    assert_eq!(language["id"], "mirage");
    assert_eq!(language["extensions"][0], ".mirage");
    let config_file = language["configuration"]
        .as_str()
        .expect("a language configuration");
    assert!(vscode_dir().join(config_file).is_file());

    let grammar = &contributes["grammars"][0];
    assert_eq!(grammar["language"], "mirage");
    assert_eq!(grammar["scopeName"], "source.mirage");
    let path = grammar["path"].as_str().expect("a grammar path");
    assert!(
        vscode_dir().join(path).is_file(),
        "missing grammar `{path}`"
    );

    let properties = &contributes["configuration"]["properties"];
    assert_eq!(properties["mirage.server.path"]["default"], "mirage-lsp");
    assert_eq!(properties["mirage.server.args"]["type"], "array");
    assert_eq!(properties["mirage.trace.server"]["default"], "off");
    // A workspace must not choose which program VS Code runs before it is trusted.
    let restricted = &package["capabilities"]["untrustedWorkspaces"]["restrictedConfigurations"];
    assert!(
        restricted
            .as_array()
            .is_some_and(|r| r.iter().any(|s| s == "mirage.server.path")),
        "mirage.server.path is not restricted in untrusted workspaces"
    );

    let commands: Vec<&str> = contributes["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .filter_map(|c| c["command"].as_str())
        .collect();
    assert!(commands.contains(&"mirage.restartServer"));
    let source = read(&vscode_dir().join("src").join("extension.ts"));
    assert!(
        source.contains("'mirage.restartServer'"),
        "the client does not register the restart command"
    );
    for script in ["compile", "test", "package"] {
        assert!(
            package["scripts"][script].is_string(),
            "no `npm run {script}`"
        );
    }
    assert!(vscode_dir().join("package-lock.json").is_file());
}

#[test]
fn language_configuration_declares_comments_brackets_and_indentation() {
    let config = read_json(vscode_dir().join("language-configuration.json"));
    assert_eq!(config["comments"]["lineComment"], "//");
    assert_eq!(config["comments"]["blockComment"][0], "/*");
    assert!(config["brackets"].as_array().is_some_and(|b| !b.is_empty()));
    assert!(config["autoClosingPairs"].is_array());
    assert!(config["folding"]["markers"]["start"].is_string());
    assert!(config["indentationRules"]["increaseIndentPattern"].is_string());
}

#[test]
fn helix_configuration_declares_the_language_and_its_server() {
    let path = repo_root()
        .join("editors")
        .join("helix")
        .join("languages.toml");
    let doc: toml_edit::DocumentMut = read(&path)
        .parse()
        .unwrap_or_else(|e| panic!("`{}` is not valid TOML: {e}", path.display()));
    let language = doc["language"]
        .as_array_of_tables()
        .and_then(|languages| languages.iter().next())
        .expect("a [[language]] table");
    assert_eq!(language["name"].as_str(), Some("mirage"));
    assert_eq!(language["grammar"].as_str(), Some("kdl"));
    let file_types = language["file-types"].as_array().expect("file-types");
    assert_eq!(file_types.get(0).and_then(|v| v.as_str()), Some("mirage"));
    let servers = language["language-servers"]
        .as_array()
        .expect("language-servers");
    assert_eq!(servers.get(0).and_then(|v| v.as_str()), Some("mirage-lsp"));
    assert_eq!(
        doc["language-server"]["mirage-lsp"]["command"].as_str(),
        Some("mirage-lsp")
    );
    let queries = read(&repo_root().join("editors/helix/queries/mirage/highlights.scm"));
    assert!(queries.contains("; inherits: kdl"));
    // The declarations Helix highlights as keywords are the grammar's.
    let grammar = grammar();
    let mut keywords = keyword_list(&grammar, "keyword-node");
    keywords.extend(keyword_list(&grammar, "import-node"));
    let highlighted: BTreeSet<String> = queries
        .lines()
        .filter_map(|line| line.split_once("\"^").map(|(_, rest)| rest))
        .filter_map(|rest| rest.split_once("$\"").map(|(words, _)| words))
        .flat_map(|words| words.trim_matches(['(', ')']).split('|'))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        highlighted, keywords,
        "editors/helix/queries/mirage/highlights.scm"
    );
}

/// The grammar snapshots and client tests of the extension, run by npm.
/// Needs the dependencies installed (`npm ci` in `editors/vscode`); `cargo
/// test` never goes to the network for them.
#[test]
fn npm_test_passes() {
    let Some(npm) = find_program("npm") else {
        eprintln!("skipping npm test: `npm` is not on PATH");
        return;
    };
    if !vscode_dir().join("node_modules").is_dir() {
        eprintln!("skipping npm test: run `npm ci` in editors/vscode first");
        return;
    }
    let output = Command::new(npm)
        .arg("test")
        .current_dir(vscode_dir())
        .env_remove("UPDATE_SNAPSHOTS")
        .output()
        .expect("running npm test");
    assert!(
        output.status.success(),
        "npm test failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
