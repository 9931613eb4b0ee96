//! The frame every page shares (head, top bar, the confirmation dialog,
//! the corner for messages) and the small components pages are made of:
//! an environment kind's badge, a health mark, durations and times.
//!
//! Colour never carries meaning alone: each kind has a shape and a word,
//! each health a symbol and a word.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::assets;
use crate::auth::Role;
use crate::preview::ServiceHealth;
use crate::serve::api::Caller;
use crate::serve::catalog::Kind;
use crate::state::Timestamp;

/// Which part of the top bar is the current page's.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The projects and everything under them.
    Projects,
    /// Administration.
    Admin,
    /// None of the bar's sections.
    Other,
}

/// A crumb of the path above a page's title: its text and link.
pub type Crumb = (String, Option<String>);

/// A whole page: `title` (also the window's), the signed-in `caller`
/// (`None` on pages shown to nobody in particular), the crumbs and the
/// content.
pub fn page(
    title: &str,
    caller: Option<&Caller>,
    section: Section,
    crumbs: &[Crumb],
    content: Markup,
) -> Markup {
    page_with(title, caller, section, crumbs, &[], content)
}

/// [`page`] with scripts of its own beside the shared one (loaded
/// `defer`, after it).
pub fn page_with(
    title: &str,
    caller: Option<&Caller>,
    section: Section,
    crumbs: &[Crumb],
    scripts: &[&assets::Asset],
    content: Markup,
) -> Markup {
    let theme = caller.map_or("system", theme_of);
    let admin = caller.is_some_and(|c| c.principal.roles.values().any(|r| *r == Role::Admin));
    html! {
        (DOCTYPE)
        html lang="en" data-theme=(theme) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(token) = caller.and_then(|c| c.csrf.as_deref()) {
                    meta name="csrf-token" content=(token);
                }
                title { (title) " · Mirage" }
                link rel="icon" href=(assets::ICON.path()) type="image/svg+xml";
                link rel="stylesheet" href=(assets::CSS.path());
                script src=(assets::JS.path()) defer {}
                @for script in scripts {
                    script src=(script.path()) defer {}
                }
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.topbar {
                    a.brand href="/" aria-label="Mirage, projects" {
                        (PreEscaped(LOGO)) span { "Mirage" }
                    }
                    nav aria-label="Main" {
                        ul {
                            li { a href="/" aria-current=[(section == Section::Projects).then_some("page")] { "Projects" } }
                            @if admin {
                                li { a href="/admin" aria-current=[(section == Section::Admin).then_some("page")] { "Admin" } }
                            }
                        }
                    }
                    span.spacer {}
                    @if let Some(caller) = caller {
                        div.user {
                            button.btn.small type="button" data-action="theme" title="Switch theme: system, light, dark" {
                                "Theme: " span data-theme-label { (theme) }
                            }
                            span.avatar aria-hidden="true" { (initials(caller)) }
                            span.who { (display_name(caller)) }
                            @if caller.csrf.is_some() {
                                button.btn.small type="button" data-action="logout" { "Sign out" }
                            }
                        }
                    }
                }
                main #main tabindex="-1" {
                    @if !crumbs.is_empty() {
                        nav.crumbs aria-label="Breadcrumb" {
                            ol {
                                @for (i, (text, link)) in crumbs.iter().enumerate() {
                                    li {
                                        @match link {
                                            Some(href) if i + 1 < crumbs.len() => a href=(href) { (text) },
                                            _ => span aria-current="page" { (text) },
                                        }
                                    }
                                }
                            }
                        }
                    }
                    (content)
                }
                div #toast .toast aria-live="polite" {}
                dialog #confirm-dialog aria-labelledby="confirm-title" {
                    form method="dialog" {
                        h2 #confirm-title { "Are you sure?" }
                        p data-text {}
                        div.field data-typed-field hidden {
                            label for="confirm-typed" { "Type " code data-typed-name {} " to confirm" }
                            input #confirm-typed type="text" autocomplete="off" spellcheck="false" data-typed;
                        }
                        div.field data-extra-field hidden {
                            label for="confirm-choice" { "Extend by" }
                            select #confirm-choice {
                                option value="1h" { "1 hour" }
                                option value="1d" selected { "1 day" }
                                option value="2d" { "2 days" }
                                option value="7d" { "7 days" }
                            }
                        }
                        div.actions {
                            button.btn.primary type="submit" value="ok" data-ok { "Confirm" }
                            button.btn type="submit" value="cancel" { "Cancel" }
                        }
                    }
                }
            }
        }
    }
}

