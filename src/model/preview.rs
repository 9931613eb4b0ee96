//! Pull-request previews in the model: an ephemeral environment is a
//! *template*, never applied as itself; [`Project::preview`] makes the
//! concrete environment one pull request gets from it (`pr-123`).
//!
//! This is pure data: creating, updating and expiring previews on Railway
//! is the `preview` room's; the language's syntax for the template is the
//! resolver's.

use std::collections::{BTreeSet, VecDeque};
use std::ops::Range;

use super::{Environment, Project, Source, Valued, VarValue};
use crate::resolve::value::expand_domain;

/// The name pattern of previews when the template gives none:
/// `{template}-{number}`, so template `pr` makes `pr-123`.
pub const DEFAULT_NAME_PATTERN: &str = "{template}-{number}";

/// The placeholders of a name pattern: the template's name and the pull
/// request's number.
pub const NAME_PLACEHOLDERS: [&str; 2] = ["{template}", "{number}"];

/// The placeholders a preview expands in its variables' text (outside
/// `${{…}}` references): the pull request's number and head branch.
pub const VARIABLE_PLACEHOLDERS: [&str; 2] = ["{number}", "{branch}"];

/// What an ephemeral environment says about the previews made from it.
/// Mirage-only concept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewSettings {
    /// The name of each preview, with `{template}` and `{number}`
    /// placeholders ([`DEFAULT_NAME_PATTERN`] by default).
    pub name_pattern: String,
    /// How many previews of this template may be live at once; `gc`
    /// evicts the oldest beyond it. `None`: no limit.
    pub max_live: Option<u32>,
    /// The environment a preview is copied from on Railway
    /// (`environmentCreate(sourceEnvironmentId:)`); `None`: built from the
    /// files alone.
    pub source: Option<String>,
    /// The services a preview gets; `None`: every service of the template.
    pub services: Option<Vec<String>>,
    /// Whether draft pull requests get a preview.
    pub drafts: bool,
}

impl Default for PreviewSettings {
    fn default() -> Self {
        PreviewSettings {
            name_pattern: DEFAULT_NAME_PATTERN.to_owned(),
            max_live: None,
            source: None,
            services: None,
            drafts: false,
        }
    }
}

impl PreviewSettings {
    /// The name of the preview of pull request `number` made from
    /// template `template`.
    pub fn environment_name(&self, template: &str, number: u64) -> String {
        self.name_pattern
            .replace("{template}", template)
            .replace("{number}", &number.to_string())
    }

    /// The pull request number whose preview (of template `template`) is
    /// called `name`, if the pattern gives that name: `pr-12` → `12` with
    /// `{template}-{number}`. Numbers are written without leading zeros,
    /// as [`PreviewSettings::environment_name`] writes them.
    pub fn number_of(&self, template: &str, name: &str) -> Option<u64> {
        let (prefix, suffix) = self.parts(template)?;
        let digits = name.strip_prefix(&prefix)?.strip_suffix(&suffix)?;
        if digits.is_empty()
            || digits.starts_with('0')
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        digits.parse().ok()
    }

    /// A name that both this pattern (of template `template`) and
    /// `other`'s (of `other_template`) give, if there is one: two templates
    /// whose previews could be called the same would fight over one
    /// environment.
    pub fn overlap(
        &self,
        template: &str,
        other: &PreviewSettings,
        other_template: &str,
    ) -> Option<String> {
        let a = tokens(&self.name_pattern, template);
        let b = tokens(&other.name_pattern, other_template);
        common_word(&a, &b)
    }

    /// The text before and after `{number}` once `{template}` is
    /// replaced; `None` unless `{number}` appears exactly once.
    fn parts(&self, template: &str) -> Option<(String, String)> {
        let pattern = self.name_pattern.replace("{template}", template);
        let (prefix, suffix) = pattern.split_once("{number}")?;
        if suffix.contains("{number}") {
            return None;
        }
        Some((prefix.to_owned(), suffix.to_owned()))
    }
}

/// What is wrong with a name pattern: a reason and the byte range of the
/// pattern it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternProblem {
    /// Why the pattern is refused, one sentence.
    pub reason: String,
    /// Where in the pattern (bytes).
    pub range: Range<usize>,
    /// What kind of problem: `missing`, `twice`, `unknown`, `character`.
    pub kind: &'static str,
}

