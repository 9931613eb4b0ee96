//! `mirage import [DIR] [--env E…] [--target ENV/SERVICE…]`: records the
//! resources that already exist on Railway and that the `.mirage` files
//! declare (the project, its environments, service instances and their
//! volumes, matched by name; and the variables and custom domains the files
//! declare) as Mirage's in the state database, so that
//! the next plan manages them fully, destruction included. Nothing is
//! written to Railway.

use std::path::PathBuf;
use std::process::ExitCode;

use super::plan::{Selection, prepare_with};
use super::report;
use super::{EXIT_FAILURE, EXIT_OK};
use crate::apply::record::{key, resource, volume_key};
use crate::plan::{Action, Plan};
use crate::state::{self, Origin, Resource, ResourceKind};

/// Arguments of `mirage import`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The project directory.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    #[command(flatten)]
    pub selection: Selection,

    /// The Railway GraphQL endpoint; wins over `MIRAGE_RAILWAY_URL`.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    #[command(flatten)]
    pub limits: report::Limits,
}

/// Run `mirage import`.
pub fn run(args: Args) -> ExitCode {
    super::plan::block_on(async {
        // Locked like an apply: ownership must not change under one.
        let prepared = match prepare_with(&args.dir, &args.selection, Some(None), false).await {
            Ok(prepared) => prepared,
            Err(code) => return code,
        };
        if prepared.snapshot.is_none() {
            report::print_error(&format!(
                "there is no project `{}` on Railway: nothing to import\n  help: `mirage apply` creates it",
                prepared.plan.project
            ));
            return ExitCode::from(EXIT_FAILURE);
        }
        let actor = state::Actor::current();
        let candidates = importable(&prepared.plan, &actor);
        let mut imported = Vec::new();
        let mut already = 0;
        for candidate in candidates {
            match prepared.store.owned(&candidate.key) {
                Ok(Some(_)) => already += 1,
                Ok(None) => imported.push(candidate),
                Err(error) => {
                    report::print_error(&format!("cannot read the state database: {error}"));
                    return ExitCode::from(EXIT_FAILURE);
                }
            }
        }
        if let Err(error) = prepared.store.record_all(&imported) {
            report::print_error(&format!("cannot record ownership: {error}"));
            return ExitCode::from(EXIT_FAILURE);
        }
        // The variables and custom domains the files declare are managed
        // too: removing one from the files later removes it.
        if let Err(error) =
            crate::apply::record::record_managed(&prepared.store, &prepared.plan, &actor)
        {
            report::print_error(&format!("cannot record ownership: {error}"));
            return ExitCode::from(EXIT_FAILURE);
        }
        let mut out = String::new();
        for resource in &imported {
            out.push_str(&format!(
                "imported {} ({})\n",
                describe(resource),
                resource.railway_id.as_deref().unwrap_or("no id")
            ));
        }
        out.push_str(&format!(
            "Import complete: {} imported, {already} already Mirage's.\n",
            imported.len()
        ));
        if !prepared.plan.unmanaged.is_empty() {
            out.push_str(&format!(
                "{} resource(s) on Railway are not declared in the .mirage files and were left alone (see `mirage plan`).\n",
                prepared.plan.unmanaged.len()
            ));
        }
        report::write_stdout(&out);
        for guard in prepared.locks {
            let _ = guard.release();
        }
        ExitCode::from(EXIT_OK)
    })
}

/// Everything the plan found on Railway that the model declares, as
/// adopted ownership records.
fn importable(plan: &Plan, actor: &state::Actor) -> Vec<Resource> {
    let adopt = |key, id: &String| resource(plan, key, Some(id.clone()), Origin::Adopted, actor);
    let mut out = Vec::new();
    if let Some(id) = &plan.project_id {
        out.push(adopt(
            key(plan, ResourceKind::Project, None, None, &plan.project),
            id,
        ));
    }
    for environment in &plan.environments {
        let Some(env_id) = &environment.id else {
            continue;
        };
        let env = environment.name.as_str();
        out.push(adopt(
            key(plan, ResourceKind::Environment, None, None, env),
            env_id,
        ));
        for service in &environment.services {
            // A service the model no longer declares is not imported, nor
            // an instance that does not exist in this environment yet.
            if matches!(service.action, Action::Destroy | Action::Create) {
                continue;
            }
            let Some(id) = &service.id else {
                continue;
            };
            out.push(adopt(
                key(plan, ResourceKind::Service, Some(env), None, &service.name),
                id,
            ));
            if let Some(volume) = service
                .volume_id
                .as_ref()
                .or(service.replace_volume.as_ref())
            {
                out.push(adopt(volume_key(plan, env, &service.name), volume));
            }
        }
    }
    out
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
