//! Change sets: the input of `environmentPreviewChangeSet` and
//! `environmentApplyChangeSet`, which the official CLI's `railway config`
//! engine sends (`{version: 1, changes: [...], diagnostics: [...]}`).
//!
//! Each change names a resource by address (`service.web`, `database.db`,
//! `volume.data`, `bucket.files`) and is one of `resource.create`,
//! `resource.update` (one `field`: `name`, `source`, `build`, `deploy`,
//! `networking`, `config`, `volumeAttachments`, `groupId`),
//! `resource.delete`, `variable.set` and `variable.delete`. The emulator
//! turns the whole set into one patch of the environment's config, so it
//! goes through the same rules as every other write; a refused patch fails
//! every change and changes nothing. What Railway does with each kind is
//! read from the CLI's engine; the details are the emulator's choices
//! (`docs/railway-assumptions.md`, "Change sets").

use serde_json::{Map, Value, json};

use super::extras::{BucketRec, ChangeResult, ChangeSetApplyRec, check_resource_name};
use super::ops::{ApiError, ApiResult, Tick, commit_patch, environment, stage_changes};
use super::render::raw_variables;
use super::state::{ServiceRec, State, VolumeRec};

/// What a preview answers.
pub struct Preview {
    /// The change set with the changes that would do nothing left out.
    pub change_set: Value,
    /// The set's own diagnostics plus the emulator's.
    pub diagnostics: Value,
    /// For each change kept: its address and whether it redeploys.
    pub effects: Value,
}

fn changes_of(input: &Value) -> ApiResult<&Vec<Value>> {
    if input.get("version").and_then(Value::as_u64) != Some(1) {
        return Err(ApiError::BadInput(
            "`input` is not a change set: `version` must be 1".into(),
        ));
    }
    input
        .get("changes")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::BadInput("`input.changes` must be a list".into()))
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// `service.web` → (`service`, `web`).
fn split_address(address: &str) -> Option<(&str, &str)> {
    address.split_once('.')
}

/// What an address points at in the project.
enum Target {
    Service(String),
    Volume(String),
    Bucket(String),
}

fn resolve(st: &State, project_id: &str, address: &str) -> Option<Target> {
    let (kind, name) = split_address(address)?;
    match kind {
        "service" | "database" => st
            .project_services(project_id)
            .into_iter()
            .find(|s| s.name == name)
            .map(|s| Target::Service(s.id.clone())),
        "volume" => st
            .project_volumes(project_id)
            .into_iter()
            .find(|v| v.name == name)
            .map(|v| Target::Volume(v.id.clone())),
        "bucket" => st
            .extras
            .buckets
            .values()
            .find(|b| b.project_id == project_id && b.name == name)
            .map(|b| Target::Bucket(b.id.clone())),
        _ => None,
    }
}

/// A variable of the CLI's graph as the text Railway stores: a literal's
/// value, a reference as `${{name.OUTPUT}}`, a shared reference as
/// `${{shared.NAME}}`; `None` for `preserve()` (leave it as it is).
fn variable_text(value: &Value) -> Result<Option<String>, String> {
    match value {
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Object(_) => match str_of(value, "type") {
            Some("preserve") => Ok(None),
            Some("literal") => match value.get("value") {
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Null) | None => Ok(Some(String::new())),
                Some(other) => Ok(Some(other.to_string())),
            },
            Some("reference") => {
                let resource = str_of(value, "resource").unwrap_or("");
                let name = split_address(resource).map_or(resource, |(_, n)| n);
                let output = str_of(value, "output").unwrap_or("");
                Ok(Some(format!("${{{{{name}.{output}}}}}")))
            }
            Some("sharedReference") => Ok(Some(format!(
                "${{{{shared.{}}}}}",
                str_of(value, "name").unwrap_or("")
            ))),
            other => Err(format!("unknown variable kind `{}`", other.unwrap_or("?"))),
        },
        _ => Err("a variable must be a string or an object".into()),
    }
}

/// The graph's `source` as the config's: `{type: image, image}` →
/// `{image}`, `{type: repo, repo, branch}` → `{repo, branch}`.
fn config_source(source: &Value) -> Value {
    let mut out = source.as_object().cloned().unwrap_or_default();
    out.remove("type");
    Value::Object(out)
}

