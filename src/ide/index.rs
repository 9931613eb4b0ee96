//! Where every name of a project is declared and used: templates, layers,
//! services, environments, variables and imports, with the exact bytes of
//! the name (inside quotes, inside `${{…}}`). Go to definition, find
//! references, rename and hover read it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{FileId, Span};
use crate::resolve::Analysis;
use crate::syntax::{self, Document, Entry, Node};

/// What a name names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `template "x"`.
    Template,
    /// `service "x"`.
    Service,
    /// `layer "x"`.
    Layer,
    /// `environment "x"`.
    Environment,
    /// A variable of a service (or `shared`).
    Variable,
    /// `import "…"`: the name is the path as written.
    Import,
}

impl Kind {
    /// The keyword, for messages.
    pub fn keyword(self) -> &'static str {
        match self {
            Kind::Template => "template",
            Kind::Service => "service",
            Kind::Layer => "layer",
            Kind::Environment => "environment",
            Kind::Variable => "variable",
            Kind::Import => "import",
        }
    }
}

/// One written name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// What it names.
    pub kind: Kind,
    /// The name.
    pub name: String,
    /// For variables: the service they belong to (`shared` for shared
    /// variables); `None` for a template's variables.
    pub owner: Option<String>,
    /// The environment whose block holds it, if any.
    pub env: Option<String>,
    /// The file.
    pub file: FileId,
    /// The name's bytes, without quotes.
    pub span: Span,
    /// Whether this is the declaration.
    pub def: bool,
}

/// Every name in the files of an analysis (whose trees are the
/// analysis's own `documents`).
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// The occurrences of each file, by `FileId`, in position order (shared
    /// with the [`IndexCache`]: a large file's names are held once).
    files: Vec<Arc<Vec<Occurrence>>>,
    /// Path of each file, by `FileId`.
    pub paths: Vec<PathBuf>,
}

/// The names of each file by path, so that re-indexing after a keystroke
/// walks only the file that changed.
#[derive(Debug, Default)]
pub struct IndexCache {
    files: HashMap<PathBuf, CachedFile>,
}

#[derive(Debug)]
struct CachedFile {
    /// The tree the occurrences were read from (the analysis's own, shared
    /// with its parse cache: the same `Arc` means the same text).
    document: Arc<Document>,
    /// The occurrences, with `file` set to this id.
    occurrences: Arc<Vec<Occurrence>>,
}

impl IndexCache {
    /// Forget the names of `path` (its text changed: they are rebuilt by
    /// the next index, and until then they only take memory).
    pub fn forget(&mut self, path: &Path) {
        self.files.remove(path);
    }
}

impl Index {
    /// Index every file of `analysis`.
    pub fn new(analysis: &Analysis) -> Self {
        Self::with_cache(analysis, &mut IndexCache::default())
    }

    /// [`Index::new`], reusing the names of files whose tree is the same
    /// as at the last call with the same cache.
    pub fn with_cache(analysis: &Analysis, cache: &mut IndexCache) -> Self {
        let mut index = Index::default();
        let mut seen = HashMap::new();
        for (id, file) in analysis.files.iter() {
            // The analysis's tree; parsed here only for a file it has none of.
            let document = analysis
                .documents
                .get(id.0 as usize)
                .cloned()
                .unwrap_or_else(|| Arc::new(syntax::parse(id, &file.text).document));
            let hit = cache.files.get(&file.path).is_some_and(|c| {
                Arc::ptr_eq(&c.document, &document)
                    && c.occurrences.first().is_none_or(|o| o.file == id)
            });
            if !hit {
                let mut occurrences = Vec::new();
                let mut w = Walker {
                    text: &file.text,
                    file: id,
                    out: &mut occurrences,
                    env: None,
                };
                for node in &document.nodes {
                    w.top(node);
                }
                occurrences.shrink_to_fit();
                cache.files.insert(
                    file.path.clone(),
                    CachedFile {
                        document,
                        occurrences: Arc::new(occurrences),
                    },
                );
            }
            match cache.files.get(&file.path) {
                Some(c) => index.files.push(c.occurrences.clone()),
                None => index.files.push(Arc::default()),
            }
            index.paths.push(file.path.clone());
            seen.insert(file.path.clone(), ());
        }
        cache.files.retain(|p, _| seen.contains_key(p));
        index
    }

    /// Every occurrence, by file then position.
    pub fn occurrences(&self) -> impl DoubleEndedIterator<Item = &Occurrence> {
        self.files.iter().flat_map(|f| f.iter())
    }

    /// The occurrence at `offset` of `file`.
    pub fn at(&self, file: FileId, offset: usize) -> Option<&Occurrence> {
        self.files
            .get(file.0 as usize)?
            .iter()
            .find(|o| o.span.contains(offset))
    }

