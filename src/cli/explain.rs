//! `mirage explain CODE`: what a diagnostic code means and what to do about
//! it, from the one registry of codes ([`crate::diagnostic::codes`]), as
//! `rustc --explain` does. `mirage explain --list` prints every code.

use std::process::ExitCode;

use super::EXIT_OK;
use super::context::fail;
use super::report;
use crate::diagnostic::{Diagnostic, codes};
use crate::engine::Failure;

/// Arguments of `mirage explain`.
#[derive(Debug, Clone, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["code", "list"])))]
pub struct Args {
    /// The code, as printed (`mirage::plan::duplicate_on_railway`) or
    /// without its `mirage::` prefix (`plan::duplicate_on_railway`).
    #[arg(value_name = "CODE")]
    pub code: Option<String>,

    /// List every code with its one-line summary.
    #[arg(long)]
    pub list: bool,
}

/// Run `mirage explain`.
pub fn run(args: Args) -> ExitCode {
    if args.list {
        let width = codes::CODES.iter().map(|c| c.code.len()).max().unwrap_or(0);
        let mut out = String::new();
        for code in codes::CODES {
            out.push_str(&format!("{:width$}  {}\n", code.code, code.summary));
        }
        report::write_stdout(&out);
        return ExitCode::from(EXIT_OK);
    }
    let asked = args.code.unwrap_or_default();
    let Some(entry) = codes::lookup(&asked) else {
        let help = match codes::similar(&asked) {
            Some(close) => format!("did you mean `{close}`?"),
            None => "`mirage explain --list` prints every code".to_owned(),
        };
        return fail(Failure::usage(
            Diagnostic::general(
                "mirage::cli::unknown_code",
                format!("`{asked}` is not a diagnostic code of Mirage"),
            )
            .with_help(help),
        ));
    };
    let mut out = format!("{}\n\n{}\n", entry.code, capitalised(entry.summary));
    if !entry.help.is_empty() {
        out.push_str(&format!("\nWhat to do: {}\n", entry.help));
    }
    report::write_stdout(&out);
    ExitCode::from(EXIT_OK)
}

/// `text` with its first letter in upper case, ending with a full stop.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}