/// A section patch taking `before` to `after`: keys of `before` missing
/// from `after` become `null`.
fn section_patch(before: &Value, after: &Value) -> Value {
    let mut out = after.as_object().cloned().unwrap_or_default();
    if let Some(old) = before.as_object() {
        for k in old.keys() {
            out.entry(k.clone()).or_insert(Value::Null);
        }
    }
    if after.is_null() && !before.is_object() {
        return Value::Null;
    }
    Value::Object(out)
}

/// Mutable working state of one translation.
struct Work<'a> {
    st: &'a mut State,
    t: &'a mut Tick,
    project_id: String,
    patch: Value,
    results: Vec<ChangeResult>,
    diagnostics: Vec<Value>,
}

impl Work<'_> {
    fn service_entry(&mut self, id: &str) -> &mut Map<String, Value> {
        let services = self.patch["services"]
            .as_object_mut()
            .expect("the patch has a services map");
        services
            .entry(id.to_string())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("a service entry is an object")
    }

    fn fail(&mut self, change: &Value, message: String) {
        self.diagnostics.push(json!({
            "severity": "error",
            "path": str_of(change, "path").unwrap_or(""),
            "message": message,
        }));
        self.results.push(result(change, "failed", None));
    }

    /// Translates one change into the patch (and records); `Err` is why it
    /// cannot be carried out.
    fn change(&mut self, change: &Value) -> Result<Option<Value>, String> {
        let kind = str_of(change, "kind").unwrap_or("");
        let address = str_of(change, "address").ok_or("the change has no `address`")?;
        let (res_kind, name) = split_address(address).ok_or("the address has no type")?;
        match kind {
            "resource.create" => self.create(
                res_kind,
                name,
                change.get("resource").unwrap_or(&Value::Null),
            ),
            "resource.update" => {
                let target = resolve(self.st, &self.project_id, address)
                    .ok_or_else(|| format!("`{address}` does not exist"))?;
                self.update(target, change)?;
                Ok(None)
            }
            "resource.delete" => {
                let target = resolve(self.st, &self.project_id, address)
                    .ok_or_else(|| format!("`{address}` does not exist"))?;
                let (key, id) = match target {
                    Target::Service(id) => ("services", id),
                    Target::Volume(id) => ("volumes", id),
                    Target::Bucket(id) => ("buckets", id),
                };
                let map = self.patch.as_object_mut().expect("the patch is an object");
                let section = map.entry(key).or_insert_with(|| json!({}));
                section[&id] = json!({"isDeleted": true});
                Ok(None)
            }
            "variable.set" | "variable.delete" => {
                let Some(Target::Service(id)) = resolve(self.st, &self.project_id, address) else {
                    return Err(format!("`{address}` is not a service of this project"));
                };
                let var = str_of(change, "variable").ok_or("the change has no `variable`")?;
                let value = if kind == "variable.set" {
                    match variable_text(change.get("after").unwrap_or(&Value::Null))? {
                        Some(text) => json!({"value": text}),
                        None => return Ok(None),
                    }
                } else {
                    Value::Null
                };
                let entry = self.service_entry(&id);
                let vars = entry.entry("variables").or_insert_with(|| json!({}));
                vars[var] = value;
                Ok(None)
            }
            other => Err(format!("unknown change kind `{other}`")),
        }
    }

    fn create(
        &mut self,
        kind: &str,
        name: &str,
        resource: &Value,
    ) -> Result<Option<Value>, String> {
        if resolve(self.st, &self.project_id, &format!("{kind}.{name}")).is_some() {
            return Err(format!("`{kind}.{name}` already exists"));
        }
        check_resource_name(kind, name).map_err(message)?;
        let seq = self.st.next_seq();
        let id = self.t.rng.uuid();
        match kind {
            "service" | "database" => {
                super::limits::check_new_service(self.st, &self.project_id).map_err(message)?;
                self.st.services.insert(
                    id.clone(),
                    ServiceRec {
                        id: id.clone(),
                        project_id: self.project_id.clone(),
                        name: name.to_string(),
                        icon: None,
                        template_id: None,
                        template_service_id: str_of(resource, "templateServiceId")
                            .map(str::to_string),
                        created_at: self.t.now,
                        updated_at: self.t.now,
                        seq,
                    },
                );
                let mut entry = Map::new();
                if let Some(source) = resource.get("source").filter(|s| s.is_object()) {
                    entry.insert("source".into(), config_source(source));
                } else if let Some(image) = str_of(resource, "image") {
                    entry.insert("source".into(), json!({"image": image}));
                }
                for key in ["build", "deploy", "networking"] {
                    if let Some(v) = resource.get(key).filter(|v| v.is_object()) {
                        entry.insert(key.into(), v.clone());
                    }
                }
                if let Some(vars) = resource.get("variables").and_then(Value::as_object) {
                    let mut out = Map::new();
                    for (k, v) in vars {
                        if let Some(text) = variable_text(v)? {
                            out.insert(k.clone(), json!({"value": text}));
                        }
                    }
                    entry.insert("variables".into(), Value::Object(out));
                }
                self.patch["services"][&id] = Value::Object(entry);
                if let Some(att) = resource.get("volumeAttachments") {
                    self.attachments(&id, &Value::Null, att)?;
                }
            }
            "volume" => {
                let mount = resource
                    .get("config")
                    .and_then(|c| c.get("mountPath"))
                    .and_then(Value::as_str)
                    .unwrap_or("/data");
                self.st.volumes.insert(
                    id.clone(),
                    VolumeRec {
                        id: id.clone(),
                        project_id: self.project_id.clone(),
                        name: name.to_string(),
                        mount_path: mount.to_string(),
                        created_at: self.t.now,
                        seq,
                    },
                );
                let mut cfg = resource
                    .get("config")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                cfg.remove("mountPath");
                cfg.entry("sizeMB")
                    .or_insert(json!(super::views::DEFAULT_VOLUME_MB));
                let map = self.patch.as_object_mut().expect("object");
                map.entry("volumes").or_insert_with(|| json!({}))[&id] = Value::Object(cfg);
            }
            "bucket" => {
                self.st.extras.buckets.insert(
                    id.clone(),
                    BucketRec {
                        id: id.clone(),
                        project_id: self.project_id.clone(),
                        name: name.to_string(),
                        created_at: self.t.now,
                        seq,
                    },
                );
                let cfg = resource.get("config").cloned().unwrap_or_else(|| json!({}));
                let map = self.patch.as_object_mut().expect("object");
                map.entry("buckets").or_insert_with(|| json!({}))[&id] = cfg;
            }
            other => return Err(format!("cannot create a `{other}`")),
        }
        Ok(Some(json!({"id": id})))
    }

    fn update(&mut self, target: Target, change: &Value) -> Result<(), String> {
        let field = str_of(change, "field").ok_or("the change has no `field`")?;
        let before = change.get("before").unwrap_or(&Value::Null);
        let after = change.get("after").unwrap_or(&Value::Null);
        match (target, field) {
            (_, "groupId") => Ok(()),
            (Target::Service(id), "name") => {
                let name = after.as_str().ok_or("the new name must be a string")?;
                check_resource_name("service", name).map_err(message)?;
                super::ops::update_service(self.st, self.t, &id, Some(name.to_string()), None)
                    .map(|_| ())
                    .map_err(message)
            }
            (Target::Volume(id), "name") => {
                let name = after.as_str().ok_or("the new name must be a string")?;
                super::extras::rename_volume(self.st, &id, name).map_err(message)
            }
            (Target::Bucket(id), "name") => {
                let name = after.as_str().ok_or("the new name must be a string")?;
                super::extras::rename_bucket(self.st, &id, name)
                    .map(|_| ())
                    .map_err(message)
            }
            (Target::Service(id), "source") => {
                let p = section_patch(&config_source(before), &config_source(after));
                self.service_entry(&id).insert("source".into(), p);
                Ok(())
            }
            (Target::Service(id), "build" | "deploy") => {
                let p = section_patch(before, after);
                self.service_entry(&id).insert(field.into(), p);
                Ok(())
            }
            (Target::Service(id), "networking") => {
                // A sparse patch: what the block leaves out stays.
                let mut p = after.as_object().cloned().unwrap_or_default();
                p.remove("customDomains");
                self.service_entry(&id)
                    .insert("networking".into(), Value::Object(p));
                Ok(())
            }
            (Target::Service(id), "volumeAttachments") => self.attachments(&id, before, after),
            (Target::Volume(id), "config") | (Target::Bucket(id), "config") => {
                let key = if self.st.volumes.contains_key(&id) {
                    "volumes"
                } else {
                    "buckets"
                };
                let p = section_patch(before, after);
                let map = self.patch.as_object_mut().expect("object");
                map.entry(key).or_insert_with(|| json!({}))[&id] = p;
                Ok(())
            }
            (_, other) => Err(format!("cannot change `{other}` of this resource")),
        }
    }

    /// `volumeAttachments: {"volume.data": {"mountPath": "/data"}}` as the
    /// service's `volumeMounts`.
    fn attachments(
        &mut self,
        service_id: &str,
        before: &Value,
        after: &Value,
    ) -> Result<(), String> {
        let mut mounts = Map::new();
        for (address, mount) in after.as_object().into_iter().flatten() {
            let Some(Target::Volume(vid)) = resolve(self.st, &self.project_id, address) else {
                return Err(format!("`{address}` is not a volume of this project"));
            };
            let path = mount
                .get("mountPath")
                .or_else(|| mount.get("path"))
                .and_then(Value::as_str)
                .or_else(|| mount.as_str())
                .ok_or_else(|| format!("the attachment of `{address}` has no mount path"))?;
            mounts.insert(vid, json!({"mountPath": path}));
        }
        for address in before.as_object().into_iter().flatten().map(|(k, _)| k) {
            if after.get(address).is_none()
                && let Some(Target::Volume(vid)) = resolve(self.st, &self.project_id, address)
            {
                mounts.insert(vid, Value::Null);
            }
        }
        self.service_entry(service_id)
            .insert("volumeMounts".into(), Value::Object(mounts));
        Ok(())
    }
}