const LOGO: &str = r##"<svg viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="8" fill="#5b34d6"/><path d="M7 22 L12 10 L16 18 L20 10 L25 22" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg>"##;

/// The caller's preferences (`PATCH /api/me/preferences`), an object.
pub fn preferences(caller: &Caller) -> serde_json::Value {
    serde_json::from_str(&caller.user.preferences).unwrap_or_default()
}

/// The caller's theme preference (`system`, `light`, `dark`).
fn theme_of(caller: &Caller) -> &'static str {
    match preferences(caller)["theme"].as_str() {
        Some("light") => "light",
        Some("dark") => "dark",
        _ => "system",
    }
}

/// How the caller is shown: name, email, or their id.
pub fn display_name(caller: &Caller) -> String {
    caller
        .user
        .name
        .clone()
        .or_else(|| caller.user.email.clone())
        .unwrap_or_else(|| caller.user.id.clone())
}

fn initials(caller: &Caller) -> String {
    display_name(caller)
        .split(|c: char| c.is_whitespace() || c == '.' || c == '@')
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

/// The word for an environment kind.
pub fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Production => "Production",
        Kind::Staging => "Staging",
        Kind::Development => "Development",
        Kind::Preview => "Preview",
        Kind::ServeCreated => "On demand",
        Kind::Unmanaged => "Unmanaged",
    }
}

/// The CSS class of a kind (its colour).
pub fn kind_class(kind: Kind) -> &'static str {
    match kind {
        Kind::Production => "k-production",
        Kind::Staging => "k-staging",
        Kind::Development => "k-development",
        Kind::Preview => "k-preview",
        Kind::ServeCreated => "k-serve-created",
        Kind::Unmanaged => "k-unmanaged",
    }
}

/// What a kind means, for the legend.
pub fn kind_meaning(kind: Kind) -> &'static str {
    match kind {
        Kind::Production => "declared in the files; production or protected",
        Kind::Staging => "declared in the files; staging",
        Kind::Development => "declared in the files",
        Kind::Preview => "a pull request's preview",
        Kind::ServeCreated => "created here from a template, for a person",
        Kind::Unmanaged => "on Railway, not managed by Mirage",
    }
}

/// Every kind, in the legend's order.
pub const KINDS: [Kind; 6] = [
    Kind::Production,
    Kind::Staging,
    Kind::Development,
    Kind::Preview,
    Kind::ServeCreated,
    Kind::Unmanaged,
];

/// A kind's shape (SVG path in a 10×10 box).
fn kind_shape(kind: Kind) -> &'static str {
    match kind {
        Kind::Production => r#"<polygon points="5,0 10,5 5,10 0,5"/>"#,
        Kind::Staging => r#"<polygon points="5,0 10,10 0,10"/>"#,
        Kind::Development => r#"<rect x="1" y="1" width="8" height="8"/>"#,
        Kind::Preview => r#"<circle cx="5" cy="5" r="4.5"/>"#,
        Kind::ServeCreated => {
            r#"<polygon points="5,0 6.5,3.5 10,4 7.5,6.5 8,10 5,8.3 2,10 2.5,6.5 0,4 3.5,3.5"/>"#
        }
        Kind::Unmanaged => {
            r#"<circle cx="5" cy="5" r="4" fill="none" stroke="currentColor" stroke-width="1.6"/>"#
        }
    }
}

