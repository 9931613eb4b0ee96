//! Nx: projects from `project.json` files (their `name` may differ from the
//! `package.json` name beside them), `projectType`, and
//! `implicitDependencies`. Package-based projects come from the package
//! manager's workspaces and only gain Nx's metadata here.

use super::node::NodePackage;
use super::reader::Reader;
use super::walk::Tree;
use crate::diagnostic::FileId;

/// Merge every non-ignored `project.json` into `packages`.
pub(super) fn apply_nx(tree: &Tree, reader: &mut Reader, packages: &mut Vec<NodePackage>) {
    let dirs: Vec<String> = tree
        .files(|n| n == "project.json")
        .map(|(d, _)| d.to_string())
        .collect();
    for dir in dirs {
        let path = if dir.is_empty() {
            "project.json".to_string()
        } else {
            format!("{dir}/project.json")
        };
        let Some((file, json)) = reader.json(&path) else {
            continue;
        };
        let implicit: Vec<String> = json["implicitDependencies"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let project_type = json["projectType"].as_str().map(String::from);
        let existing = packages.iter_mut().position(|p| p.dir == dir);
        let package = match existing {
            Some(i) => &mut packages[i],
            None => {
                // A project.json without a workspace package.json beside it.
                let base = super::node::read_package_if_present(tree, reader, &dir)
                    .unwrap_or_else(|| empty(file, &dir));
                packages.push(base);
                let last = packages.len() - 1;
                &mut packages[last]
            }
        };
        let fallback = dir.rsplit('/').next().unwrap_or("").to_string();
        package.name = json["name"].as_str().map(String::from).unwrap_or_else(|| {
            if package.name.is_empty() {
                fallback
            } else {
                package.name.clone()
            }
        });
        package.project_type = project_type.or(package.project_type.take());
        if !implicit.is_empty() {
            package.implicit = implicit;
        }
    }
}

fn empty(file: FileId, dir: &str) -> NodePackage {
    NodePackage {
        npm_name: None,
        name: String::new(),
        dir: dir.to_string(),
        version: None,
        file,
        deps: Vec::new(),
        start: None,
        project_type: None,
        implicit: Vec::new(),
    }
}