    /// Whether `a` and `b` name the same thing.
    fn same(a: &Occurrence, b: &Occurrence) -> bool {
        a.kind == b.kind && a.name == b.name && (a.kind != Kind::Variable || a.owner == b.owner)
    }

    /// The declarations of what `occ` names (several when duplicated).
    pub fn definitions(&self, occ: &Occurrence) -> Vec<&Occurrence> {
        self.occurrences()
            .filter(|o| o.def && Self::same(o, occ))
            .collect()
    }

    /// Every occurrence of what `occ` names, declarations included.
    pub fn references(&self, occ: &Occurrence) -> Vec<&Occurrence> {
        self.occurrences().filter(|o| Self::same(o, occ)).collect()
    }

    /// Declared names of `kind`, each once, in order of appearance.
    pub fn names(&self, kind: Kind) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for o in self.occurrences() {
            if o.def && o.kind == kind && !out.contains(&o.name.as_str()) {
                out.push(&o.name);
            }
        }
        out
    }

    /// The file an `import` occurrence points at, if it was loaded.
    pub fn import_target(&self, occ: &Occurrence) -> Option<FileId> {
        let target = if let Some(name) = occ.name.strip_prefix("std/") {
            PathBuf::from(format!("std/{name}.mirage"))
        } else {
            let base = self.paths.get(occ.file.0 as usize)?.parent()?;
            normalize(&base.join(&occ.name))
        };
        self.paths
            .iter()
            .position(|p| *p == target)
            .map(|i| FileId(i as u32))
    }

    /// The edits that rename what the occurrence at `offset` names to
    /// `new_name`: `(file, span)` pairs, or why it cannot be renamed.
    pub fn rename(
        &self,
        file: FileId,
        offset: usize,
        new_name: &str,
    ) -> Result<Vec<(FileId, Span)>, String> {
        let occ = self
            .at(file, offset)
            .ok_or_else(|| "nothing to rename here".to_string())?;
        if !matches!(
            occ.kind,
            Kind::Template | Kind::Service | Kind::Layer | Kind::Environment
        ) {
            return Err(format!("a {} cannot be renamed", occ.kind.keyword()));
        }
        let allow_slash = occ.kind == Kind::Template;
        crate::resolve::value::check_name(new_name, allow_slash)?;
        let refs = self.references(occ);
        if refs
            .iter()
            .any(|o| o.def && self.paths[o.file.0 as usize].starts_with("std"))
        {
            return Err(format!(
                "`{}` is declared in the standard library",
                occ.name
            ));
        }
        Ok(refs.into_iter().map(|o| (o.file, o.span)).collect())
    }
}

/// `a/./b/../c` → `a/c`, without touching the filesystem.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The bytes of the name inside a token: quotes and raw-string hashes
/// removed, so that a rename keeps the quoting.
pub fn inner(text: &str, span: Span) -> Span {
    let Some(token) = text.get(span.start..span.end) else {
        return span;
    };
    let hashes = token.len() - token.trim_start_matches('#').len();
    let body = &token[hashes..token.len() - hashes.min(token.len() - hashes)];
    if body.len() >= 2 && body.starts_with('"') && body.ends_with('"') {
        if body.starts_with("\"\"\"") {
            return span;
        }
        return Span::new(span.start + hashes + 1, span.end - hashes - 1);
    }
    span
}

struct Walker<'a> {
    text: &'a str,
    file: FileId,
    out: &'a mut Vec<Occurrence>,
    env: Option<String>,
}

