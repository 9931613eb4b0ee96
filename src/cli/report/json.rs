//! The JSON report (`--format json`), version 1.
//!
//! The shape is documented in `docs/cli.md`; fields are only ever added
//! within a version, and `version` changes when one is removed or changes
//! meaning. Lines and columns are 1-based, columns count Unicode scalar
//! values, `end_*` point just past the last character, and `span` holds the
//! raw byte offsets.

use serde_json::{Value, json};

use super::Summary;
use crate::diagnostic::{Diagnostic, FileId, Label, Severity, SourceFiles, Span};

/// The version of the JSON document.
pub const VERSION: u32 = 1;

/// Render a complete JSON document followed by a newline.
pub fn render(files: &SourceFiles, diagnostics: &[Diagnostic]) -> String {
    let summary = Summary::of(diagnostics);
    let document = json!({
        "version": VERSION,
        "diagnostics": diagnostics.iter().map(|d| diagnostic(files, d)).collect::<Vec<_>>(),
        "summary": {
            "errors": summary.errors,
            "warnings": summary.warnings,
            "files": files.len(),
        },
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

fn diagnostic(files: &SourceFiles, d: &Diagnostic) -> Value {
    // A diagnostic with no place in a file has `null` for every position.
    let (file, span) = d.location().unwrap_or((FileId(u32::MAX), Span::default()));
    let mut object = location(files, file, span);
    if d.primary.is_none()
        && let Value::Object(map) = &mut object
    {
        map.insert("span".to_string(), Value::Null);
    }
    let fields = [
        ("code", json!(d.code)),
        (
            "severity",
            json!(match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            }),
        ),
        ("message", json!(d.message)),
    ];
    // Put the identifying fields first, for people reading the output.
    let mut ordered = serde_json::Map::new();
    for (key, value) in fields {
        ordered.insert(key.to_string(), value);
    }
    if let Value::Object(map) = &mut object {
        ordered.append(map);
    }
    let primary_label = d.primary.as_ref().map_or("", |p| p.message.as_str());
    ordered.insert("label".to_string(), json!(non_empty(primary_label)));
    ordered.insert(
        "labels".to_string(),
        Value::Array(d.related.iter().map(|l| label(files, l)).collect()),
    );
    ordered.insert("help".to_string(), json!(d.help));
    Value::Object(ordered)
}

fn label(files: &SourceFiles, l: &Label) -> Value {
    let mut value = location(files, l.file, l.span);
    if let Value::Object(map) = &mut value {
        map.insert("message".to_string(), json!(non_empty(&l.message)));
    }
    value
}

fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

/// `file`, `line`, `column`, `end_line`, `end_column`, `span`.
fn location(files: &SourceFiles, file: FileId, span: Span) -> Value {
    if (file.0 as usize) >= files.len() {
        return json!({
            "file": null, "line": null, "column": null,
            "end_line": null, "end_column": null,
            "span": { "start": span.start, "end": span.end },
        });
    }
    let source = files.get(file);
    let (line, column) = source.line_col(span.start);
    let (end_line, end_column) = source.line_col(span.end);
    json!({
        "file": source.path.display().to_string(),
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "span": { "start": span.start, "end": span.end },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;

    #[test]
    fn document_has_version_positions_labels_and_summary() {
        let mut files = SourceFiles::new();
        let a = files.add(SourceFile::new("a.mirage", "service \"db\"\n"));
        let b = files.add(SourceFile::new("b.mirage", "x\nservice \"é\" y\n"));
        let diagnostics = vec![
            Diagnostic::error(
                "mirage::resolve::duplicate_service",
                b,
                Span::new(10, 14),
                "duplicate",
            )
            .with_related(a, Span::new(8, 12), "first here")
            .with_help("rename one"),
            Diagnostic::warning("mirage::resolve::unused", a, Span::new(0, 7), "unused"),
        ];
        let value: Value = serde_json::from_str(&render(&files, &diagnostics)).unwrap();
        assert_eq!(value["version"], 1);
        let first = &value["diagnostics"][0];
        assert_eq!(first["code"], "mirage::resolve::duplicate_service");
        assert_eq!(first["severity"], "error");
        assert_eq!(first["file"], "b.mirage");
        assert_eq!(
            (first["line"].as_u64(), first["column"].as_u64()),
            (Some(2), Some(9))
        );
        // `"é"` is 4 bytes but 3 characters.
        assert_eq!(first["end_column"], 12);
        assert_eq!(first["span"]["start"], 10);
        assert_eq!(first["labels"][0]["file"], "a.mirage");
        assert_eq!(first["labels"][0]["message"], "first here");
        assert_eq!(first["help"], "rename one");
        assert_eq!(value["diagnostics"][1]["severity"], "warning");
        assert_eq!(value["diagnostics"][1]["help"], Value::Null);
        assert_eq!(value["summary"]["errors"], 1);
        assert_eq!(value["summary"]["warnings"], 1);
        assert_eq!(value["summary"]["files"], 2);
    }
}