fn message(e: ApiError) -> String {
    match e {
        ApiError::NotAuthorized => "Not Authorized".into(),
        ApiError::NotFound(m) | ApiError::BadInput(m) => m,
    }
}

fn result(change: &Value, status: &str, outputs: Option<Value>) -> ChangeResult {
    ChangeResult {
        kind: str_of(change, "kind").unwrap_or("").to_string(),
        path: str_of(change, "path").map(str::to_string),
        summary: str_of(change, "summary").map(str::to_string),
        status: status.to_string(),
        outputs,
    }
}

/// Translates every change into `work`; returns whether all could be.
fn translate(work: &mut Work<'_>, changes: &[Value]) -> bool {
    let mut ok = true;
    for change in changes {
        match work.change(change) {
            Ok(outputs) => work.results.push(result(change, "applied", outputs)),
            Err(e) => {
                ok = false;
                work.fail(change, e);
            }
        }
    }
    ok
}

/// Whether a `variable.set` would leave the variable as it is.
fn is_noop(st: &State, env_id: &str, project_id: &str, change: &Value) -> bool {
    if str_of(change, "kind") != Some("variable.set") {
        return false;
    }
    let Some(address) = str_of(change, "address") else {
        return false;
    };
    let Some(Target::Service(sid)) = resolve(st, project_id, address) else {
        return false;
    };
    let Some(env) = st.environments.get(env_id) else {
        return false;
    };
    let Some(var) = str_of(change, "variable") else {
        return false;
    };
    let current = raw_variables(env, Some(&sid));
    match variable_text(change.get("after").unwrap_or(&Value::Null)) {
        Ok(None) => true,
        Ok(Some(text)) => current.get(var).and_then(Value::as_str) == Some(text.as_str()),
        Err(_) => false,
    }
}

