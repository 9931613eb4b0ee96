//! GitHub Actions workflow commands (`--format github`): each diagnostic
//! becomes an annotation on the pull request's diff.
//!
//! Format: `::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=CODE::MESSAGE`
//! (`::warning` for warnings). GitHub's runner decodes `%25`, `%0D`, `%0A`
//! in the message and additionally `%3A` and `%2C` in property values; the
//! help and related locations go into the message on further lines. Other
//! control characters and bidirectional overrides (from names in files)
//! are dropped: the runner writes the command line itself into the log,
//! whose viewer obeys ANSI sequences.

use crate::diagnostic::{Diagnostic, Severity, SourceFiles};
use crate::terminal;

/// Render one workflow command per diagnostic, each on its own line.
pub fn render(files: &SourceFiles, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&annotation(files, d));
        out.push('\n');
    }
    out
}

fn annotation(files: &SourceFiles, d: &Diagnostic) -> String {
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut properties = Vec::new();
    if let Some((file, span)) = d.location()
        && (file.0 as usize) < files.len()
    {
        let source = files.get(file);
        let (line, column) = source.line_col(span.start);
        let (end_line, end_column) = source.line_col(span.end);
        properties.push(format!(
            "file={}",
            escape_property(&source.path.display().to_string())
        ));
        properties.push(format!("line={line}"));
        properties.push(format!("col={column}"));
        properties.push(format!("endLine={end_line}"));
        properties.push(format!("endColumn={end_column}"));
    }
    properties.push(format!("title={}", escape_property(d.code)));

    let mut message = d.message.clone();
    if let Some(primary) = &d.primary
        && !primary.message.is_empty()
    {
        message.push_str(&format!(": {}", primary.message));
    }
    for label in &d.related {
        if (label.file.0 as usize) < files.len() {
            let source = files.get(label.file);
            let (line, column) = source.line_col(label.span.start);
            message.push_str(&format!(
                "\n{}:{line}:{column}: {}",
                source.path.display(),
                label.message
            ));
        }
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    format!(
        "::{command} {}::{}",
        properties.join(","),
        escape_data(&message)
    )
}

/// Escape a message as the Actions runner expects (`%`, CR, LF), dropping
/// every other control character (see [`terminal::is_unsafe`]).
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if terminal::is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Escape a property value: the message escapes plus `:` and `,`, which
/// would otherwise end the value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{SourceFile, Span};

    #[test]
    fn escapes_follow_the_runner() {
        assert_eq!(escape_data("100%\r\nok"), "100%25%0D%0Aok");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(
            escape_data("a\u{1b}]0;PWNED\u{7}\u{202e}b\tc\u{9b}"),
            "a]0;PWNEDb\tc"
        );
        assert_eq!(escape_property("x\u{1b}:y"), "x%3Ay");
    }

    #[test]
    fn annotations_carry_positions_title_and_help() {
        let mut files = SourceFiles::new();
        let a = files.add(SourceFile::new("infra/a,b.mirage", "x\n  bad 50%\n"));
        let diagnostics = vec![
            Diagnostic::error("mirage::syntax::bad", a, Span::new(4, 7), "bad value: 50%")
                .with_help("write it\nlike this"),
            Diagnostic::warning("mirage::resolve::w", a, Span::new(0, 1), "careful"),
        ];
        let text = render(&files, &diagnostics);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "::error file=infra/a%2Cb.mirage,line=2,col=3,endLine=2,endColumn=6,\
             title=mirage%3A%3Asyntax%3A%3Abad::bad value: 50%25%0Ahelp: write it%0Alike this"
        );
        assert!(
            lines[1].starts_with("::warning file=infra/a%2Cb.mirage,line=1,col=1,"),
            "{text}"
        );
        assert_eq!(lines.len(), 2);
    }
}
