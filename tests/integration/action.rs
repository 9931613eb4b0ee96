//! The GitHub Action (`action.yml`) and the example workflows
//! (`examples/workflows/*.yml`) held to what a copied workflow must be:
//! valid YAML; every `mirage …` command line in them accepted by Mirage's
//! real CLI; every input of the action used; no `${{ … }}` expression
//! spliced into a script (script injection: values reach `run:` through
//! `env:`); no `pull_request_target` workflow that checks out the pull
//! request's head (the classic "pwn request"); `permissions:` declared.

use std::path::{Path, PathBuf};

use clap::Parser;
use saphyr::{LoadableYamlNode, ScalarOwned, YamlOwned};
use serde_json::{Map, Value};

use crate::support::repo_root;

/// Parses `args` (without `mirage`) with the real CLI.
fn parse(args: &[String]) -> Result<(), String> {
    let argv = std::iter::once("mirage".to_owned()).chain(args.iter().cloned());
    match mirage::cli::Cli::try_parse_from(argv) {
        Ok(_) => Ok(()),
        // `--version` and `--help` are valid lines that print and exit 0.
        Err(error)
            if matches!(
                error.kind(),
                clap::error::ErrorKind::DisplayVersion | clap::error::ErrorKind::DisplayHelp
            ) =>
        {
            Ok(())
        }
        Err(error) => Err(error.to_string()),
    }
}

fn yaml_to_json(node: &YamlOwned) -> Value {
    match node {
        YamlOwned::Value(scalar) => match scalar {
            ScalarOwned::Null => Value::Null,
            ScalarOwned::Boolean(b) => Value::Bool(*b),
            ScalarOwned::Integer(i) => Value::from(*i),
            ScalarOwned::FloatingPoint(f) => Value::from(f.into_inner()),
            ScalarOwned::String(s) => Value::String(s.clone()),
        },
        YamlOwned::Representation(text, _, _) => Value::String(text.clone()),
        YamlOwned::Sequence(items) => Value::Array(items.iter().map(yaml_to_json).collect()),
        YamlOwned::Mapping(map) => {
            let mut object = Map::new();
            for (key, value) in map {
                let key = match yaml_to_json(key) {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                object.insert(key, yaml_to_json(value));
            }
            Value::Object(object)
        }
        YamlOwned::Tagged(_, inner) => yaml_to_json(inner),
        YamlOwned::Alias(_) | YamlOwned::BadValue => Value::Null,
    }
}

/// One YAML document, as JSON for easy reading.
fn load(text: &str, what: &str) -> Value {
    let documents =
        YamlOwned::load_from_str(text).unwrap_or_else(|error| panic!("{what}: not YAML: {error}"));
    assert_eq!(documents.len(), 1, "{what}: one YAML document");
    let value = yaml_to_json(&documents[0]);
    assert!(value.is_object(), "{what}: a mapping at the top");
    value
}

fn workflows() -> Vec<(PathBuf, String, Value)> {
    let dir = repo_root().join("examples/workflows");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/workflows exists")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read a workflow");
            let value = load(&text, &path.display().to_string());
            (path, text, value)
        })
        .collect()
}

fn action() -> (String, Value) {
    let text = std::fs::read_to_string(repo_root().join("action.yml")).expect("action.yml exists");
    let value = load(&text, "action.yml");
    (text, value)
}

/// Every step of a workflow (`jobs.*.steps[*]`) or of the action
/// (`runs.steps[*]`).
fn steps(document: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    if let Some(jobs) = document["jobs"].as_object() {
        for job in jobs.values() {
            out.extend(job["steps"].as_array().into_iter().flatten());
        }
    }
    out.extend(document["runs"]["steps"].as_array().into_iter().flatten());
    out
}

