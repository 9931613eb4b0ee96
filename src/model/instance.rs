//! An environment made from a template under a given name, with some of
//! its variables overridden: what `mirage serve` creates when a person asks
//! for an environment of their own ([`Project::instance`]). A pull
//! request's preview ([`Project::preview`]) is the other use of a
//! template; this one knows no pull request.

use std::collections::BTreeMap;

use super::{Project, VarValue};
use crate::resolve::value::expand_domain;

impl Project {
    /// The project as the environment `name` made from template
    /// `template` sees it: only that environment, with the template's
    /// settings and services (its `services` subset), `{environment}` in
    /// custom domains replaced by `name`, and each variable of
    /// `overrides` replacing the template's value wherever the template
    /// declares it (a service's variables or the shared ones; a name the
    /// template does not declare is ignored here — callers check). The
    /// pull-request placeholders (`{number}`, `{branch}`) are left as
    /// written: there is no pull request. `None` if `template` is not a
    /// template of this project.
    pub fn instance(
        &self,
        template: &str,
        name: &str,
        overrides: &BTreeMap<String, VarValue>,
    ) -> Option<Project> {
        let source = self
            .environments
            .iter()
            .find(|e| e.name == template && e.is_template())?;
        let settings = source.preview.clone().unwrap_or_default();
        let mut env = source.clone();
        env.name = name.to_owned();
        env.ephemeral = None;
        if let Some(keep) = &settings.services {
            env.services.retain(|s| keep.contains(&s.name));
        }
        for service in &mut env.services {
            if let Some(domains) = &mut service.networking.custom_domains {
                for domain in &mut domains.value {
                    domain.domain = expand_domain(&domain.domain, name);
                }
            }
            for (variable, value) in &mut service.variables {
                if let Some(new) = overrides.get(variable) {
                    value.value = new.clone();
                }
            }
        }
        for (variable, value) in &mut env.shared_variables {
            if let Some(new) = overrides.get(variable) {
                value.value = new.clone();
            }
        }
        let mut project = self.clone();
        project.environments = vec![env];
        Some(project)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SecretRef;
    use crate::resolve::analyze;
    use std::path::Path;

    const SHOP: &str = r##"project "shop"
service "api" {
    image "nginx:1"
    domain "api.{environment}.shop.example"
    vars {
        MODE "normal"
        KEY (secret)"env:KEY"
    }
}
service "tool" {
    image "busybox:1"
}
environment "staging"
environment "dev" ephemeral=#true ttl="24h" {
    preview {
        services "api"
    }
    shared-vars {
        COLOR "blue"
    }
}
"##;

    #[test]
    fn an_instance_is_the_template_under_a_name_with_overrides() {
        let a = analyze(
            Path::new("/p"),
            vec![("/p/main.mirage".into(), SHOP.to_owned())],
        );
        assert!(!a.has_errors(), "{:?}", a.diagnostics);
        let p = a.project;
        let overrides = BTreeMap::from([
            ("MODE".to_owned(), VarValue::Plain("debug".into())),
            ("COLOR".to_owned(), VarValue::Plain("red".into())),
            (
                "KEY".to_owned(),
                VarValue::Secret(SecretRef {
                    scheme: "env".into(),
                    location: "OTHER".into(),
                }),
            ),
        ]);
        let instance = p.instance("dev", "alice-1", &overrides).expect("made");
        let env = &instance.environments[0];
        assert_eq!(instance.environments.len(), 1);
        assert_eq!(env.name, "alice-1");
        assert!(!env.is_template());
        let names: Vec<&str> = env.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["api"]);
        let api = env.service("api").expect("api");
        assert_eq!(api.variables["MODE"].value.display(), "debug");
        assert!(
            matches!(&api.variables["KEY"].value, VarValue::Secret(s) if s.location == "OTHER")
        );
        assert_eq!(env.shared_variables["COLOR"].value.display(), "red");
        let domains = api.networking.custom_domains.as_ref().expect("domains");
        assert_eq!(domains.value[0].domain, "api.alice-1.shop.example");
        // The template is unchanged, and only templates make instances.
        let template = p.environment("dev").expect("dev");
        assert_eq!(template.shared_variables["COLOR"].value.display(), "blue");
        assert!(p.instance("staging", "x", &BTreeMap::new()).is_none());
        // Without overrides, the same as a preview's environment but the name.
        let plain = p.instance("dev", "bob", &BTreeMap::new()).expect("made");
        assert_eq!(
            plain.environments[0].service("api").expect("api").variables["MODE"]
                .value
                .display(),
            "normal"
        );
    }
}
