//! Go workspaces: `go.work` `use` directives, each module's path from its
//! `go.mod`, and `require`s of other workspace modules as internal
//! dependencies. A module with a `main.go` (at its root or below, e.g.
//! `cmd/api/main.go`) is an app.

use super::node::join;
use super::reader::Reader;
use super::walk::Tree;
use super::{Build, Kind, Package};

struct Module {
    path: String,
    dir: String,
    requires: Vec<String>,
}

/// Add the modules of the Go workspace (or the single module) at the root.
pub(super) fn discover_go(
    tree: &Tree,
    reader: &mut Reader,
    out: &mut Vec<Package>,
    tools: &mut Vec<String>,
) {
    let dirs: Vec<String> = if tree.has("", "go.work") {
        let Some((_, text)) = reader.read("go.work") else {
            return;
        };
        use_directives(&text)
    } else if tree.has("", "go.mod") {
        vec![String::new()]
    } else {
        return;
    };
    tools.push("go".into());
    let mut modules = Vec::new();
    for dir in dirs {
        let rel = if dir.is_empty() {
            "go.mod".to_string()
        } else {
            format!("{dir}/go.mod")
        };
        if !tree.has(&dir, "go.mod") {
            continue;
        }
        let Some((_, text)) = reader.read(&rel) else {
            continue;
        };
        let (path, requires) = parse_go_mod(&text);
        if let Some(path) = path {
            modules.push(Module {
                path,
                dir,
                requires,
            });
        }
    }
    for m in &modules {
        let mut deps: Vec<String> = modules
            .iter()
            .filter(|o| o.path != m.path && m.requires.contains(&o.path))
            .map(|o| o.path.clone())
            .collect();
        deps.sort();
        // main.go in this module's directory tree, not in a nested module.
        let is_app = tree.files(|n| n == "main.go").any(|(d, _)| {
            let inside = m.dir.is_empty() || d == m.dir || d.starts_with(&format!("{}/", m.dir));
            inside
                && !modules.iter().any(|o| {
                    o.dir.len() > m.dir.len()
                        && (d == o.dir || d.starts_with(&format!("{}/", o.dir)))
                        && (m.dir.is_empty() || o.dir.starts_with(&format!("{}/", m.dir)))
                })
        });
        out.push(Package {
            name: m.path.clone(),
            dir: m.dir.clone(),
            source: "go".into(),
            kind: if is_app { Kind::App } else { Kind::Library },
            build: Build::Go,
            dependencies: deps,
        });
    }
}

/// Directories named by `use ./a` and `use ( ./a ./b )`, normalised.
fn use_directives(text: &str) -> Vec<String> {
    let mut dirs = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        if in_block {
            if line == ")" {
                in_block = false;
            } else if !line.is_empty() {
                dirs.push(join("", line.trim_matches('"')));
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("use") {
            let rest = rest.trim();
            if rest == "(" {
                in_block = true;
            } else if !rest.is_empty() {
                dirs.push(join("", rest.trim_matches('"')));
            }
        }
    }
    dirs
}

/// The module path and the required module paths.
fn parse_go_mod(text: &str) -> (Option<String>, Vec<String>) {
    let mut module = None;
    let mut requires = Vec::new();
    let mut in_require = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        if in_require {
            if line == ")" {
                in_require = false;
            } else if let Some(path) = line.split_whitespace().next() {
                requires.push(path.trim_matches('"').to_string());
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("module ") {
            module = Some(rest.trim().trim_matches('"').to_string());
        } else if let Some(rest) = line.strip_prefix("require") {
            let rest = rest.trim();
            if rest == "(" {
                in_require = true;
            } else if let Some(path) = rest.split_whitespace().next() {
                requires.push(path.trim_matches('"').to_string());
            }
        }
    }
    (module, requires)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_work_and_go_mod() {
        assert_eq!(
            use_directives("go 1.22\nuse (\n  ./api // c\n  ./lib/\n)\nuse ./tools\n"),
            ["api", "lib", "tools"]
        );
        let (m, r) = parse_go_mod(
            "module example.com/api\n\nrequire (\n\texample.com/lib v0.0.0\n\tgithub.com/x/y v1.0.0 // indirect\n)\nrequire example.com/z v1\n",
        );
        assert_eq!(m.as_deref(), Some("example.com/api"));
        assert_eq!(r, ["example.com/lib", "github.com/x/y", "example.com/z"]);
    }
}
