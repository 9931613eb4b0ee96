//! The declarations around the settings: the top level of a file, the
//! `project` block and an environment's `preview` block, with their
//! properties. `resolve::decl` reads names and
//! property types from here; the language server its documentation.

use super::{Args, NameKind, Prop, Type};

/// Where a declaration node is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The top of a file.
    TopLevel,
    /// Inside `project "…" { }`.
    Project,
    /// At the top of an `environment` block (not a layer's).
    Environment,
    /// Inside an environment's `preview { }`.
    Preview,
}

/// A node that is not a setting of a service.
#[derive(Debug, Clone, Copy)]
pub struct Decl {
    /// The node name.
    pub name: &'static str,
    /// Where it is written.
    pub place: Place,
    /// How it is written.
    pub example: &'static str,
    /// What it means.
    pub doc: &'static str,
    /// What it is on Railway, or `Mirage-only`.
    pub railway: &'static str,
    /// Its arguments.
    pub args: Args,
    /// Its properties.
    pub props: &'static [Prop],
}

/// Railway's plans (`plan "pro"` in a project), as `model::Plan::ALL`.
pub const PLANS: &[&str] = &["free", "trial", "hobby", "pro", "enterprise"];

const fn prop(name: &'static str, ty: Type, doc: &'static str) -> Prop {
    Prop { name, ty, doc }
}