/// Splits one shell line into words and operators (`|`, `||`, `&&`, `;`,
/// `>`, `>>`, `<`, `2>`), honouring quotes and backslashes. A word keeps a
/// `$` where the script expands a variable.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(next) = chars.next() {
                    word.push(next);
                    in_word = true;
                }
            }
            (None, '#') if !in_word => break,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, '|' | '&' | ';' | '>' | '<') => {
                if in_word && !(c == '>' && word == "2") {
                    words.push(std::mem::take(&mut word));
                }
                let mut op = if c == '>' && word == "2" {
                    word.clear();
                    "2>".to_owned()
                } else {
                    c.to_string()
                };
                in_word = false;
                if let Some(&next) = chars.peek()
                    && (next == c || (c == '>' && next == '>'))
                {
                    op.push(next);
                    chars.next();
                }
                words.push(op);
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The `mirage` command lines of a script: its arguments (without
/// `mirage`), variables replaced by a plausible value. A line whose
/// arguments come from an array (`"${command[@]}"`) is returned apart.
fn mirage_lines(script: &str) -> (Vec<Vec<String>>, Vec<String>) {
    let joined = script.replace("\\\n", " ");
    let mut lines = Vec::new();
    let mut dynamic = Vec::new();
    for line in joined.lines() {
        let words = shell_words(line);
        for segment in words.split(|w| matches!(w.as_str(), "|" | "||" | "&&" | ";" | "&")) {
            let mut args = Vec::new();
            let mut skip = false;
            for word in segment {
                if skip {
                    skip = false;
                } else if matches!(word.as_str(), ">" | ">>" | "<" | "2>") {
                    skip = true;
                } else {
                    args.push(word.clone());
                }
            }
            let Some(first) = args.first() else {
                continue;
            };
            let is_mirage =
                first == "mirage" || first.ends_with("/mirage") || first == "$MIRAGE_BIN";
            if !is_mirage {
                continue;
            }
            if args.iter().any(|a| a.contains("[@]")) {
                dynamic.push(line.trim().to_owned());
                continue;
            }
            lines.push(
                args[1..]
                    .iter()
                    .map(|a| {
                        if a.contains('$') {
                            "7".to_owned()
                        } else {
                            a.clone()
                        }
                    })
                    .collect(),
            );
        }
    }
    (lines, dynamic)
}

#[test]
fn every_mirage_command_line_parses_with_the_real_cli() {
    let mut found: Vec<String> = Vec::new();
    let mut failures = Vec::new();
    let (_, action) = action();
    let mut documents: Vec<(String, Value)> = vec![("action.yml".to_owned(), action)];
    for (path, _, value) in workflows() {
        documents.push((path.display().to_string(), value));
    }
    let mut dynamic_lines = Vec::new();
    for (what, document) in &documents {
        for step in steps(document) {
            if let Some(script) = step["run"].as_str() {
                let (lines, dynamic) = mirage_lines(script);
                dynamic_lines.extend(dynamic.into_iter().map(|l| format!("{what}: {l}")));
                for args in lines {
                    if let Err(error) = parse(&args) {
                        failures.push(format!("{what}: `mirage {}`:\n{error}", args.join(" ")));
                    }
                    found.push(args.join(" "));
                }
            }
            // The action run as a step: `command` and `args` are a command line.
            let uses = step["uses"].as_str().unwrap_or("");
            if (uses.ends_with("/mirage@v0") || uses == "./")
                && let Some(command) = step["with"]["command"].as_str()
            {
                let args: Vec<String> = command
                    .split_whitespace()
                    .chain(
                        step["with"]["args"]
                            .as_str()
                            .unwrap_or("")
                            .split_whitespace(),
                    )
                    .map(str::to_owned)
                    .collect();
                if let Err(error) = parse(&args) {
                    failures.push(format!("{what}: `mirage {}`:\n{error}", args.join(" ")));
                }
                found.push(args.join(" "));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The action's own generic line is the only one built from an array.
    assert_eq!(dynamic_lines.len(), 1, "{dynamic_lines:?}");
    assert!(
        dynamic_lines[0].starts_with("action.yml:"),
        "{dynamic_lines:?}"
    );
    // The lines the workflows are for are there (the extraction found them).
    for expected in [
        "preview up --pr 7 --branch 7 --sha 7 --repo 7 --format markdown .",
        "comment --pr 7 --key preview --body-file preview.md",
        "preview down --pr 7 .",
        "comment --pr 7 --key preview",
        "preview gc",
        "check --message-format github .",
        "plan --format markdown --detailed-exitcode .",
        "comment --pr 7 --key plan --body-file plan.md",
        "comment --key 7 --body-file 7",
        "--version",
    ] {
        assert!(
            found.iter().any(|line| line == expected),
            "`mirage {expected}` not found in {found:#?}"
        );
    }
}

#[test]
fn the_parser_and_the_extraction_can_fail() {
    assert!(parse(&["plan".into(), "--no-such-flag".into()]).is_err());
    assert!(parse(&["comment".into(), "--pr".into(), "7".into()]).is_err());
    assert!(
        parse(&["preview".into(), "up".into(), "--pr".into(), "7".into()]).is_err(),
        "--branch and --sha are required"
    );
    let (lines, _) = mirage_lines(
        "set -e\nmirage plan --format markdown \\\n  --detailed-exitcode . > plan.md 2> err.txt\necho x | mirage comment --key plan && exit 0 # mirage nope",
    );
    assert_eq!(
        lines,
        vec![
            vec!["plan", "--format", "markdown", "--detailed-exitcode", "."],
            vec!["comment", "--key", "plan"],
        ]
    );
}

#[test]
fn the_action_declares_and_uses_its_inputs_and_outputs() {
    let (text, action) = action();
    assert_eq!(action["runs"]["using"], "composite");
    let inputs = action["inputs"].as_object().expect("inputs");
    for required in [
        "command",
        "args",
        "directory",
        "state",
        "railway-token",
        "github-token",
        "version",
    ] {
        assert!(inputs.contains_key(required), "input `{required}` missing");
    }
    for (name, input) in inputs {
        assert!(
            input["description"].as_str().is_some_and(|d| !d.is_empty()),
            "input `{name}` has no description"
        );
        let reference = format!("inputs.{name}");
        let used = text.match_indices(&reference).any(|(index, _)| {
            let next = text[index + reference.len()..].chars().next();
            !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
        assert!(used, "input `{name}` is declared but never used");
    }
    // And nothing uses an input that is not declared.
    for (index, _) in text.match_indices("inputs.") {
        let name: String = text[index + "inputs.".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert!(
            inputs.contains_key(&name),
            "`inputs.{name}` is not declared"
        );
    }
    // Outputs come from steps that exist.
    let ids: Vec<&str> = steps(&action)
        .iter()
        .filter_map(|step| step["id"].as_str())
        .collect();
    for (name, output) in action["outputs"].as_object().expect("outputs") {
        let value = output["value"].as_str().unwrap_or("");
        let step = value
            .split("steps.")
            .nth(1)
            .and_then(|rest| rest.split('.').next())
            .unwrap_or("");
        assert!(
            ids.contains(&step),
            "output `{name}` reads step `{step}`, which does not exist"
        );
    }
}

/// `${{ … }}` inside a `run:` script: GitHub substitutes it into the
/// script's text before the shell sees it, so a pull request title or
/// branch name becomes code. Returns the offending steps.
fn spliced_expressions(document: &Value) -> Vec<String> {
    steps(document)
        .into_iter()
        .filter_map(|step| {
            let script = step["run"].as_str()?;
            script
                .contains("${{")
                .then(|| step["name"].as_str().unwrap_or("(unnamed step)").to_owned())
        })
        .collect()
}

/// Whether a workflow runs on `pull_request_target` (with the base
/// repository's secrets and a write token) and checks out the pull
/// request's head, i.e. runs its code with those.
fn checks_out_head_under_target(workflow: &Value) -> bool {
    let on = &workflow["on"];
    let target = match on {
        Value::String(event) => event == "pull_request_target",
        Value::Array(events) => events.iter().any(|e| e == "pull_request_target"),
        Value::Object(events) => events.contains_key("pull_request_target"),
        _ => false,
    };
    target
        && steps(workflow).into_iter().any(|step| {
            let checkout = step["uses"]
                .as_str()
                .is_some_and(|uses| uses.starts_with("actions/checkout"));
            let reference = step["with"]["ref"].as_str().unwrap_or("").to_owned()
                + step["with"]["repository"].as_str().unwrap_or("");
            checkout
                && (reference.contains("pull_request.head")
                    || reference.contains("head_ref")
                    || reference.contains("refs/pull/"))
        })
}

#[test]
fn no_expression_is_spliced_into_a_script_and_no_head_runs_with_secrets() {
    let (_, action) = action();
    assert_eq!(
        spliced_expressions(&action),
        Vec::<String>::new(),
        "action.yml"
    );
    let workflows = workflows();
    assert!(
        workflows.len() >= 3,
        "{:?}",
        workflows.iter().map(|w| &w.0).collect::<Vec<_>>()
    );
    for (path, _, workflow) in &workflows {
        assert_eq!(
            spliced_expressions(workflow),
            Vec::<String>::new(),
            "{}: pass `${{{{ … }}}}` values through `env:`",
            path.display()
        );
        assert!(
            !checks_out_head_under_target(workflow),
            "{}",
            path.display()
        );
    }
    // Both checks catch what they are for.
    let bad = load(
        r#"
on: pull_request_target
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - name: greet
        run: echo "${{ github.event.pull_request.title }}"
"#,
        "bad sample",
    );
    assert!(checks_out_head_under_target(&bad));
    assert_eq!(spliced_expressions(&bad), vec!["greet".to_owned()]);
}

#[test]
fn workflows_declare_minimal_permissions_and_previews_do_not_race() {
    for (path, text, workflow) in workflows() {
        let what = path.display().to_string();
        assert!(
            workflow["permissions"].is_object(),
            "{what}: top-level `permissions:`"
        );
        assert!(!text.contains("write-all"), "{what}: no `write-all`");
        assert_eq!(workflow["permissions"]["contents"], "read", "{what}");
        assert!(
            workflow["permissions"].as_object().unwrap().len() == 1,
            "{what}: the top level reads only; jobs ask for more"
        );
        // A job that comments asks for `pull-requests: write`, and only it.
        for (name, job) in workflow["jobs"].as_object().expect("jobs") {
            let comments = job["steps"].as_array().into_iter().flatten().any(|step| {
                step["run"]
                    .as_str()
                    .is_some_and(|s| s.contains("mirage comment"))
            });
            let may_write = job["permissions"]["pull-requests"] == "write";
            assert_eq!(comments, may_write, "{what}: job `{name}`");
        }
    }
    let preview = std::fs::read_to_string(repo_root().join("examples/workflows/preview.yml"))
        .expect("preview.yml");
    let preview = load(&preview, "preview.yml");
    let group = preview["concurrency"]["group"].as_str().unwrap_or("");
    assert!(
        group.contains("github.event.pull_request.number"),
        "{group}"
    );
    assert_eq!(preview["concurrency"]["cancel-in-progress"], false);
}

#[test]
fn the_readme_and_the_docs_point_at_the_action() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README");
    assert!(readme.contains("docs/github-actions.md"));
    let docs = std::fs::read_to_string(repo_root().join("docs/github-actions.md")).expect("docs");
    for file in ["preview.yml", "preview-gc.yml", "plan-comment.yml"] {
        assert!(
            docs.contains(file),
            "docs/github-actions.md mentions {file}"
        );
        assert!(Path::new(&repo_root().join("examples/workflows").join(file)).exists());
    }
}

#[test]
fn every_script_is_valid_bash() {
    let (_, action) = action();
    let mut documents = vec![("action.yml".to_owned(), action)];
    for (path, _, value) in workflows() {
        documents.push((path.display().to_string(), value));
    }
    let mut checked = 0;
    for (what, document) in &documents {
        for step in steps(document) {
            let Some(script) = step["run"].as_str() else {
                continue;
            };
            let output = std::process::Command::new("bash")
                .args(["-n", "-c", script])
                .output()
                .expect("bash runs");
            assert!(
                output.status.success(),
                "{what}: a script does not parse:\n{script}\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} scripts found");
}

/// The script of the action's step `id`.
fn action_script(id: &str) -> String {
    let (_, action) = action();
    steps(&action)
        .into_iter()
        .find(|step| step["id"] == id)
        .and_then(|step| step["run"].as_str())
        .unwrap_or_else(|| panic!("the action has a step `{id}` with a script"))
        .to_owned()
}

/// Runs the action's command step as GitHub does (`bash --noprofile
/// --norc -eo pipefail FILE`, in `dir`), with `env`; its exit code and
/// what it wrote to `GITHUB_OUTPUT`.
fn run_action_step(dir: &Path, env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let temp = tempfile::tempdir().expect("tempdir");
    let script = temp.path().join("step.sh");
    std::fs::write(&script, action_script("run")).expect("write the script");
    let outputs = temp.path().join("outputs");
    std::fs::write(&outputs, "").expect("outputs file");
    let mut command = std::process::Command::new("bash");
    command
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&script)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env("MIRAGE_BIN", crate::support::mirage_bin())
        .env("RUNNER_TEMP", temp.path())
        .env("GITHUB_OUTPUT", &outputs)
        .env("MIRAGE_STATE", "")
        .env("RAILWAY_API_TOKEN", "")
        .env("MIRAGE_COMMENT_KEY", "")
        .env("MIRAGE_ARGS", "");
    // No `mirage login` of the developer's (keyring or file) either.
    crate::support::isolate(&mut command);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("bash runs");
    let written = std::fs::read_to_string(&outputs).expect("outputs");
    (
        output.status.code(),
        written,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_action_runs_a_command_gives_its_outputs_and_comments() {
    use crate::github::fake::FakeGithub;
    let token = "ghs_action_test_token_0042";
    let fake = FakeGithub::start(
        std::sync::Arc::new(mirage::state::SystemClock),
        &[token],
        None,
    )
    .await;
    let project = tempfile::tempdir().expect("tempdir");
    crate::support::copy_dir(&repo_root().join("examples/quickstart"), project.path())
        .expect("copy the example");
    let event = project.path().join("event.json");
    std::fs::write(
        &event,
        r#"{"action": "opened", "pull_request": {"number": 7}}"#,
    )
    .expect("event");
    let event = event.to_str().expect("a UTF-8 path").to_owned();
    let api = fake.api_url.clone();
    let dir = project.path().to_path_buf();
    let github = move |args: &'static str| {
        let (event, api, dir) = (event.clone(), api.clone(), dir.clone());
        move || {
            run_action_step(
                &dir,
                &[
                    ("MIRAGE_COMMAND", "plan"),
                    ("MIRAGE_ARGS", args),
                    ("MIRAGE_COMMENT_KEY", "plan"),
                    ("GITHUB_TOKEN", token),
                    ("GITHUB_API_URL", &api),
                    ("GITHUB_REPOSITORY", "octo/hello"),
                    ("GITHUB_EVENT_PATH", &event),
                ],
            )
        }
    };

    // A plan with changes: exit 2 under --detailed-exitcode is success,
    // the output is given and becomes the `plan` comment.
    let (code, outputs, stderr) =
        tokio::task::spawn_blocking(github("--local --format markdown --detailed-exitcode"))
            .await
            .expect("the step runs");
    assert_eq!(code, Some(0), "{stderr}\n{outputs}");
    assert!(outputs.contains("exit-code=2\n"), "{outputs}");
    assert!(outputs.contains("output<<mirage_"), "{outputs}");
    assert!(outputs.contains("comment-url=http"), "{outputs}");
    let comments = fake.comments_on("octo", "hello", 7);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert!(comments[0].1.starts_with("<!-- mirage:plan pr=7 -->\n"));
    assert!(comments[0].1.contains("web"), "{}", comments[0].1);

    // A failing command fails the step with its code, and comments nothing.
    let (code, outputs, _) = tokio::task::spawn_blocking(github("--local --env nope"))
        .await
        .expect("the step runs");
    assert_eq!(code, Some(2), "{outputs}");
    assert!(outputs.contains("exit-code=2\n"), "{outputs}");
    assert_eq!(fake.comments_on("octo", "hello", 7).len(), 1);
    assert_eq!(fake.count(axum::http::Method::PATCH, ""), 0);
}

/// Runs the action's step named `name` as GitHub does, with exactly `env`
/// (and `PATH`) in `dir`: exit code, standard output, standard error.
fn run_named_step(name: &str, dir: &Path, env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let (_, action) = action();
    let script = steps(&action)
        .into_iter()
        .find(|step| step["name"] == name)
        .and_then(|step| step["run"].as_str())
        .unwrap_or_else(|| panic!("the action has a step `{name}`"))
        .to_owned();
    let file = dir.join(format!("{}.sh", name.replace(' ', "-")));
    std::fs::write(&file, script).expect("write the script");
    let mut command = std::process::Command::new("bash");
    command
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&file)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("bash runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_is_downloaded_checked_against_its_sha256_and_put_on_path() {
    let work = tempfile::tempdir().expect("tempdir");
    let root = work.path();
    // A release asset as the documented layout has it: `mirage` at the
    // archive's root, and the archive's SHA-256 beside it.
    let staging = root.join("staging");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::write(
        staging.join("mirage"),
        "#!/bin/sh\necho \"mirage 0.4.0 (fake release)\"\n",
    )
    .unwrap();
    let status = std::process::Command::new("chmod")
        .args(["+x", "mirage"])
        .current_dir(&staging)
        .status()
        .unwrap();
    assert!(status.success());
    let archive = root.join("mirage-x86_64-unknown-linux-gnu.tar.gz");
    let status = std::process::Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .args(["-C", staging.to_str().unwrap(), "mirage"])
        .status()
        .unwrap();
    assert!(status.success());
    let bytes = std::fs::read(&archive).unwrap();
    let digest = {
        let output = std::process::Command::new("sha256sum")
            .arg(&archive)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout)
            .split(' ')
            .next()
            .unwrap()
            .to_owned()
    };
    let served = std::sync::Arc::new(std::sync::Mutex::new((bytes, digest)));
    let state = served.clone();
    let app = axum::Router::new().route(
        "/octo/mirage/releases/download/{tag}/{file}",
        axum::routing::get(
            move |axum::extract::Path((tag, file)): axum::extract::Path<(String, String)>| {
                let state = state.clone();
                async move {
                    let (bytes, digest) = state.lock().unwrap().clone();
                    match (tag.as_str(), file.as_str()) {
                        ("v0.4.0", "mirage-x86_64-unknown-linux-gnu.tar.gz") => {
                            (axum::http::StatusCode::OK, bytes)
                        }
                        ("v0.4.0", "mirage-x86_64-unknown-linux-gnu.tar.gz.sha256") => (
                            axum::http::StatusCode::OK,
                            format!("{digest}  mirage-x86_64-unknown-linux-gnu.tar.gz\n")
                                .into_bytes(),
                        ),
                        _ => (axum::http::StatusCode::NOT_FOUND, Vec::new()),
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let install = |version: &'static str, repository: &'static str| {
        let (root, server) = (root.to_path_buf(), server.clone());
        move || {
            let env_file = root.join("github-env");
            std::fs::write(&env_file, "").unwrap();
            let tools = root.join("tools");
            let run = run_named_step(
                "Install a mirage release",
                &root,
                &[
                    ("MIRAGE_VERSION", version),
                    ("RUNNER_OS", "Linux"),
                    ("RUNNER_ARCH", "X64"),
                    ("RUNNER_TOOL_CACHE", tools.to_str().unwrap()),
                    ("RUNNER_TEMP", root.to_str().unwrap()),
                    ("GITHUB_ENV", env_file.to_str().unwrap()),
                    ("GITHUB_SERVER_URL", &server),
                    ("MIRAGE_ACTION_REPOSITORY", repository),
                    ("MIRAGE_RELEASE_REPOSITORY", ""),
                ],
            );
            (run, std::fs::read_to_string(&env_file).unwrap())
        }
    };
    let ((code, stdout, stderr), github_env) =
        tokio::task::spawn_blocking(install("v0.4.0", "octo/mirage"))
            .await
            .unwrap();
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let installed = root.join("tools/mirage/0.4.0/x86_64-unknown-linux-gnu");
    assert_eq!(
        github_env,
        format!("MIRAGE_INSTALLED_ROOT={}\n", installed.display())
    );

    // The next step puts it on PATH and runs it.
    let github_path = root.join("github-path");
    let github_output = root.join("github-output");
    std::fs::write(&github_path, "").unwrap();
    std::fs::write(&github_output, "").unwrap();
    let (code, stdout, stderr) = run_named_step(
        "Put mirage on PATH",
        root,
        &[
            ("MIRAGE_INSTALLED_ROOT", installed.to_str().unwrap()),
            ("MIRAGE_ROOT", ""),
            ("GITHUB_PATH", github_path.to_str().unwrap()),
            ("GITHUB_OUTPUT", github_output.to_str().unwrap()),
        ],
    );
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert_eq!(stdout, "mirage 0.4.0 (fake release)\n");
    assert_eq!(
        std::fs::read_to_string(&github_path).unwrap(),
        format!("{}/bin\n", installed.display())
    );

    // A checksum that does not match is refused; so is a version that is
    // not one, before anything is downloaded.
    served.lock().unwrap().1 = "0".repeat(64);
    let ((code, stdout, _), _) = tokio::task::spawn_blocking(install("0.4.0", "octo/mirage"))
        .await
        .unwrap();
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("::error title=mirage::the checksum"),
        "{stdout}"
    );
    let ((code, stdout, _), _) =
        tokio::task::spawn_blocking(install("latest$(echo pwned)", "octo/mirage"))
            .await
            .unwrap();
    assert_eq!(code, Some(1));
    assert!(stdout.contains("must be a release"), "{stdout}");
    // Where the runner does not say which repository the action is.
    let ((code, stdout, _), _) = tokio::task::spawn_blocking(install("0.4.0", ""))
        .await
        .unwrap();
    assert_eq!(code, Some(1));
    assert!(stdout.contains("set `release-repository`"), "{stdout}");
}

#[test]
fn the_build_cache_key_follows_the_source() {
    let work = tempfile::tempdir().expect("tempdir");
    let output = work.path().join("output");
    std::fs::write(&output, "").unwrap();
    let root = repo_root();
    let run = || {
        run_named_step(
            "Mirage source fingerprint",
            work.path(),
            &[
                ("GITHUB_ACTION_PATH", root.to_str().unwrap()),
                ("RUNNER_OS", "Linux"),
                ("RUNNER_ARCH", "X64"),
                ("RUNNER_TOOL_CACHE", "/opt/hostedtoolcache"),
                ("GITHUB_OUTPUT", output.to_str().unwrap()),
            ],
        )
    };
    let (code, stdout, stderr) = run();
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let written = std::fs::read_to_string(&output).unwrap();
    let key = written
        .lines()
        .find_map(|line| line.strip_prefix("key="))
        .expect("a cache key");
    assert!(key.starts_with("mirage-Linux-X64-"), "{key}");
    assert_eq!(key.len(), "mirage-Linux-X64-".len() + 32, "{key}");
    assert!(
        written.contains("root=/opt/hostedtoolcache/mirage-build\n"),
        "{written}"
    );
    // Same source, same key.
    std::fs::write(&output, "").unwrap();
    run();
    assert!(std::fs::read_to_string(&output).unwrap().contains(key));
}
