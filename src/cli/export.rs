//! `mirage export --env E --as-template NAME [DIR]`: environment `E`
//! written as a reusable template (`environment "NAME" ephemeral=#true`
//! with a `preview` block), for `mirage preview up` and the dashboard's
//! wizard. Files only: Railway is not read.

use std::path::PathBuf;
use std::process::ExitCode;

use super::EXIT_OK;
use super::context::fail;
use super::report;
use crate::adopt::clone::{Options, Template};
use crate::diagnostic::Diagnostic;
use crate::engine::Failure;

/// Examples shown by `mirage export --help`.
pub const AFTER_HELP: &str = "\
Examples:
  mirage export --env staging --as-template review              a template `review` (ttl 72h)
  mirage export --env staging --as-template review --ttl 168h   previews live a week
  mirage preview up --pr 7 --template review                    then make environments from it

The template has the environment's layer and its own block (overrides,
variables, build settings of its services), `ephemeral=#true`, a `ttl` and a
`preview` block with the defaults (names `NAME-{number}`). Fixed custom
domains become `{environment}` patterns or are left out (docs/adopt.md).";

/// Arguments of `mirage export`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The project directory.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// The environment to export.
    #[arg(long = "env", short = 'e', value_name = "ENV")]
    pub env: String,

    /// Write it as a template of this name (`ephemeral=#true`).
    #[arg(long, value_name = "NAME")]
    pub as_template: String,

    /// How long an environment made from the template lives after its last
    /// push (`72h` by default).
    #[arg(long, value_name = "DURATION", default_value = "72h")]
    pub ttl: String,
}

/// Run `mirage export`.
pub fn run(args: Args) -> ExitCode {
    match export(&args) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(failure) => fail(failure),
    }
}

fn export(args: &Args) -> Result<(), Failure> {
    if let Err(why) = super::status::duration(&args.ttl) {
        return Err(Failure::usage(
            Diagnostic::general(
                "mirage::adopt::export_bad_ttl",
                format!("`--ttl {}` is not a duration: {why}", args.ttl),
            )
            .with_help("write a duration such as `72h`, `7d` or `90m`"),
        ));
    }
    let loaded = super::clone::load(&args.dir)?;
    super::clone::check_names(
        &loaded.project,
        &args.env,
        &args.as_template,
        [
            "mirage::adopt::clone_invalid_name",
            "mirage::adopt::export_template_exists",
            "mirage::adopt::clone_unknown_source",
        ],
    )?;
    let unprotect = loaded
        .project
        .environment(&args.env)
        .is_some_and(|e| e.is_protected());
    let options = Options {
        new: args.as_template.clone(),
        template: Some(Template {
            ttl: Some(args.ttl.clone()),
            unprotect,
        }),
        ..Options::default()
    };
    let planned = super::clone::plan_file(&args.dir, &args.env, &options)?;
    planned.write()?;
    planned.report(&format!(
        "Wrote template `{}` (from `{}`) into `{}`.\n",
        args.as_template,
        args.env,
        planned.path.display()
    ));
    report::write_stderr(&format!(
        "Next: `mirage preview up --pr N --template {}`, or the dashboard's wizard.\n",
        args.as_template
    ));
    Ok(())
}
