//! `down` and `gc`: destroying previews — one pull request's, or those
//! past their TTL and the oldest beyond the template's `max_live` — and
//! nothing else: only the environment recorded as the preview, and in it
//! only what Mirage owns.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use super::preview_model;
use crate::engine::destroy::Target;
use crate::engine::{self, ApplyOptions, Context, Failure, Lock, Secrets, Selection};
use crate::plan::Action;
use crate::state::PreviewRecord;

/// What became of one preview being destroyed.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(tag = "fate", rename_all = "kebab-case")]
pub enum Fate {
    /// Its environment was destroyed and the record forgotten.
    Destroyed {
        /// The apply's summary.
        summary: String,
        /// Railway requests sent.
        requests: u64,
    },
    /// Railway no longer had its environment (removed by hand): the
    /// record was forgotten.
    Forgotten,
    /// Would be destroyed (`--dry-run`).
    Planned,
    /// Its environment was kept (something in it is not Mirage's): the
    /// record is kept too.
    Kept {
        /// Why.
        reason: String,
    },
    /// Destroying it failed: it is still recorded.
    Failed {
        /// What went wrong.
        message: String,
    },
}

impl Fate {
    /// Whether the preview is gone, as asked.
    pub fn is_success(&self) -> bool {
        matches!(
            self,
            Fate::Destroyed { .. } | Fate::Forgotten | Fate::Planned
        )
    }
}

/// One preview `down` or `gc` acted on, and what became of it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Handled {
    /// The preview as it was recorded.
    pub preview: PreviewRecord,
    /// Why `gc` collected it (`None` for `down`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<GcReason>,
    /// What became of it.
    pub fate: Fate,
}

/// What `down` did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DownOutcome {
    /// The pull request.
    pub number: u64,
    /// Each preview of it that was recorded, with its fate (none: there
    /// was no preview, and nothing was done).
    pub previews: Vec<Handled>,
}

/// Destroys the preview(s) of pull request `number` (of `template` only,
/// when given) in the project in `dir`. No recorded preview: nothing is
/// done (not an error).
pub async fn down(
    context: &Context,
    dir: &Path,
    number: u64,
    template: Option<&str>,
    lock_wait: Option<Duration>,
) -> Result<DownOutcome, Failure> {
    if number == 0 {
        return Err(Failure::usage(
            crate::diagnostic::Diagnostic::general(
                "mirage::preview::bad_number",
                "pull request number 0 is not a pull request",
            )
            .with_help("pass the pull request's number, e.g. `--pr 123`"),
        ));
    }
    let loaded = engine::load(dir)?;
    let store = engine::open_store(context, dir)?;
    let records: Vec<PreviewRecord> = store
        .previews(Some(&loaded.name))
        .map_err(|error| Failure::state(&error))?
        .into_iter()
        .filter(|p| p.number == number && template.is_none_or(|t| t == p.template))
        .collect();
    drop(store);
    let mut previews = Vec::new();
    for record in records {
        let fate = destroy(context, dir, &loaded, &record, lock_wait).await?;
        previews.push(Handled {
            preview: record,
            reason: None,
            fate,
        });
    }
    Ok(DownOutcome { number, previews })
}

/// Why `gc` destroys a preview.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum GcReason {
    /// Its TTL ran out.
    Expired,
    /// More than `max_live` previews of its template were live: it was
    /// the oldest.
    Evicted {
        /// The template's maximum.
        max_live: u32,
    },
    /// The files no longer declare its template.
    TemplateRemoved,
}

/// What `gc` did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct GcOutcome {
    /// Whether nothing was destroyed on purpose (`--dry-run`).
    pub dry_run: bool,
    /// Each preview collected, why, and what became of it.
    pub collected: Vec<Handled>,
    /// How many previews stay.
    pub kept: usize,
}

/// Destroys the previews of the project in `dir` whose TTL ran out (by
/// the context's clock), then the oldest beyond each template's
/// `max_live`, and those whose template the files no longer declare. With
/// `dry_run`, only says which.
pub async fn gc(
    context: &Context,
    dir: &Path,
    dry_run: bool,
    lock_wait: Option<Duration>,
) -> Result<GcOutcome, Failure> {
    let loaded = engine::load(dir)?;
    gc_loaded(context, dir, &loaded, dry_run, lock_wait).await
}

