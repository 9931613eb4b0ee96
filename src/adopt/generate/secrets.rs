//! Which variables are secrets, and the name each secret's value is read
//! from.
//!
//! A variable is a secret when Railway seals it (`isSealed`), when its
//! name looks like one (`KEY`, `SECRET`, `TOKEN`, `PASSWORD`, `PASSWD`,
//! `CREDENTIAL`, `PRIVATE`, `SALT` anywhere in it, or ending in `PASS` or
//! `PWD`), or when its value is a URL with a password in it
//! (`postgres://user:pw@host`) — unless the value is one pure Railway
//! reference (`${{db.DATABASE_URL}}`, `${{ secret(32) }}`), which is kept
//! as written.
//!
//! Naming (the environment variable the user provides):
//! * one value wherever the name is used → the variable's own name
//!   (`STRIPE_KEY`);
//! * several values → per owner (the service, or `SHARED` for shared
//!   variables) when the owner has one value in every environment
//!   (`API_STRIPE_KEY`), else per owner and environment
//!   (`API_STAGING_STRIPE_KEY`); names are upper-cased, other characters
//!   become `_`;
//! * a name already taken by another value gets `_2`, `_3`, ….

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::{Owner, Raw};

/// Where secret values are read from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scheme {
    /// `(secret)"env:NAME"`: an environment variable at plan/apply time.
    #[default]
    Env,
    /// `(secret)"store:NAME"`: the secrets store.
    Store,
}

impl Scheme {
    /// `env` or `store`.
    pub fn prefix(self) -> &'static str {
        match self {
            Scheme::Env => "env",
            Scheme::Store => "store",
        }
    }
}

/// One value the user must provide.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    /// The reference written (`env:STRIPE_KEY`).
    pub reference: String,
    /// The name to provide it under (`STRIPE_KEY`).
    pub name: String,
    /// Where it is used: "`STRIPE_KEY` of `api` in `production`".
    pub uses: Vec<String>,
    /// Railway's value: never printed nor written; for the round-trip test
    /// and `import --generate`'s check of the written files.
    value: String,
}

impl Secret {
    /// The value Railway has (keep it out of every output).
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("reference", &self.reference)
            .field("uses", &self.uses)
            .field("value", &"(sensitive)")
            .finish()
    }
}

/// The names given to secrets.
#[derive(Clone, Debug, Default)]
pub(crate) struct Names {
    /// (owner, environment, variable) → location.
    by_use: BTreeMap<(Owner, String, String), String>,
    /// Every secret, by name.
    pub secrets: Vec<Secret>,
}

impl Names {
    /// The location (`env:NAME`) of variable `var` of `owner` in `env`.
    pub fn location(&self, owner: &Owner, env: &str, var: &str) -> Option<String> {
        self.by_use
            .get(&(owner.clone(), env.to_owned(), var.to_owned()))
            .cloned()
    }
}

/// Names every secret of `raw` ((owner, environment) → variables).
pub(crate) fn name(
    raw: &BTreeMap<(Owner, String), BTreeMap<String, Raw>>,
    scheme: Scheme,
) -> Names {
    // variable → owner → environment → value
    let mut uses: BTreeMap<&str, BTreeMap<&Owner, BTreeMap<&str, &str>>> = BTreeMap::new();
    for ((owner, env), vars) in raw {
        for (var, value) in vars {
            if let Raw::Secret(value) = value {
                uses.entry(var)
                    .or_default()
                    .entry(owner)
                    .or_default()
                    .insert(env, value);
            }
        }
    }
    let mut taken: BTreeMap<String, &str> = BTreeMap::new();
    let mut secrets: BTreeMap<String, Secret> = BTreeMap::new();
    let mut by_use = BTreeMap::new();
    for (var, owners) in &uses {
        let distinct: BTreeSet<&str> = owners.values().flat_map(|e| e.values().copied()).collect();
        for (owner, envs) in owners {
            let one_value = envs.values().collect::<BTreeSet<_>>().len() == 1;
            for (env, value) in envs {
                let wanted = if distinct.len() == 1 {
                    (*var).to_owned()
                } else {
                    let who = owner.as_deref().unwrap_or("shared");
                    if one_value {
                        format!("{}_{var}", upper(who))
                    } else {
                        format!("{}_{}_{var}", upper(who), upper(env))
                    }
                };
                let mut name = wanted.clone();
                let mut n = 1;
                while taken.get(&name).is_some_and(|v| v != value) {
                    n += 1;
                    name = format!("{wanted}_{n}");
                }
                taken.insert(name.clone(), value);
                let reference = format!("{}:{name}", scheme.prefix());
                let whose = match owner {
                    Some(service) => format!("`{var}` of `{service}` in `{env}`"),
                    None => format!("shared `{var}` in `{env}`"),
                };
                secrets
                    .entry(name.clone())
                    .or_insert_with(|| Secret {
                        reference: reference.clone(),
                        name: name.clone(),
                        uses: Vec::new(),
                        value: (*value).to_owned(),
                    })
                    .uses
                    .push(whose);
                by_use.insert(
                    ((*owner).clone(), (*env).to_owned(), (*var).to_owned()),
                    reference,
                );
            }
        }
    }
    Names {
        by_use,
        secrets: secrets.into_values().collect(),
    }
}

