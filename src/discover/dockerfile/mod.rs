//! A Dockerfile parser following BuildKit's rules, reporting each stage's
//! metadata (base image, ports, environment, command, user, workdir,
//! healthcheck). Crates on crates.io fail on heredocs and exec-form `COPY`,
//! hence our own.

mod lexer;
mod stage;
mod words;

pub use lexer::{Directives, Heredoc, LogicalLine};
pub use stage::{Command, Healthcheck, Port, Protocol, Stage};

use crate::diagnostic::{Diagnostic, FileId, Span};

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// Parser directives from the top of the file.
    pub directives: Directives,
    /// `ARG`s before the first `FROM`, with their defaults.
    pub global_args: Vec<(String, Option<String>)>,
    /// Every build stage, in order.
    pub stages: Vec<Stage>,
    /// Every instruction, for tools that need more than the metadata.
    pub instructions: Vec<LogicalLine>,
}

impl Dockerfile {
    /// The stage that `docker build` without `--target` produces.
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }
}

/// Instructions BuildKit knows; anything else is an error there.
const KNOWN: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// Parse a Dockerfile. Problems become diagnostics pointing into `file`;
/// parsing always returns what it could understand.
pub fn parse_dockerfile(file: FileId, text: &str) -> (Dockerfile, Vec<Diagnostic>) {
    let (directives, lines, lex_errors) = lexer::split_lines(text);
    let mut diagnostics: Vec<Diagnostic> = lex_errors
        .into_iter()
        .map(|e| Diagnostic::error(e.code, file, e.span, e.message).with_help(e.help))
        .collect();
    let mut builder = stage::Builder::new(directives.escape);
    for line in &lines {
        if !KNOWN.contains(&line.keyword.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    "mirage::discover::unknown_instruction",
                    file,
                    line.keyword_span,
                    format!("unknown instruction `{}`", line.keyword),
                )
                .with_help("Dockerfile instructions are FROM, RUN, COPY, CMD, EXPOSE, ENV, …"),
            );
            continue;
        }
        if let Err((span, message)) = builder.apply(line) {
            diagnostics.push(Diagnostic::error(
                "mirage::discover::invalid_instruction",
                file,
                span,
                message,
            ));
        }
    }
    let (global_args, stages) = builder.finish();
    if stages.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                "mirage::discover::no_from",
                file,
                Span::at(0),
                "this Dockerfile has no `FROM` instruction",
            )
            .with_help("a Dockerfile starts its first stage with `FROM image`"),
        );
    }
    let dockerfile = Dockerfile {
        directives,
        global_args,
        stages,
        instructions: lines,
    };
    (dockerfile, diagnostics)
}

#[cfg(test)]
mod tests;