/// Checks a preview name pattern: `{number}` exactly once, no placeholder
/// but [`NAME_PLACEHOLDERS`], and otherwise the characters of an
/// environment name (letters, digits, `-`, `_`), so that every name it
/// gives is one Mirage (and Railway) accepts.
pub fn check_name_pattern(pattern: &str) -> Result<(), PatternProblem> {
    let mut numbers: Vec<Range<usize>> = Vec::new();
    let mut i = 0;
    while i < pattern.len() {
        let rest = &pattern[i..];
        if rest.starts_with('{') {
            let Some(close) = rest.find('}') else {
                return Err(PatternProblem {
                    reason: "a `{` without its `}`".into(),
                    range: i..pattern.len(),
                    kind: "unknown",
                });
            };
            let placeholder = &rest[..=close];
            if !NAME_PLACEHOLDERS.contains(&placeholder) {
                return Err(PatternProblem {
                    reason: format!(
                        "unknown placeholder `{placeholder}`; a name pattern holds `{{template}}` and `{{number}}`"
                    ),
                    range: i..i + placeholder.len(),
                    kind: "unknown",
                });
            }
            if placeholder == "{number}" {
                numbers.push(i..i + placeholder.len());
            }
            i += placeholder.len();
            continue;
        }
        let c = rest.chars().next().unwrap_or_default();
        if !(c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(PatternProblem {
                reason: format!(
                    "`{c}` cannot be part of an environment name (letters, digits, `-` and `_`)"
                ),
                range: i..i + c.len_utf8(),
                kind: "character",
            });
        }
        i += c.len_utf8();
    }
    match numbers.as_slice() {
        [] => Err(PatternProblem {
            reason: "the pattern has no `{number}`, so every pull request's preview would have the same name".into(),
            range: 0..pattern.len(),
            kind: "missing",
        }),
        [_] => Ok(()),
        [_, second, ..] => Err(PatternProblem {
            reason: "`{number}` appears more than once".into(),
            range: second.clone(),
            kind: "twice",
        }),
    }
}

/// A name pattern as characters and the number's place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Char(char),
    Number,
}

fn tokens(pattern: &str, template: &str) -> Vec<Token> {
    let pattern = pattern.replace("{template}", template);
    let mut out = Vec::new();
    let mut rest = pattern.as_str();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("{number}") {
            out.push(Token::Number);
            rest = after;
        } else {
            let c = rest.chars().next().unwrap_or_default();
            out.push(Token::Char(c));
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// A state of a pattern's automaton: before token `.0`; `.1`: inside the
/// number, with at least one digit read.
type State = (usize, bool);

/// The states reachable from `state` without reading: a number that has
/// its digits may end.
fn close(state: State) -> Vec<State> {
    let mut out = vec![state];
    if state.1 {
        out.push((state.0 + 1, false));
    }
    out
}

fn step(tokens: &[Token], (i, in_number): State, c: char) -> Option<State> {
    if in_number {
        return c.is_ascii_digit().then_some((i, true));
    }
    match tokens.get(i)? {
        Token::Char(t) => (*t == c).then_some((i + 1, false)),
        // A number has no leading zero.
        Token::Number => ('1'..='9').contains(&c).then_some((i, true)),
    }
}

/// The shortest word both patterns give (breadth first over the product
/// of their automata), if any.
fn common_word(a: &[Token], b: &[Token]) -> Option<String> {
    let mut alphabet: BTreeSet<char> = ['0', '1'].into_iter().collect();
    for t in a.iter().chain(b) {
        if let Token::Char(c) = t {
            alphabet.insert(*c);
        }
    }
    let mut seen: BTreeSet<(State, State)> = BTreeSet::new();
    let mut queue: VecDeque<((State, State), String)> = VecDeque::new();
    let start = ((0, false), (0, false));
    seen.insert(start);
    queue.push_back((start, String::new()));
    while let Some(((sa, sb), word)) = queue.pop_front() {
        for ca in close(sa) {
            for cb in close(sb) {
                if ca == (a.len(), false) && cb == (b.len(), false) {
                    return Some(word);
                }
                for &c in &alphabet {
                    if let (Some(na), Some(nb)) = (step(a, ca, c), step(b, cb, c))
                        && seen.insert((na, nb))
                    {
                        let mut next = word.clone();
                        next.push(c);
                        queue.push_back(((na, nb), next));
                    }
                }
            }
        }
    }
    None
}

/// `text` with `{number}` and `{branch}` replaced, except inside `${{…}}`
/// (Railway's references, whose names are never placeholders).
pub fn expand_variable_text(text: &str, number: u64, branch: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let (plain, reference, after) = match rest.find("${{") {
            Some(open) => {
                let end = rest[open..]
                    .find("}}")
                    .map_or(rest.len(), |close| open + close + 2);
                (&rest[..open], &rest[open..end], &rest[end..])
            }
            None => (rest, "", ""),
        };
        out.push_str(
            &plain
                .replace("{number}", &number.to_string())
                .replace("{branch}", branch),
        );
        out.push_str(reference);
        if after.is_empty() {
            return out;
        }
        rest = after;
    }
}

/// The pull request a preview is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    /// Its number.
    pub number: u64,
    /// Its head branch: what repo services in the preview deploy.
    pub branch: String,
    /// The head commit, when known.
    pub sha: Option<String>,
    /// The repository (`owner/name`) the pull request is in: only services
    /// built from it follow its branch. `None`: every repo service does.
    pub repo: Option<String>,
}