/// `api-v2` → `API_V2`.
fn upper(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Whether `value` is one Railway reference and nothing else.
pub fn is_reference(value: &str) -> bool {
    let Some(inner) = value
        .strip_prefix("${{")
        .and_then(|rest| rest.strip_suffix("}}"))
    else {
        return false;
    };
    !inner.contains("}}") && !inner.contains("${{") && !inner.trim().is_empty()
}

/// Whether a variable called `name` with `value` should be a secret
/// reference rather than written in clear: the one guess `import
/// --generate` and `clone --with-variables` share. A name that says so
/// (`*KEY*`, `*SECRET*`, `*TOKEN*`, `*PASSWORD*`, `*PASS`, …), a value shaped
/// like a credential (`sk_…`, `ghp_…`, `AKIA…`, a JWT, a private key), or a
/// URL with a password in it. A value that is one Railway reference is never
/// a secret: Railway resolves it.
pub fn looks_secret(name: &str, value: &str) -> bool {
    if value.is_empty() || is_reference(value) {
        return false;
    }
    let name = name.to_ascii_uppercase();
    const INSIDE: [&str; 8] = [
        "KEY",
        "SECRET",
        "TOKEN",
        "PASSWORD",
        "PASSWD",
        "CREDENTIAL",
        "PRIVATE",
        "SALT",
    ];
    const PREFIXES: [&str; 9] = [
        "sk_",
        "rk_",
        "ghp_",
        "gho_",
        "ghs_",
        "github_pat_",
        "xox",
        "AKIA",
        "eyJ",
    ];
    INSIDE.iter().any(|word| name.contains(word))
        || name.ends_with("PASS")
        || name.ends_with("PWD")
        || value.contains("PRIVATE KEY")
        || PREFIXES.iter().any(|p| value.starts_with(p))
        || has_url_password(value)
}

/// `scheme://user:password@host…`.
fn has_url_password(value: &str) -> bool {
    let Some((_, rest)) = value.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let Some((userinfo, _)) = authority.rsplit_once('@') else {
        return false;
    };
    userinfo
        .split_once(':')
        .is_some_and(|(_, password)| !password.is_empty() && !is_reference(password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_that_look_secret() {
        assert!(looks_secret("STRIPE_KEY", "sk_live_1"));
        assert!(looks_secret("db_pass", "x"));
        assert!(looks_secret("URL", "postgres://u:pw@h/db"));
        assert!(!looks_secret("URL", "postgres://u@h/db"));
        assert!(!looks_secret("LOG_LEVEL", "info"));
        assert!(looks_secret("X", "sk_live_1"));
        assert!(looks_secret("X", "-----BEGIN PRIVATE KEY-----"));
        assert!(!looks_secret("API_KEY", "${{shared.API_KEY}}"));
        assert!(!looks_secret("MODE", "fast"));
        assert!(is_reference("${{db.DATABASE_URL}}"));
        assert!(is_reference("${{ secret(32) }}"));
        assert!(!is_reference("x${{db.URL}}"));
        assert!(!is_reference("${{a.B}}${{c.D}}"));
    }

    fn raw(
        entries: &[(Option<&str>, &str, &str, &str)],
    ) -> BTreeMap<(Owner, String), BTreeMap<String, Raw>> {
        let mut out: BTreeMap<(Owner, String), BTreeMap<String, Raw>> = BTreeMap::new();
        for (owner, env, var, value) in entries {
            out.entry((owner.map(str::to_owned), (*env).to_owned()))
                .or_default()
                .insert((*var).to_owned(), Raw::Secret((*value).to_owned()));
        }
        out
    }

    #[test]
    fn one_value_keeps_the_name_several_values_are_named_by_owner_then_environment() {
        let names = name(
            &raw(&[
                (Some("api"), "production", "KEY", "a"),
                (Some("api"), "staging", "KEY", "a"),
                (Some("web"), "production", "KEY", "b"),
                (Some("web"), "staging", "KEY", "c"),
                (Some("api"), "production", "TOKEN", "t"),
                (Some("web"), "staging", "TOKEN", "t"),
            ]),
            Scheme::Env,
        );
        let at = |o: &str, e: &str, v: &str| names.location(&Some(o.into()), e, v).unwrap();
        assert_eq!(at("api", "staging", "KEY"), "env:API_KEY");
        assert_eq!(at("web", "production", "KEY"), "env:WEB_PRODUCTION_KEY");
        assert_eq!(at("web", "staging", "KEY"), "env:WEB_STAGING_KEY");
        assert_eq!(at("web", "staging", "TOKEN"), "env:TOKEN");
        let api_key = names.secrets.iter().find(|s| s.name == "API_KEY").unwrap();
        assert_eq!(api_key.uses.len(), 2);
        assert!(!format!("{:?}", names.secrets).contains("\"a\""));
    }
}