fn deploy_effect(change: &Value) -> Value {
    json!({
        "address": str_of(change, "address"),
        "deployEffect": str_of(change, "deployEffect").unwrap_or("none"),
    })
}

/// `environmentPreviewChangeSet`: drops the changes that would do nothing
/// (compared with the decrypted config, which the CLI cannot read) and
/// reports what the rest would fail on, without changing anything.
pub fn preview(st: &State, env_id: &str, input: &Value) -> ApiResult<Preview> {
    let changes = changes_of(input)?;
    let project_id = environment(st, env_id)?.project_id.clone();
    let kept: Vec<Value> = changes
        .iter()
        .filter(|c| !is_noop(st, env_id, &project_id, c))
        .cloned()
        .collect();
    let mut draft = st.clone();
    let mut tick = Tick {
        now: 0,
        step_ms: 0,
        rng: super::clock::SplitMix::new(0),
    };
    let mut work = Work {
        st: &mut draft,
        t: &mut tick,
        project_id: project_id.clone(),
        patch: json!({"services": {}}),
        results: vec![],
        diagnostics: vec![],
    };
    translate(&mut work, &kept);
    let mut diagnostics = work.diagnostics;
    if diagnostics.is_empty() {
        let patch = work.patch;
        if let Err(e) = commit_patch(&mut draft, &mut tick, env_id, &patch, None, true) {
            diagnostics.push(json!({"severity": "error", "path": "", "message": message(e)}));
        }
    }
    let mut all = input
        .get("diagnostics")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    all.extend(diagnostics);
    let mut change_set = input.clone();
    change_set["changes"] = Value::Array(kept.clone());
    Ok(Preview {
        change_set,
        diagnostics: Value::Array(all),
        effects: Value::Array(kept.iter().map(deploy_effect).collect()),
    })
}