impl Environment {
    /// Whether this environment is a template for previews.
    pub fn is_template(&self) -> bool {
        self.ephemeral.as_ref().is_some_and(|e| e.value)
    }
}

impl Project {
    /// The environments that are templates for previews, in source order.
    pub fn templates(&self) -> impl Iterator<Item = &Environment> {
        self.environments.iter().filter(|e| e.is_template())
    }

    /// The project as one pull request's preview sees it: only the
    /// preview environment, named by the template's pattern, with the
    /// template's settings; repo services (of the pull request's
    /// repository) follow its head branch, and `{environment}` in custom
    /// domains becomes the preview's name. `None` if `template` is not a
    /// template of this project.
    pub fn preview(&self, template: &str, pr: &PullRequest) -> Option<Project> {
        let source = self
            .environments
            .iter()
            .find(|e| e.name == template && e.is_template())?;
        let settings = source.preview.clone().unwrap_or_default();
        let name = settings.environment_name(template, pr.number);
        let mut env = source.clone();
        env.name.clone_from(&name);
        env.ephemeral = None;
        if let Some(keep) = &settings.services {
            env.services.retain(|s| keep.contains(&s.name));
        }
        for service in &mut env.services {
            let origin = match service.source.as_ref() {
                Some(Valued {
                    value: Source::Repo(repo),
                    origin,
                }) if pr.repo.as_ref().is_none_or(|r| r == repo) => Some(
                    service
                        .branch
                        .as_ref()
                        .map_or_else(|| origin.clone(), |b| b.origin.clone()),
                ),
                _ => None,
            };
            if let Some(origin) = origin {
                service.branch = Some(Valued {
                    value: pr.branch.clone(),
                    origin,
                });
            }
            if let Some(domains) = &mut service.networking.custom_domains {
                for domain in &mut domains.value {
                    domain.domain = expand_domain(&domain.domain, &name);
                }
            }
            for value in service.variables.values_mut() {
                expand_variable(&mut value.value, pr);
            }
        }
        for value in env.shared_variables.values_mut() {
            expand_variable(&mut value.value, pr);
        }
        let mut project = self.clone();
        project.environments = vec![env];
        Some(project)
    }
}

