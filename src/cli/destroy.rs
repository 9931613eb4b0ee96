//! `mirage destroy --env E`: removes what Mirage owns in environment E
//! (the service instances it created), nothing else. Unmanaged services are
//! left alone; a protected environment is refused.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use super::plan::{Selection, owned_services, prepare_with};
use super::report;
use super::{EXIT_FAILURE, EXIT_OK};
use crate::plan::{self, Action, EnvironmentPlan, Plan, ServicePlan};

/// Arguments of `mirage destroy`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The project directory.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// The environment to clear of everything Mirage owns.
    #[arg(long = "env", short = 'e', value_name = "ENV", required = true)]
    pub env: String,

    /// Use the built-in emulator (state under `DIR/.mirage/`).
    #[arg(long, conflicts_with = "endpoint")]
    pub local: bool,

    /// The Railway GraphQL endpoint; wins over `MIRAGE_RAILWAY_URL`.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    #[command(flatten)]
    pub limits: report::Limits,

    /// Destroy without asking (required when not on a terminal).
    #[arg(long)]
    pub auto_approve: bool,

    /// Wait up to this many seconds for another apply's lock.
    #[arg(long, value_name = "SECONDS")]
    pub lock_timeout: Option<u64>,
}

/// Run `mirage destroy`.
pub fn run(args: Args) -> ExitCode {
    super::plan::block_on(async {
        let selection = Selection {
            envs: vec![args.env.clone()],
            targets: Vec::new(),
            local: args.local,
        };
        let prepared =
            match prepare_with(&args.dir, &selection, Some(args.lock_timeout), false).await {
                Ok(prepared) => prepared,
                Err(code) => return code,
            };
        let Some(owned) = owned_services(&prepared.store, &prepared.plan.project) else {
            return ExitCode::from(EXIT_FAILURE);
        };
        let plan = destroy_plan(
            &prepared.plan,
            &prepared.model,
            prepared.snapshot.as_ref(),
            &owned,
            &args.env,
        );
        if !plan.has_changes() {
            // Not "no changes": the files may well differ from Railway;
            // what is true is that there is nothing of Mirage's here.
            report::write_stdout(&format!(
                "Nothing to destroy: Mirage owns nothing in `{}`.\n",
                args.env
            ));
            return ExitCode::from(EXIT_OK);
        }
        super::plan::print_text(&plan::render::text(&plan));
        let refusals = plan.protection_violations();
        if !refusals.is_empty() {
            report::print_error(&format!(
                "{}\n  help: remove `protect` from the files first if this is intended",
                refusals.join("\n")
            ));
            return ExitCode::from(EXIT_FAILURE);
        }
        if !args.auto_approve {
            if !std::io::stdin().is_terminal() {
                report::print_error(
                    "not destroying without confirmation\n  help: standard input is not a terminal; pass `--auto-approve`",
                );
                return ExitCode::from(EXIT_FAILURE);
            }
            report::write_stderr("Destroy these? Only `yes` is accepted: ");
            let mut answer = String::new();
            if std::io::stdin().read_line(&mut answer).is_err() || answer.trim() != "yes" {
                report::write_stderr("Destroy cancelled.\n");
                return ExitCode::from(EXIT_FAILURE);
            }
        }
        // A person who read the plan at the prompt gets the re-check.
        let recheck = !args.auto_approve;
        super::apply::execute(
            &prepared.connection.client,
            &prepared.store,
            &plan,
            &prepared.secrets,
            recheck,
            "Destroy",
        )
        .await
    })
}

/// A plan that removes every owned service instance in `env` that still
/// exists on Railway (and its volume there), deleting the service or volume
/// itself only where no other environment keeps it.
fn destroy_plan(
    base: &Plan,
    model: &crate::model::Project,
    snapshot: Option<&crate::railway::Snapshot>,
    owned: &plan::Owned,
    env: &str,
) -> Plan {
    let mut plan = Plan {
        create_project: false,
        environments: Vec::new(),
        unmanaged: Vec::new(),
        ..base.clone()
    };
    let (Some(snapshot), Some(actual)) = (snapshot, snapshot.and_then(|s| s.environment(env)))
    else {
        return plan;
    };
    let declared = model.environment(env);
    let services = actual
        .service_ids()
        .into_iter()
        .filter_map(|id| snapshot.service_name(id).map(|name| (id, name)))
        .filter(|(_, name)| {
            owned
                .services
                .contains(&(env.to_owned(), (*name).to_owned()))
        })
        .map(|(id, name)| {
            let mut service = ServicePlan::destroy(name, id, actual);
            service.protected = declared
                .and_then(|e| e.services.iter().find(|s| s.name == name))
                .is_some_and(|s| s.is_protected());
            service
        })
        .collect();
    plan.environments.push(EnvironmentPlan {
        name: env.to_owned(),
        action: Action::None,
        id: Some(actual.id.clone()),
        config_etag: Some(actual.config_etag.clone()),
        unmerged_changes_count: actual.unmerged_changes_count,
        protected: declared.is_some_and(|e| e.is_protected()),
        shared: Vec::new(),
        managed_shared: Vec::new(),
        services,
    });
    plan.settle_deletions(snapshot);
    plan
}