impl Walker<'_> {
    fn push(&mut self, kind: Kind, name: &str, span: Span, def: bool, owner: Option<&str>) {
        self.out.push(Occurrence {
            kind,
            name: name.to_string(),
            owner: owner.map(str::to_string),
            env: self.env.clone(),
            file: self.file,
            span,
            def,
        });
    }

    fn arg(&mut self, entry: Option<&Entry>, kind: Kind, def: bool, owner: Option<&str>) {
        if let Some(e) = entry
            && let Some(s) = e.value.as_str()
        {
            let span = inner(self.text, e.value_span);
            self.push(kind, s, span, def, owner);
        }
    }

    fn top(&mut self, node: &Node) {
        let name = node.first_arg().and_then(|e| e.value.as_str());
        match node.name.value.as_str() {
            "import" => self.arg(node.first_arg(), Kind::Import, false, None),
            "template" => {
                self.arg(node.first_arg(), Kind::Template, true, None);
                self.arg(node.prop("extends"), Kind::Template, false, None);
                self.block(node.child_nodes(), None);
            }
            "service" => {
                self.arg(node.first_arg(), Kind::Service, true, None);
                self.arg(node.prop("from"), Kind::Template, false, None);
                self.block(node.child_nodes(), name);
            }
            "layer" => {
                self.arg(node.first_arg(), Kind::Layer, true, None);
                self.arg(node.prop("extends"), Kind::Layer, false, None);
                self.wide(node.child_nodes());
            }
            "environment" => {
                self.arg(node.first_arg(), Kind::Environment, true, None);
                self.arg(node.prop("layer"), Kind::Layer, false, None);
                self.env = name.map(str::to_string);
                self.wide(node.child_nodes());
                self.env = None;
            }
            "project" => {
                for child in node.child_nodes() {
                    if child.name.value == "shared-vars" {
                        self.vars(child.child_nodes(), Some("shared"));
                    }
                }
            }
            _ => {}
        }
    }

    /// The top of a layer or environment.
    fn wide(&mut self, nodes: &[Node]) {
        for node in nodes {
            match node.name.value.as_str() {
                "service" => {
                    self.arg(node.first_arg(), Kind::Service, false, None);
                    let name = node.first_arg().and_then(|e| e.value.as_str());
                    self.block(node.child_nodes(), name);
                }
                "shared-vars" => self.vars(node.child_nodes(), Some("shared")),
                _ => self.setting(node, None),
            }
        }
    }

    /// A service-shaped block; `owner` is the service, `None` in templates
    /// and project-wide settings.
    fn block(&mut self, nodes: &[Node], owner: Option<&str>) {
        for node in nodes {
            self.setting(node, owner);
        }
    }

    fn setting(&mut self, node: &Node, owner: Option<&str>) {
        match node.name.value.as_str() {
            "depends-on" => {
                for e in node.args() {
                    self.arg(Some(e), Kind::Service, false, None);
                }
            }
            "vars" => self.vars(node.child_nodes(), owner),
            _ => {}
        }
    }

    fn vars(&mut self, nodes: &[Node], owner: Option<&str>) {
        for node in nodes {
            let span = inner(self.text, node.name.span);
            self.push(Kind::Variable, &node.name.value, span, true, owner);
            for e in node.args() {
                self.references(e.value_span, owner);
            }
        }
    }

    /// `${{svc.VAR}}`, `${{shared.VAR}}` and `${{VAR}}` inside a value, found
    /// in the source text so that spans are exact.
    fn references(&mut self, span: Span, owner: Option<&str>) {
        let Some(raw) = self.text.get(span.start..span.end) else {
            return;
        };
        let mut from = 0;
        while let Some(open) = raw[from..].find("${{") {
            let start = from + open + 3;
            let Some(len) = raw[start..].find("}}") else {
                return;
            };
            let body = &raw[start..start + len];
            let lead = body.len() - body.trim_start().len();
            let body_trim = body.trim();
            let at = span.start + start + lead;
            match body_trim.split_once('.') {
                Some((svc, var)) => {
                    let var_at = at + svc.len() + 1;
                    if svc != "shared" {
                        self.push(
                            Kind::Service,
                            svc,
                            Span::new(at, at + svc.len()),
                            false,
                            None,
                        );
                    }
                    self.push(
                        Kind::Variable,
                        var,
                        Span::new(var_at, var_at + var.len()),
                        false,
                        Some(svc),
                    );
                }
                None => self.push(
                    Kind::Variable,
                    body_trim,
                    Span::new(at, at + body_trim.len()),
                    false,
                    owner,
                ),
            }
            from = start + len + 2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::analyze;

    #[test]
    fn references_inside_strings_have_exact_spans() {
        let text = "project \"p\"\nservice \"db\" {\n    image \"postgres\"\n    vars { URL \"x\" }\n}\nservice \"api\" {\n    image \"nginx\"\n    depends-on db\n    vars { A \"${{db.URL}}/${{ PORT }}\" }\n}\nenvironment \"production\" {\n    service \"db\" { replicas 1 }\n}\n";
        let a = analyze(
            Path::new("/p"),
            vec![(PathBuf::from("/p/m.mirage"), text.into())],
        );
        let index = Index::new(&a);
        let db = text.find("\"db\"").expect("db") + 1;
        let occ = index.at(FileId(0), db).expect("occurrence").clone();
        let spans: Vec<&str> = index
            .references(&occ)
            .iter()
            .map(|o| &text[o.span.start..o.span.end])
            .collect();
        assert_eq!(spans, ["db", "db", "db", "db"]);
        let url = index
            .occurrences()
            .filter(|o| o.kind == Kind::Variable && o.name == "URL")
            .count();
        assert_eq!(url, 2);
        let port = index
            .occurrences()
            .find(|o| o.name == "PORT")
            .expect("PORT");
        assert_eq!(&text[port.span.start..port.span.end], "PORT");
        assert_eq!(port.owner.as_deref(), Some("api"));
        let env = index.occurrences().rfind(|o| o.name == "db").expect("db");
        assert_eq!(env.env.as_deref(), Some("production"));
    }
}
