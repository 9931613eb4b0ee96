//! The subset of YAML `pnpm-workspace.yaml` uses: a `packages:` list of
//! strings, a `catalog:` map and a `catalogs:` map of maps, with comments and
//! quoted or flow-style (`[a, b]`) values.

use std::collections::BTreeMap;

/// What discovery needs from `pnpm-workspace.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PnpmWorkspace {
    /// The package globs, negations (`!…`) included.
    pub packages: Vec<String>,
    /// Catalogs by name; the default catalog is `default`.
    pub catalogs: BTreeMap<String, BTreeMap<String, String>>,
}

/// Parse `pnpm-workspace.yaml`. Unknown keys are skipped.
pub fn parse_pnpm_workspace(text: &str) -> PnpmWorkspace {
    let mut ws = PnpmWorkspace::default();
    let mut section: Option<String> = None;
    let mut catalog_name: Option<String> = None;
    let mut catalog_indent = 0;
    for raw in text.lines() {
        let line = strip_comment(raw);
        if line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let content = line.trim();
        if indent == 0 {
            catalog_name = None;
            let (key, value) = match content.split_once(':') {
                Some((k, v)) => (unquote(k.trim()), v.trim()),
                None => continue,
            };
            section = Some(key.clone());
            if key == "packages" && value.starts_with('[') {
                ws.packages.extend(flow_list(value));
            }
            if key == "catalog" {
                catalog_name = Some("default".into());
                catalog_indent = usize::MAX;
            }
            continue;
        }
        match section.as_deref() {
            Some("packages") => {
                if let Some(item) = content.strip_prefix('-') {
                    ws.packages.push(unquote(item.trim()));
                }
            }
            Some("catalog") => {
                if let Some((k, v)) = content.split_once(':') {
                    ws.catalogs
                        .entry("default".into())
                        .or_default()
                        .insert(unquote(k.trim()), unquote(v.trim()));
                }
            }
            Some("catalogs") => {
                let Some((k, v)) = content.split_once(':') else {
                    continue;
                };
                if v.trim().is_empty() && (catalog_name.is_none() || indent <= catalog_indent) {
                    catalog_name = Some(unquote(k.trim()));
                    catalog_indent = indent;
                } else if let Some(name) = &catalog_name {
                    ws.catalogs
                        .entry(name.clone())
                        .or_default()
                        .insert(unquote(k.trim()), unquote(v.trim()));
                }
            }
            _ => {}
        }
    }
    ws
}

fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') if i == 0 || line[..i].ends_with(char::is_whitespace) => return &line[..i],
            _ => {}
        }
    }
    line
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    s.to_string()
}

fn flow_list(value: &str) -> Vec<String> {
    let inner = value.trim().trim_start_matches('[').trim_end_matches(']');
    inner
        .split(',')
        .map(unquote)
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_and_catalogs() {
        let ws = parse_pnpm_workspace(
            "# top\npackages:\n  - 'apps/*'   # apps\n  - \"packages/**\"\n  - '!**/test/**'\ncatalog:\n  react: ^18.2.0\ncatalogs:\n  legacy:\n    react: ^16\n    '@acme/ui': 'workspace:*'\n",
        );
        assert_eq!(ws.packages, ["apps/*", "packages/**", "!**/test/**"]);
        assert_eq!(ws.catalogs["default"]["react"], "^18.2.0");
        assert_eq!(ws.catalogs["legacy"]["@acme/ui"], "workspace:*");
        let flow = parse_pnpm_workspace("packages: [apps/*, 'libs/*']\n");
        assert_eq!(flow.packages, ["apps/*", "libs/*"]);
    }
}