/// An environment kind: shape, word and colour.
pub fn kind_badge(kind: Kind) -> Markup {
    html! {
        span class={ "kind " (kind_class(kind)) } {
            svg viewBox="0 0 10 10" aria-hidden="true" { (PreEscaped(kind_shape(kind))) }
            (kind_label(kind))
        }
    }
}

/// The legend of the kinds.
pub fn legend() -> Markup {
    html! {
        ul.legend aria-label="Environment types" {
            @for kind in KINDS {
                li title=(kind_meaning(kind)) { (kind_badge(kind)) " " span.hide-narrow { (kind_meaning(kind)) } }
            }
        }
    }
}

/// A service's health: symbol, word, colour.
pub fn health(health: ServiceHealth) -> Markup {
    let (class, symbol, word) = health_parts(health);
    html! {
        span class={ "status " (class) } { span aria-hidden="true" { (symbol) } (word) }
    }
}

/// A service's health as its symbol alone, with the word for screen
/// readers and as a tooltip.
pub fn health_mark(health: ServiceHealth) -> Markup {
    let (class, symbol, word) = health_parts(health);
    html! {
        span class={ "status " (class) } title=(word) { span aria-hidden="true" { (symbol) } span.visually-hidden { (word) } }
    }
}

fn health_parts(health: ServiceHealth) -> (&'static str, &'static str, &'static str) {
    match health {
        ServiceHealth::Ready => ("ok", "✓", "Ready"),
        ServiceHealth::Deploying => ("warn", "◌", "Deploying"),
        ServiceHealth::Failed => ("bad", "✕", "Failed"),
        ServiceHealth::NoSource => ("none", "–", "No source"),
    }
}

/// `3d 4h`, `2h 10m`, `45s`: a duration for people.
pub fn duration(seconds: u64) -> String {
    let (d, h, m) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
    );
    if d > 0 {
        if h > 0 {
            format!("{d}d {h}h")
        } else {
            format!("{d}d")
        }
    } else if h > 0 {
        if m > 0 {
            format!("{h}h {m}m")
        } else {
            format!("{h}h")
        }
    } else if m > 0 {
        format!("{m}m")
    } else {
        format!("{seconds}s")
    }
}

/// `5m ago`, `in 2h`: a time relative to `now`, in a `<time>` element
/// carrying the exact UTC time.
pub fn when(at: Timestamp, now: Timestamp) -> Markup {
    let delta = now.0 - at.0;
    let text = if delta.abs() < 45 {
        "just now".to_owned()
    } else if delta > 0 {
        format!("{} ago", duration(delta.unsigned_abs()))
    } else {
        format!("in {}", duration(delta.unsigned_abs()))
    };
    html! { time datetime=(iso(at)) title=(iso(at)) { (text) } }
}

/// RFC 3339 UTC of a Unix time.
pub fn iso(at: Timestamp) -> String {
    time::OffsetDateTime::from_unix_timestamp(at.0).map_or_else(
        |_| at.0.to_string(),
        |t| {
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(59), "59s");
        assert_eq!(duration(3600), "1h");
        assert_eq!(duration(3660), "1h 1m");
        assert_eq!(duration(2 * 86_400 + 3 * 3600 + 5), "2d 3h");
        assert_eq!(duration(86_400), "1d");
    }

    #[test]
    fn times_are_relative_with_the_exact_time_beside() {
        let now = Timestamp(1_900_000_000);
        let past = when(Timestamp(now.0 - 7200), now).into_string();
        assert!(
            past.contains("2h ago") && past.contains("2030-03-17T"),
            "{past}"
        );
        let soon = when(Timestamp(now.0 + 90), now).into_string();
        assert!(soon.contains("in 1m"), "{soon}");
        assert!(when(now, now).into_string().contains("just now"));
    }
}