/// `{number}` and `{branch}` of the pull request in a variable's text.
fn expand_variable(value: &mut VarValue, pr: &PullRequest) {
    match value {
        VarValue::Plain(text) | VarValue::Reference(text, _) => {
            if VARIABLE_PLACEHOLDERS.iter().any(|p| text.contains(p)) {
                *text = expand_variable_text(text, pr.number, &pr.branch);
            }
        }
        VarValue::Secret(_) | VarValue::Generated(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::analyze;
    use std::path::Path;

    fn project(text: &str) -> Project {
        let a = analyze(
            Path::new("/p"),
            vec![("/p/main.mirage".into(), text.to_owned())],
        );
        assert!(!a.has_errors(), "{:?}", a.diagnostics);
        a.project
    }

    const SHOP: &str = r##"project "shop"
service "db" {
    image "postgres:17"
    volume "/data"
}
service "api" {
    repo "acme/shop" branch="main"
    domain "api.{environment}.shop.example"
    vars {
        PR "#{number} on {branch}"
        SELF "${{RAILWAY_PUBLIC_DOMAIN}}/{number}"
    }
}
service "web" {
    repo "acme/web"
}
service "tool" {
    image "busybox:1"
}
environment "staging"
environment "pr" ephemeral=#true ttl="72h" {
    preview name="preview-{number}" max-live=5 source="staging" drafts=#true {
        services "api" "web" "db"
    }
    shared-vars {
        PREVIEW_NUMBER "{number}"
    }
    vars {
        PREVIEW_URL "https://${{api.RAILWAY_PUBLIC_DOMAIN}}"
    }
}
"##;

    fn pr(repo: Option<&str>) -> PullRequest {
        PullRequest {
            number: 42,
            branch: "feat/x".into(),
            sha: Some("abc1234".into()),
            repo: repo.map(str::to_owned),
        }
    }

    #[test]
    fn the_syntax_fills_the_settings() {
        let p = project(SHOP);
        let template = p.environment("pr").expect("pr");
        assert!(template.is_template());
        assert_eq!(
            template.preview,
            Some(PreviewSettings {
                name_pattern: "preview-{number}".into(),
                max_live: Some(5),
                source: Some("staging".into()),
                services: Some(vec!["api".into(), "web".into(), "db".into()]),
                drafts: true,
            })
        );
        assert_eq!(
            p.templates().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["pr"]
        );
        // An environment that is not ephemeral has no preview settings.
        assert_eq!(
            p.environment("staging").and_then(|e| e.preview.clone()),
            None
        );
    }

    #[test]
    fn without_a_preview_node_the_defaults_apply() {
        let p = project(
            "project \"p\"\nservice \"api\" {\n    image \"nginx:1\"\n}\nenvironment \"pr\" ephemeral=#true\n",
        );
        let template = p.environment("pr").expect("pr");
        assert_eq!(template.preview, Some(PreviewSettings::default()));
        let preview = p.preview("pr", &pr(None)).expect("a preview");
        assert_eq!(preview.environments[0].name, "pr-42");
        assert_eq!(preview.environments[0].services.len(), 1);
    }

    #[test]
    fn a_preview_is_the_template_for_one_pull_request() {
        let p = project(SHOP);
        let preview = p.preview("pr", &pr(Some("acme/shop"))).expect("a preview");
        assert_eq!(preview.environments.len(), 1);
        let env = &preview.environments[0];
        assert_eq!(env.name, "preview-42");
        assert!(!env.is_template(), "a preview is applied as itself");
        assert_eq!(env.ttl_seconds.as_ref().map(|t| t.value), Some(259_200));
        // The services subset, in declaration order.
        let names: Vec<&str> = env.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["db", "api", "web"]);
        // Only the pull request's repository follows its branch.
        let api = env.service("api").expect("api");
        assert_eq!(
            api.branch.as_ref().map(|b| b.value.as_str()),
            Some("feat/x")
        );
        let web = env.service("web").expect("web");
        assert_eq!(web.branch, None, "another repository keeps its branch");
        // `{environment}` in domains is the preview's name.
        let domains = api.networking.custom_domains.as_ref().expect("domains");
        assert_eq!(domains.value[0].domain, "api.preview-42.shop.example");
        // `{number}` and `{branch}` in variables, never inside references.
        assert_eq!(api.variables["PR"].value.display(), "#42 on feat/x");
        assert_eq!(
            api.variables["SELF"].value.display(),
            "${{RAILWAY_PUBLIC_DOMAIN}}/42"
        );
        assert_eq!(
            api.variables["PREVIEW_URL"].value.display(),
            "https://${{api.RAILWAY_PUBLIC_DOMAIN}}"
        );
        assert_eq!(env.shared_variables["PREVIEW_NUMBER"].value.display(), "42");
        // The template in the project itself is unchanged.
        let template = p.environment("pr").expect("pr");
        let api = template.service("api").expect("api");
        assert_eq!(api.variables["PR"].value.display(), "#{number} on {branch}");
        assert_eq!(api.branch.as_ref().map(|b| b.value.as_str()), Some("main"));
    }

    #[test]
    fn without_a_repository_every_repo_service_follows_the_branch() {
        let p = project(SHOP);
        let env = p
            .preview("pr", &pr(None))
            .expect("a preview")
            .environments
            .remove(0);
        for name in ["api", "web"] {
            let s = env.service(name).expect(name);
            assert_eq!(s.branch.as_ref().map(|b| b.value.as_str()), Some("feat/x"));
        }
        // An image service has no branch.
        assert_eq!(env.service("db").and_then(|s| s.branch.clone()), None);
    }

    #[test]
    fn only_templates_make_previews() {
        let p = project(SHOP);
        assert!(p.preview("staging", &pr(None)).is_none());
        assert!(p.preview("nope", &pr(None)).is_none());
    }

    #[test]
    fn name_patterns_are_checked() {
        assert_eq!(check_name_pattern("pr-{number}"), Ok(()));
        assert_eq!(check_name_pattern("{template}_{number}-x"), Ok(()));
        assert_eq!(check_name_pattern("{number}"), Ok(()));
        let kind = |p: &str| check_name_pattern(p).map_err(|e| (e.kind, e.range));
        assert_eq!(kind("pr"), Err(("missing", 0..2)));
        assert_eq!(kind("{number}-{number}"), Err(("twice", 9..17)));
        assert_eq!(kind("pr-{pr}"), Err(("unknown", 3..7)));
        assert_eq!(kind("pr-{number"), Err(("unknown", 3..10)));
        assert_eq!(kind("pr.{number}"), Err(("character", 2..3)));
        assert_eq!(kind("pr {number}"), Err(("character", 2..3)));
    }

    #[test]
    fn numbers_are_read_back_from_names() {
        let s = PreviewSettings::default();
        assert_eq!(s.number_of("pr", "pr-12"), Some(12));
        assert_eq!(s.number_of("pr", "pr-012"), None, "no leading zero");
        assert_eq!(s.number_of("pr", "pr-"), None);
        assert_eq!(s.number_of("pr", "pr-1x"), None);
        assert_eq!(s.number_of("pr", "pr"), None);
        assert_eq!(s.number_of("pr", "staging"), None);
        assert_eq!(s.environment_name("pr", 7), "pr-7");
        let bare = PreviewSettings {
            name_pattern: "{number}".into(),
            ..PreviewSettings::default()
        };
        assert_eq!(bare.number_of("pr", "123"), Some(123));
        assert_eq!(bare.number_of("pr", "staging"), None);
    }

    #[test]
    fn overlapping_patterns_are_found_with_an_example() {
        let pattern = |p: &str| PreviewSettings {
            name_pattern: p.into(),
            ..PreviewSettings::default()
        };
        let default = PreviewSettings::default();
        // Different templates, default patterns: `pr-1` and `review-1`.
        assert_eq!(default.overlap("pr", &default, "review"), None);
        // `{number}` alone in two templates.
        assert_eq!(
            pattern("{number}").overlap("a", &pattern("{number}"), "b"),
            Some("1".into())
        );
        // `pr-{number}` and `pr-1{number}`: `pr-11` is both.
        assert_eq!(
            pattern("pr-{number}").overlap("a", &pattern("pr-1{number}"), "b"),
            Some("pr-11".into())
        );
        // `x-{number}` and `x-{number}-y` never meet: a number holds no `-`.
        assert_eq!(
            pattern("x-{number}").overlap("a", &pattern("x-{number}-y"), "b"),
            None
        );
        // `{template}` of one is the literal of the other.
        assert_eq!(
            default.overlap("pr", &pattern("pr-{number}"), "other"),
            Some("pr-1".into())
        );
        // Digits against a digit after the number: `a{number}` and `a1{number}0`.
        assert!(
            pattern("a{number}")
                .overlap("x", &pattern("a1{number}0"), "y")
                .is_some()
        );
        assert_eq!(
            pattern("a{number}b").overlap("x", &pattern("a{number}c"), "y"),
            None
        );
    }

    #[test]
    fn variable_text_expands_outside_references_only() {
        assert_eq!(expand_variable_text("{number}", 7, "main"), "7");
        assert_eq!(
            expand_variable_text("${{number}}-{number}-{branch}", 7, "feat/x"),
            "${{number}}-7-feat/x"
        );
        assert_eq!(
            expand_variable_text("a ${{ api.URL }} b {branch} ${{x", 1, "b"),
            "a ${{ api.URL }} b b ${{x"
        );
        assert_eq!(
            expand_variable_text("{\"number\": 1}", 7, "m"),
            "{\"number\": 1}"
        );
    }
}
