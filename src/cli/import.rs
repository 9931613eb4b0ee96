//! `mirage import [DIR] [--env E…] [--target ENV/SERVICE…]`: records the
//! resources that already exist on Railway and that the `.mirage` files
//! declare (the project, its environments, service instances and their
//! volumes, matched by name; and the variables and custom domains the files
//! declare) as Mirage's in the state database, so that
//! the next plan manages them fully, destruction included. Nothing is
//! written to Railway.

use std::path::PathBuf;
use std::process::ExitCode;

use super::EXIT_OK;
use super::context::{Reach, fail};
use super::plan::Selection;
use super::report;
use crate::engine::{self, Lock, Secrets};
use crate::state::{Resource, ResourceKind};

/// Arguments of `mirage import`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The project directory.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// What to act on: environments and targets.
    #[command(flatten)]
    pub selection: Selection,

    /// Where Railway is: `--local` or `--endpoint`.
    #[command(flatten)]
    pub reach: Reach,

    /// How problems are printed: `--max-errors`, `--message-format`.
    #[command(flatten)]
    pub limits: report::Limits,

    /// Write `.mirage` files for the whole project as Railway has it
    /// (every environment), then record it as Mirage's.
    #[arg(long)]
    pub generate: bool,

    /// With `--generate`: the Railway project (name or id) to read.
    #[arg(long, value_name = "NAME|ID", requires = "generate")]
    pub project: Option<String>,
}

/// Run `mirage import`.
pub fn run(args: Args) -> ExitCode {
    if args.generate {
        return super::generate::run(args);
    }
    super::plan::block_on(async {
        let context = args.reach.context();
        // Locked like an apply: ownership must not change under one.
        let lock = Lock::Take { wait: None };
        let selection = args.selection.engine();
        let mut session =
            match engine::prepare(&context, &args.dir, &selection, lock, Secrets::Skip).await {
                Ok(session) => session,
                Err(failure) => return fail(failure),
            };
        let imported = match engine::import(&context, &session) {
            Ok(imported) => imported,
            Err(failure) => return fail(failure),
        };
        let mut out = String::new();
        for resource in &imported.imported {
            out.push_str(&format!(
                "imported {} ({})\n",
                describe(resource),
                resource.railway_id.as_deref().unwrap_or("no id")
            ));
        }
        out.push_str(&format!(
            "Import complete: {} imported, {} already Mirage's.\n",
            imported.imported.len(),
            imported.already
        ));
        if imported.unmanaged > 0 {
            out.push_str(&format!(
                "{} resource(s) on Railway are not declared in the .mirage files and were left alone (see `mirage plan`).\n",
                imported.unmanaged
            ));
        }
        report::write_stdout(&out);
        if let Err(failure) = session.release() {
            return fail(failure);
        }
        ExitCode::from(EXIT_OK)
    })
}

fn describe(resource: &Resource) -> String {
    let key = &resource.key;
    match (key.kind, &key.environment, &key.service) {
        (ResourceKind::Project, ..) => format!("project \"{}\"", key.name),
        (ResourceKind::Environment, ..) => format!("environment \"{}\"", key.name),
        (ResourceKind::Volume, Some(env), Some(service)) => {
            format!("volume of \"{service}\" in \"{env}\"")
        }
        (_, Some(env), _) => format!("{} \"{}\" in \"{env}\"", key.kind.as_str(), key.name),
        (_, None, _) => format!("{} \"{}\"", key.kind.as_str(), key.name),
    }
}