/// Every declaration: the top level, the `project` block, then an
/// environment's `preview` and what it holds.
pub static DECLS: &[Decl] = &[
    Decl {
        name: "project",
        place: Place::TopLevel,
        example: "project \"name\" { workspace \"…\"; region \"…\" }",
        doc: "The Railway project, by name. Exactly one per directory.",
        railway: "the project",
        args: Args::One(Type::Str),
        props: &[],
    },
    Decl {
        name: "import",
        place: Place::TopLevel,
        example: "import \"std/postgres\"",
        doc: "Load a standard-library module or another `.mirage` file.",
        railway: "Mirage-only",
        args: Args::One(Type::Import),
        props: &[],
    },
    Decl {
        name: "template",
        place: Place::TopLevel,
        example: "template \"name\" extends=\"other\" { settings }",
        doc: "A reusable service shape.",
        railway: "Mirage-only",
        args: Args::One(Type::Str),
        props: &[prop(
            "extends",
            Type::Name(NameKind::Template),
            "The template this one builds on.",
        )],
    },
    Decl {
        name: "service",
        place: Place::TopLevel,
        example: "service \"name\" from=\"template\" { settings }",
        doc: "A Railway service, present in every environment. Inside a layer or environment: settings for that service only.",
        railway: "a service",
        args: Args::One(Type::Str),
        props: &[prop(
            "from",
            Type::Name(NameKind::Template),
            "The template this service starts from.",
        )],
    },
    Decl {
        name: "layer",
        place: Place::TopLevel,
        example: "layer \"name\" extends=\"other\" { settings }",
        doc: "A configuration layer shared by environments.",
        railway: "Mirage-only",
        args: Args::One(Type::Str),
        props: &[prop(
            "extends",
            Type::Name(NameKind::Layer),
            "The layer this one builds on.",
        )],
    },
    Decl {
        name: "environment",
        place: Place::TopLevel,
        example: "environment \"name\" layer=\"l\" ephemeral=#true ttl=\"72h\" { settings }",
        doc: "A Railway environment.",
        railway: "an environment",
        args: Args::One(Type::Str),
        props: &[
            prop(
                "layer",
                Type::Name(NameKind::Layer),
                "The environment's layer; its `extends` chain is followed to the root.",
            ),
            prop(
                "ephemeral",
                Type::Bool,
                "A template for previews (`pr-1234` per pull request): never applied as itself; `preview { }` says what previews get.",
            ),
            prop(
                "ttl",
                Type::Duration,
                "How long a preview lives without a push (a duration).",
            ),
        ],
    },
    Decl {
        name: "moved",
        place: Place::TopLevel,
        example: "moved service=\"old\" to=\"new\"",
        doc: "A rename: the plan renames the service (or `environment=`) on Railway, keeping its id and volumes, instead of destroying and creating it.",
        railway: "serviceUpdate / environmentRename",
        args: Args::None,
        props: &[
            prop(
                "service",
                Type::Str,
                "The service's old name, as on Railway.",
            ),
            prop(
                "environment",
                Type::Str,
                "The environment's old name, as on Railway.",
            ),
            prop(
                "to",
                Type::Str,
                "The new name, as the files declare it now.",
            ),
        ],
    },
    Decl {
        name: "workspace",
        place: Place::Project,
        example: "workspace \"acme\"",
        doc: "The Railway workspace (team) of the project.",
        railway: "workspace",
        args: Args::One(Type::Str),
        props: &[],
    },
    Decl {
        name: "region",
        place: Place::Project,
        example: "region \"us-west2\"",
        doc: "The default region of every service instance.",
        railway: "deploy.multiRegionConfig",
        args: Args::One(Type::Region),
        props: &[],
    },
    Decl {
        name: "plan",
        place: Place::Project,
        example: "plan \"pro\"",
        doc: "The Railway plan of the workspace: `mirage check` holds the project to its limits (volume sizes, restart policies). Without it, Pro's limits are assumed.",
        railway: "Mirage-only",
        args: Args::One(Type::OneOf(PLANS)),
        props: &[],
    },
    Decl {
        name: "shared-vars",
        place: Place::Project,
        example: "shared-vars { NAME \"value\" }",
        doc: "Railway shared variables, referenced as `${{shared.NAME}}`.",
        railway: "sharedVariables",
        args: Args::Block,
        props: &[],
    },
    Decl {
        name: "secrets",
        place: Place::Project,
        example: "secrets { command \"op\" \"read\" \"{}\" timeout=\"10s\" }",
        doc: "How the project's secrets are read: `command` (the program `cmd:` references run, `{}` standing for the location; `timeout=`, `shell=#true`), `vault` (`address=`, `namespace=`, `auth=\"token\"|\"approle\"|\"kubernetes\"`, `role=`, `auth-mount=`, `ca-cert=`; the `VAULT_*` variables override each) and `readable-files #true` (let `file:` read files others can read). See docs/secrets.md.",
        railway: "Mirage-only",
        args: Args::Block,
        props: &[],
    },
    Decl {
        name: "preview",
        place: Place::Environment,
        example: "preview name=\"pr-{number}\" max-live=10 source=\"staging\" drafts=#false { services \"api\" \"web\" }",
        doc: "What previews made from this template (an `ephemeral=#true` environment) get. Without it: previews named `{template}-{number}`, no limit, built from the files alone, every service, no drafts.",
        railway: "Mirage-only",
        args: Args::None,
        props: &[
            prop(
                "name",
                Type::Str,
                "Each preview's environment name: `{template}` and `{number}` (the pull request's, once) in letters, digits, `-` and `_`.",
            ),
            prop(
                "max-live",
                Type::Int { lo: 1, hi: 10_000 },
                "How many previews of this template may be live at once; `mirage preview gc` evicts the oldest beyond it.",
            ),
            prop(
                "source",
                Type::Name(NameKind::Environment),
                "A declared environment each preview is copied from (Railway's `sourceEnvironmentId`); without it, previews are built from the files alone.",
            ),
            prop(
                "drafts",
                Type::Bool,
                "Whether draft pull requests get a preview (`#false` by default).",
            ),
        ],
    },
    Decl {
        name: "services",
        place: Place::Preview,
        example: "services \"api\" \"web\" \"db\"",
        doc: "The services a preview gets (a list); without it, every service.",
        railway: "Mirage-only",
        args: Args::Many(Type::Name(NameKind::Service)),
        props: &[],
    },
];

/// The declaration `name` written at `place`.
pub fn decl(name: &str, place: Place) -> Option<&'static Decl> {
    DECLS.iter().find(|d| d.name == name && d.place == place)
}

/// The names written at `place`.
pub fn names(place: Place) -> impl Iterator<Item = &'static str> + Clone {
    DECLS
        .iter()
        .filter(move |d| d.place == place)
        .map(|d| d.name)
}