/// [`gc`] of the project in `dir` as already resolved (`loaded`).
pub async fn gc_loaded(
    context: &Context,
    dir: &Path,
    loaded: &engine::Loaded,
    dry_run: bool,
    lock_wait: Option<Duration>,
) -> Result<GcOutcome, Failure> {
    let store = engine::open_store(context, dir)?;
    let records = store
        .previews(Some(&loaded.name))
        .map_err(|error| Failure::state(&error))?;
    drop(store);
    let now = context.clock.now();
    let mut chosen: Vec<(PreviewRecord, GcReason)> = Vec::new();
    let mut live: BTreeMap<String, Vec<PreviewRecord>> = BTreeMap::new();
    for record in records {
        let template = loaded
            .project
            .templates()
            .find(|t| t.name == record.template);
        if template.is_none() {
            chosen.push((record, GcReason::TemplateRemoved));
        } else if record.expires_at.is_some_and(|at| at <= now) {
            chosen.push((record, GcReason::Expired));
        } else {
            live.entry(record.template.clone())
                .or_default()
                .push(record);
        }
    }
    let mut kept = 0;
    for (template, mut records) in live {
        let max_live = loaded
            .project
            .templates()
            .find(|t| t.name == template)
            .and_then(|t| t.preview.as_ref())
            .and_then(|s| s.max_live);
        // Oldest first: the store lists them so; made sure here.
        records.sort_by_key(|r| (r.created_at, r.number));
        let excess = max_live.map_or(0, |max| {
            records
                .len()
                .saturating_sub(usize::try_from(max).unwrap_or(usize::MAX))
        });
        for (index, record) in records.into_iter().enumerate() {
            match max_live {
                Some(max_live) if index < excess => {
                    chosen.push((record, GcReason::Evicted { max_live }));
                }
                _ => kept += 1,
            }
        }
    }
    let mut collected = Vec::new();
    for (record, reason) in chosen {
        let fate = if dry_run {
            Fate::Planned
        } else {
            destroy(context, dir, loaded, &record, lock_wait).await?
        };
        collected.push(Handled {
            preview: record,
            reason: Some(reason),
            fate,
        });
    }
    Ok(GcOutcome {
        dry_run,
        collected,
        kept,
    })
}

/// Destroys one recorded preview: prepares the project as that preview
/// sees it (its environment alone, locked), tears down what Mirage owns
/// in it — the environment itself when Mirage created it and nothing
/// else is in it — and forgets the record once the environment is gone.
/// Errors that concern this preview only are its [`Fate::Failed`]; `Err`
/// is for what stops every other one too (the files, the state database).
async fn destroy(
    context: &Context,
    dir: &Path,
    loaded: &engine::Loaded,
    record: &PreviewRecord,
    lock_wait: Option<Duration>,
) -> Result<Fate, Failure> {
    let failed = |failure: Failure| Fate::Failed {
        message: failure.messages(),
    };
    let reshaped = engine::Loaded {
        project: preview_model(&loaded.project, record),
        ..loaded.clone()
    };
    let lock = Lock::Take { wait: lock_wait };
    let mut session = match engine::prepare_loaded(
        context,
        dir,
        reshaped,
        &Selection::default(),
        lock,
        Secrets::Skip,
    )
    .await
    {
        Ok(session) => session,
        Err(failure) => return Ok(failed(failure)),
    };
    let forget = |store: &crate::state::Store| {
        store
            .forget_preview(&record.project, &record.template, record.number)
            .map_err(|error| Failure::state(&error))
    };
    let exists = session
        .snapshot
        .as_ref()
        .is_some_and(|s| s.environment(&record.environment).is_some());
    if !exists {
        forget(&session.store)?;
        session.release()?;
        return Ok(Fate::Forgotten);
    }
    let teardown =
        match engine::destroy::plan(&session, &Target::Environment(record.environment.clone())) {
            Ok(teardown) => teardown,
            Err(failure) => return Ok(failed(failure)),
        };
    let plan = teardown.plan;
    let deletes_environment = plan
        .environments
        .iter()
        .any(|e| e.name == record.environment && e.action == Action::Destroy);
    if let Err(failure) = engine::check_protected(&plan) {
        return Ok(failed(failure));
    }
    if !deletes_environment && !plan.has_changes() {
        session.release()?;
        return Ok(Fate::Kept {
            reason: teardown.kept.first().cloned().unwrap_or_else(|| {
                format!(
                    "Mirage owns nothing in environment `{}` in this state (`{}`)",
                    record.environment,
                    session.store.location()
                )
            }),
        });
    }
    let applied = engine::apply(context, &session, &plan, ApplyOptions::default()).await;
    let released = session.release();
    let applied = match applied {
        Ok(applied) => applied,
        Err(failure) => return Ok(failed(failure)),
    };
    released?;
    if !applied.succeeded {
        return Ok(Fate::Failed {
            message: format!("the teardown is incomplete: {}", applied.summary),
        });
    }
    if !deletes_environment {
        return Ok(Fate::Kept {
            reason: teardown
                .kept
                .first()
                .cloned()
                .unwrap_or_else(|| format!("environment `{}` is kept", record.environment)),
        });
    }
    forget(&session.store)?;
    // Every request of this teardown, its read of Railway included.
    Ok(Fate::Destroyed {
        summary: applied.summary,
        requests: session.connection.client.requests_sent(),
    })
}
