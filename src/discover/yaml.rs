//! `pnpm-workspace.yaml`, read with a full YAML 1.2 parser (`saphyr`): the
//! `packages` list, the default `catalog` and the named `catalogs`, in any
//! YAML spelling (block or flow lists over several lines, anchors and
//! aliases, quoted or plain scalars, any indentation).

use std::collections::BTreeMap;

use saphyr::{Yaml, YamlLoader};
use saphyr_parser::Parser;

/// What discovery needs from `pnpm-workspace.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PnpmWorkspace {
    /// The package globs, negations (`!…`) included.
    pub packages: Vec<String>,
    /// Catalogs by name; the default catalog is `default`.
    pub catalogs: BTreeMap<String, BTreeMap<String, String>>,
}

/// A YAML syntax error: the byte offset where the parser stopped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// Byte offset in the text.
    pub offset: usize,
    /// The parser's message.
    pub message: String,
}

/// Parse `pnpm-workspace.yaml`. Unknown keys are skipped; an empty file is
/// an empty workspace; a syntax error is an error with its location.
pub fn parse_pnpm_workspace(text: &str) -> Result<PnpmWorkspace, YamlError> {
    let mut loader: YamlLoader<'_, Yaml<'_>> = YamlLoader::default();
    // Keep scalars as written: a catalog's `react: 18.10` is the version
    // `18.10`, not the float 18.1.
    loader.early_parse(false);
    let mut parser = Parser::new_from_str(text);
    let failed = parser
        .load(&mut loader, true)
        .err()
        .or_else(|| loader.error().cloned());
    if let Some(error) = failed {
        return Err(YamlError {
            offset: byte_offset(text, error.marker().index()),
            message: error.info().to_string(),
        });
    }
    let mut ws = PnpmWorkspace::default();
    let docs = loader.into_documents();
    let Some(root) = docs.first() else {
        return Ok(ws);
    };
    if let Some(packages) = get(root, "packages") {
        ws.packages = strings(packages);
    }
    if let Some(catalog) = get(root, "catalog") {
        ws.catalogs.insert("default".into(), string_map(catalog));
    }
    if let Some(Yaml::Mapping(catalogs)) = get(root, "catalogs") {
        for (name, catalog) in catalogs {
            if let Some(name) = text_of(name) {
                ws.catalogs
                    .entry(name.to_string())
                    .or_default()
                    .extend(string_map(catalog));
            }
        }
    }
    Ok(ws)
}

/// The scalar's text as written (quotes removed, escapes decoded).
fn text_of<'a>(node: &'a Yaml<'_>) -> Option<&'a str> {
    match node {
        Yaml::Representation(text, _, _) => Some(text),
        Yaml::Tagged(_, inner) => text_of(inner),
        _ => None,
    }
}

fn get<'a, 'i>(node: &'a Yaml<'i>, key: &str) -> Option<&'a Yaml<'i>> {
    match node {
        Yaml::Mapping(map) => map
            .iter()
            .find(|(k, _)| text_of(k) == Some(key))
            .map(|(_, v)| v),
        Yaml::Tagged(_, inner) => get(inner, key),
        _ => None,
    }
}

fn strings(node: &Yaml<'_>) -> Vec<String> {
    match node {
        Yaml::Sequence(items) => items.iter().filter_map(text_of).map(String::from).collect(),
        Yaml::Tagged(_, inner) => strings(inner),
        _ => Vec::new(),
    }
}

fn string_map(node: &Yaml<'_>) -> BTreeMap<String, String> {
    match node {
        Yaml::Mapping(map) => map
            .iter()
            .filter_map(|(k, v)| Some((text_of(k)?.to_string(), text_of(v)?.to_string())))
            .collect(),
        Yaml::Tagged(_, inner) => string_map(inner),
        _ => BTreeMap::new(),
    }
}

/// The parser counts characters; diagnostics count bytes.
fn byte_offset(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(offset, _)| offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> PnpmWorkspace {
        parse_pnpm_workspace(text).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn packages_and_catalogs() {
        let ws = parse(
            "# top\npackages:\n  - 'apps/*'   # apps\n  - \"packages/**\"\n  - '!**/test/**'\ncatalog:\n  react: ^18.2.0\ncatalogs:\n  legacy:\n    react: ^16\n    '@acme/ui': 'workspace:*'\n",
        );
        assert_eq!(ws.packages, ["apps/*", "packages/**", "!**/test/**"]);
        assert_eq!(ws.catalogs["default"]["react"], "^18.2.0");
        assert_eq!(ws.catalogs["legacy"]["@acme/ui"], "workspace:*");
        let flow = parse("packages: [apps/*, 'libs/*']\n");
        assert_eq!(flow.packages, ["apps/*", "libs/*"]);
    }

    // The inputs the hand-written reader lost (issue #13).
    #[test]
    fn block_list_at_the_root_indentation() {
        assert_eq!(
            parse("packages:\n- apps/*\n- libs/*\n").packages,
            ["apps/*", "libs/*"]
        );
    }

    #[test]
    fn flow_list_over_several_lines() {
        let ws = parse("packages: [\n  'apps/*',\n  \"libs/*\", # c\n  ]\n");
        assert_eq!(ws.packages, ["apps/*", "libs/*"]);
    }

    #[test]
    fn anchors_and_aliases() {
        let ws = parse(
            "catalogs:\n  react18: &r18\n    react: 18.10.0\n    react-dom: 18.10.0\n  default-alias: *r18\npackages: &pk [apps/*]\n",
        );
        assert_eq!(ws.catalogs["default-alias"]["react"], "18.10.0");
        assert_eq!(ws.catalogs["react18"]["react-dom"], "18.10.0");
        assert_eq!(ws.packages, ["apps/*"]);
    }

    #[test]
    fn scalars_keep_their_text() {
        let ws = parse("catalog:\n  a: 18.10\n  b: \"x\\ty\"\n");
        assert_eq!(ws.catalogs["default"]["a"], "18.10");
        assert_eq!(ws.catalogs["default"]["b"], "x\ty");
    }

    #[test]
    fn empty_file_is_an_empty_workspace() {
        assert_eq!(parse(""), PnpmWorkspace::default());
        assert_eq!(parse("# nothing\n"), PnpmWorkspace::default());
    }

    #[test]
    fn syntax_errors_are_located_in_bytes() {
        let text = "# é\npackages:\n  - 'apps/*\n";
        let error = parse_pnpm_workspace(text).err();
        let Some(error) = error else {
            panic!("an unterminated quote parsed")
        };
        assert!(error.offset <= text.len(), "{error:?}");
        assert!(
            error.offset > text.find("packages").unwrap_or(0),
            "{error:?}"
        );
        let dup = parse_pnpm_workspace("packages: [a]\npackages: [b]\n").err();
        assert!(
            dup.is_some_and(|e| e.offset >= 14),
            "duplicate keys are an error"
        );
    }
}