/// `environmentApplyChangeSet`: refused (nothing changes) when
/// `base_etag` is given and is not the environment's `configEtag`; staged
/// when the environment has staged changes, committed otherwise. A change
/// that cannot be carried out fails the whole set (`failed`, nothing
/// changed). Without `wait` the result reads `applying` for one
/// deployment step.
pub fn apply(
    st: &mut State,
    t: &mut Tick,
    env_id: &str,
    input: &Value,
    base_etag: Option<&str>,
    message_text: Option<String>,
    wait: bool,
) -> ApiResult<ChangeSetApplyRec> {
    let changes = changes_of(input)?.clone();
    let env = environment(st, env_id)?;
    if let Some(etag) = base_etag
        && etag != env.config.etag()
    {
        return Err(ApiError::BadInput(format!(
            "the environment's config changed since `baseConfigEtag` `{etag}` was read; read it again and retry"
        )));
    }
    let project_id = env.project_id.clone();
    let stage = env
        .staged
        .as_ref()
        .is_some_and(|p| super::patch::count_changes(&p.patch) > 0);
    let backup = st.clone();
    let deployments_before: std::collections::BTreeSet<String> =
        st.deployments.keys().cloned().collect();
    let mut work = Work {
        st,
        t,
        project_id,
        patch: json!({"services": {}}),
        results: vec![],
        diagnostics: vec![],
    };
    let ok = translate(&mut work, &changes);
    let Work {
        st,
        t,
        patch,
        mut results,
        mut diagnostics,
        ..
    } = work;
    let mut status = "applied";
    let mut staged_patch_id = None;
    if ok {
        let outcome = if stage {
            stage_changes(st, t, env_id, &patch, true).map(|p| Some(p.id))
        } else {
            commit_patch(st, t, env_id, &patch, message_text, false).map(|_| None)
        };
        match outcome {
            Ok(id) => {
                if id.is_some() {
                    status = "staged";
                    staged_patch_id = id;
                }
            }
            Err(e) => {
                diagnostics.push(json!({"severity": "error", "path": "", "message": message(e)}));
                for r in &mut results {
                    r.status = "failed".into();
                }
                status = "failed";
            }
        }
    } else {
        for r in &mut results {
            if r.status == "applied" {
                r.status = "skipped".into();
            }
        }
        status = "failed";
    }
    if status == "failed" {
        *st = backup;
    }
    let deployment_id = st
        .deployments
        .values()
        .filter(|d| !deployments_before.contains(&d.id))
        .min_by_key(|d| d.seq)
        .map(|d| d.id.clone());
    let rec = ChangeSetApplyRec {
        id: t.rng.uuid(),
        environment_id: env_id.to_string(),
        status: status.to_string(),
        staged_patch_id,
        deployment_id,
        diagnostics: Value::Array(diagnostics),
        changes: results,
        created_at: t.now,
        done_at: if wait {
            t.now
        } else {
            t.now + t.step_ms as i64
        },
    };
    st.extras.change_sets.insert(rec.id.clone(), rec.clone());
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_become_railway_text() {
        assert_eq!(variable_text(&json!("x")), Ok(Some("x".into())));
        assert_eq!(
            variable_text(&json!({"type": "literal", "value": "v"})),
            Ok(Some("v".into()))
        );
        assert_eq!(
            variable_text(
                &json!({"type": "reference", "resource": "database.db", "output": "URL"})
            ),
            Ok(Some("${{db.URL}}".into()))
        );
        assert_eq!(
            variable_text(&json!({"type": "sharedReference", "name": "K"})),
            Ok(Some("${{shared.K}}".into()))
        );
        assert_eq!(variable_text(&json!({"type": "preserve"})), Ok(None));
        assert!(variable_text(&json!({"type": "secret"})).is_err());
    }

    #[test]
    fn section_patches_null_what_is_gone() {
        assert_eq!(
            section_patch(&json!({"a": 1, "b": 2}), &json!({"b": 3})),
            json!({"b": 3, "a": null})
        );
    }

    #[test]
    fn a_set_must_be_version_one() {
        assert!(changes_of(&json!({"version": 2, "changes": []})).is_err());
        assert!(changes_of(&json!({"version": 1})).is_err());
        assert!(changes_of(&json!({"version": 1, "changes": []})).is_ok());
    }
}
