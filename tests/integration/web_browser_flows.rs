//! Every interactive part of the dashboard in a real browser (issue #18):
//! the wizard from its templates to the job's live page and the
//! environment it made (extended from its page), a failing create, the
//! environment page's logs viewer and its redeploy fed by the live
//! stream, the admin pages' forms and dialogs, the theme switch and the
//! settings — signed in through the real OpenID provider, each page
//! checked with axe-core in the light and the dark theme at the desktop
//! and the phone size.
//!
//! With `MIRAGE_SCREENSHOTS=1` the tests also write the screenshots of
//! `docs/serve.md` ("Screenshots") into `docs/screenshots/`:
//!
//! ```text
//! MIRAGE_SCREENSHOTS=1 cargo test --test integration web_browser_flows::
//! ```
//!
//! The harness, the provider and the sign-in are `web_browser`'s.

use crate::support::{self, Browser, DESKTOP, PATIENCE, PHONE, World};
use crate::web_browser::{Site, fetch, screenshots, site_with, through_provider};

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mirage::serve::Lifecycle;
use mirage::state::{FixedClock, Location, Timestamp};
use serde_json::{Value, json};

const PROJECT: &str = "acme-shop";

/// Serve on the emulator's applied shop (production and staging), its
/// engine the real lifecycle, `alice@example.com` an admin; `None`
/// (skipping) without the provider.
async fn shop_site() -> Option<(Site, World)> {
    let world = crate::preview::shop().await;
    let clock = Arc::new(FixedClock::at(Timestamp::now()));
    let lifecycle = Lifecycle::new(
        crate::preview::context(&world, clock),
        world.path(),
        mirage::github::ClientOptions::default(),
    )
    .with_wait(Duration::from_secs(60));
    let location = Location::File(world.path().join(".mirage/state.db"));
    let site = site_with(PROJECT, location, Arc::new(lifecycle), |config| {
        config.poll = Duration::from_millis(20);
        config.admins = vec!["alice@example.com".to_owned()];
    })
    .await?;
    Some((site, world))
}

/// Waits until `check` holds (polling), or fails saying `what` with the
/// page's URL.
async fn eventually<F, Fut>(browser: &Browser, within: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    loop {
        if check().await {
            return;
        }
        if Instant::now() > deadline {
            panic!(
                "{what}: not within {within:?} at {}; the page:\n{}",
                browser.current_url().await,
                browser.source().await
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The value of a JavaScript expression in the page.
async fn js(browser: &Browser, expression: &str) -> Value {
    browser
        .execute(&format!("return ({expression});"), vec![])
        .await
}

async fn js_string(browser: &Browser, expression: &str) -> String {
    match js(browser, expression).await {
        Value::String(text) => text,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The text of `css` now, empty when nothing matches.
async fn text_now(browser: &Browser, css: &str) -> String {
    let css = serde_json::to_string(css).unwrap();
    js_string(
        browser,
        &format!("document.querySelector({css})?.innerText ?? ''"),
    )
    .await
}

async fn count(browser: &Browser, css: &str) -> u64 {
    let css = serde_json::to_string(css).unwrap();
    js(browser, &format!("document.querySelectorAll({css}).length"))
        .await
        .as_u64()
        .unwrap_or(0)
}

/// Shows the page in `theme` (what the theme switch does, without
/// saving it).
async fn set_theme(browser: &Browser, theme: &str) {
    browser
        .execute(
            "document.documentElement.dataset.theme = arguments[0];",
            vec![json!(theme)],
        )
        .await;
}

/// No serious or critical axe-core violation on the page as it is, in
/// the light and the dark theme, at the desktop and the phone size (then
/// back to light at the desktop size).
async fn accessible(browser: &Browser, name: &str) {
    for theme in ["light", "dark"] {
        set_theme(browser, theme).await;
        for size in [DESKTOP, PHONE] {
            browser.set_size(size).await;
            let Some(violations) = browser.axe().await else {
                browser.set_size(DESKTOP).await;
                set_theme(browser, "light").await;
                return;
            };
            assert!(
                violations.is_empty(),
                "accessibility violations on {name} in the {theme} theme at {size:?} ({}):\n{}",
                browser.current_url().await,
                support::describe(&violations)
            );
            // Nothing wider than the screen: a phone would zoom the
            // whole page out to fit it (a table scrolls in its own box).
            let wide = browser
                .execute(
                    "const width = arguments[0]; \
                     return [document.documentElement.scrollWidth, \
                       Array.from(document.querySelectorAll('body *')) \
                         .filter(e => !e.parentElement?.closest('.table-wrap') && !e.closest('.toast') && e.getBoundingClientRect().right > width + 1) \
                         .slice(0, 6).map(e => e.outerHTML.slice(0, 100) + ' ' + e.getBoundingClientRect().right)];",
                    vec![json!(size.0)],
                )
                .await;
            assert!(
                wide[0].as_u64().unwrap_or(0) <= u64::from(size.0),
                "{name} is wider than {size:?} in the {theme} theme: {wide}"
            );
        }
    }
    browser.set_size(DESKTOP).await;
    set_theme(browser, "light").await;
}

/// With `MIRAGE_SCREENSHOTS=1`: the page in `theme` at the phone and
/// the desktop size as `name-phone.png` and `name-desktop.png`.
async fn shoot(browser: &Browser, name: &str, theme: &str) {
    shoot_at(browser, name, theme, None).await;
}

/// [`shoot`], scrolled so that `css` is at the top.
async fn shoot_at(browser: &Browser, name: &str, theme: &str, css: Option<&str>) {
    let Some(dir) = screenshots() else {
        return;
    };
    set_theme(browser, theme).await;
    let scroll = match css {
        Some(css) => format!(
            "document.querySelector({}).scrollIntoView()",
            serde_json::to_string(css).unwrap()
        ),
        None => "window.scrollTo(0, 0)".to_owned(),
    };
    js(browser, &scroll).await;
    browser.set_size(PHONE).await;
    js(browser, &scroll).await;
    browser
        .screenshot(&dir.join(format!("{name}-phone.png")))
        .await;
    browser.set_size(DESKTOP).await;
    js(browser, &scroll).await;
    browser
        .screenshot(&dir.join(format!("{name}-desktop.png")))
        .await;
    set_theme(browser, "light").await;
}

/// Whether the checkbox of service `name` is ticked.
async fn ticked(browser: &Browser, name: &str) -> bool {
    js(
        browser,
        &format!("document.getElementById('service-{name}').checked"),
    )
    .await
    .as_bool()
    .unwrap_or(false)
}

/// The environment `name` as the API sees it.
async fn environment_of(browser: &Browser, name: &str) -> Value {
    let (status, overview) = fetch(
        browser,
        "GET",
        &format!("/api/projects/{PROJECT}"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{overview}");
    overview["environments"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["name"] == name).cloned())
        .unwrap_or(Value::Null)
}

/// The wizard as Lee uses it: the templates, the services kept
/// consistent, problems as you type, a secret reference that never
/// reaches the address bar, the TTL's slider, number and words, the
/// create followed live to the environment, which its owner extends;
/// then a create whose job fails, with its code's help and the way back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wizard_creates_an_environment_and_its_owner_extends_it() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let Some((site, _world)) = shop_site().await else {
        return;
    };
    let started = Instant::now();

    // `/new` with one project goes straight to its templates (step 2).
    browser.goto(&site.url("/new")).await;
    through_provider(&browser, &site, "alice").await;
    let pr = format!("a[href=\"/projects/{PROJECT}/new?template=pr\"]");
    browser.wait_for(&pr, PATIENCE).await;
    assert_eq!(
        browser.current_url().await,
        site.url(&format!("/projects/{PROJECT}/new"))
    );
    accessible(&browser, "the wizard's templates").await;
    browser.click(&pr).await;
    browser.wait_for("#wizard #service-db", PATIENCE).await;

    // Services: every one of the template's, ticked.
    for service in ["api", "cache", "db", "web"] {
        assert!(ticked(&browser, service).await, "{service} not ticked");
    }
    // Leaving `db` out leaves out what depends on it, saying so.
    browser.click("#service-db").await;
    assert!(!ticked(&browser, "db").await);
    assert!(!ticked(&browser, "api").await, "api depends on db");
    assert!(ticked(&browser, "cache").await, "cache does not");
    let note = browser.text("#services-note").await;
    assert!(
        note.starts_with("Also deselected") && note.contains("api") && note.contains("db"),
        "{note}"
    );
    // Taking `api` back brings back what it depends on.
    browser.click("#service-api").await;
    assert!(ticked(&browser, "api").await);
    assert!(ticked(&browser, "db").await, "api depends on db");
    assert!(!ticked(&browser, "web").await, "web is not brought back");
    let note = browser.text("#services-note").await;
    assert!(
        note.starts_with("Also selected db") && note.contains("api depends on"),
        "{note}"
    );

    // A bad name: the API's problem under the field as you type.
    browser.fill("#env-name", "Bad_Name").await;
    let typed = Instant::now();
    eventually(&browser, PATIENCE, "the name's problem", || async {
        count(&browser, "#problem-name p").await > 0
    })
    .await;
    let shown_after = typed.elapsed();
    let problem = browser.text("#problem-name").await;
    assert!(problem.contains("mirage::"), "{problem}");
    assert_eq!(
        js_string(
            &browser,
            "document.getElementById('env-name').getAttribute('aria-invalid')"
        )
        .await,
        "true"
    );
    // A secret's raw value: refused under the variables (the script
    // sends a secret field as a reference, `{"secret": …}`, so the API
    // says it is not one — `bad_secret_reference` — rather than
    // `secret_in_clear`, its answer to a plain value), never echoed.
    browser
        .fill("#var-STRIPE_KEY", "sk_live_typed_in_clear_0123")
        .await;
    eventually(&browser, PATIENCE, "the secret's problem", || async {
        text_now(&browser, "#problem-variables")
            .await
            .contains("mirage::serve::bad_secret_reference")
    })
    .await;
    let problem = browser.text("#problem-variables").await;
    assert!(
        problem.contains("STRIPE_KEY") && !problem.contains("sk_live"),
        "{problem}"
    );
    assert!(
        browser
            .text("#create-status")
            .await
            .contains("Fix the problems")
    );
    accessible(&browser, "the wizard's settings with problems").await;
    shoot(&browser, "wizard", "light").await;

    // Fixed: the problems go.
    browser.fill("#env-name", "review-8").await;
    browser.fill("#var-STRIPE_KEY", "env:STRIPE_KEY").await;
    eventually(&browser, PATIENCE, "the problems cleared", || async {
        count(&browser, "#problem-name p, #problem-variables p").await == 0
    })
    .await;
    assert_eq!(
        js_string(
            &browser,
            "document.getElementById('env-name').getAttribute('aria-invalid')"
        )
        .await,
        ""
    );

    // The TTL: the slider sets the number and the words, the number the
    // slider and the words.
    let max = js(&browser, "Number(document.getElementById('ttl').max)")
        .await
        .as_u64()
        .unwrap_or(0);
    assert!(max >= 49, "the template allows {max} hours");
    browser
        .execute(
            "const r = document.getElementById('ttl-range'); r.value = '5'; \
             r.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![],
        )
        .await;
    assert_eq!(
        js_string(&browser, "document.getElementById('ttl').value").await,
        "5"
    );
    assert_eq!(browser.text("#ttl-text").await, "5 hours");
    browser.fill("#ttl", "49").await;
    assert_eq!(
        js_string(&browser, "document.getElementById('ttl-range').value").await,
        "49"
    );
    assert_eq!(browser.text("#ttl-text").await, "2 days 1 hour");
    browser.fill("#ttl", "3").await;
    assert_eq!(browser.text("#ttl-text").await, "3 hours");
    eventually(&browser, PATIENCE, "ready to create", || async {
        text_now(&browser, "#create-status")
            .await
            .contains("No problems")
    })
    .await;
    assert_eq!(
        browser.text("[data-preview=\"ttl\"]").await,
        "3 hours",
        "what will be created"
    );
    // Nothing typed went into the address bar (the script checks in
    // place; the secret field has no name).
    let url = browser.current_url().await;
    assert!(
        !url.contains("sk_live") && !url.contains("STRIPE") && !url.contains("review-8"),
        "{url}"
    );

    // Create: the job's page, its events live, then the environment.
    browser.click("#create").await;
    let jobs = site.url(&format!("/projects/{PROJECT}/jobs/"));
    eventually(&browser, PATIENCE, "the job's page", || async {
        browser.current_url().await.starts_with(&jobs)
    })
    .await;
    let job_url = browser.current_url().await;
    assert!(!job_url.contains("STRIPE"), "{job_url}");
    let open = format!("a.btn.primary[href=\"/projects/{PROJECT}/environments/review-8\"]");
    browser.wait_for(&open, Duration::from_secs(120)).await;
    assert!(
        count(&browser, "#job-events li").await > 0,
        "{}",
        browser.source().await
    );
    assert!(!browser.source().await.contains("sk_live"));
    accessible(&browser, "the job's page").await;
    shoot(&browser, "job", "light").await;

    // The environment has the services chosen.
    browser.click(&open).await;
    browser.wait_for("#services", PATIENCE).await;
    let services = browser.text("#services-region").await;
    for service in ["api", "cache", "db"] {
        assert!(services.contains(service), "{service}:\n{services}");
    }
    assert!(
        !count(&browser, "#services-region tbody th").await.eq(&4),
        "web was left out:\n{services}"
    );

    // Its owner extends it by two days from its page: the dialog, the
    // choice, the new expiry on the page and on the project's card.
    let before = environment_of(&browser, "review-8").await;
    let expires = before["expires_at"].as_i64().expect("an expiry");
    browser
        .goto(&site.url(&format!("/projects/{PROJECT}")))
        .await;
    let card = "article[aria-labelledby=\"env-review-8\"]";
    let card_before = browser.text(card).await;
    assert!(
        card_before.contains("2h 59m left") || card_before.contains("3h left"),
        "{card_before}"
    );
    browser
        .goto(&site.url(&format!("/projects/{PROJECT}/environments/review-8")))
        .await;
    // Seven days is more than the template allows (72 h): the dialog
    // does not offer it (the API would refuse it). Closed with Escape.
    browser.click("button[data-action=extend]").await;
    browser
        .wait_for("#confirm-dialog[open] #confirm-choice", PATIENCE)
        .await;
    let offered = browser
        .execute(
            "return ['1h','1d','2d','7d'].map(v => !document.querySelector(`#confirm-choice option[value=\"${v}\"]`).disabled)",
            vec![],
        )
        .await;
    assert_eq!(offered, serde_json::json!([true, true, true, false]));
    browser
        .wait_for("#confirm-dialog[open] [data-ok]", PATIENCE)
        .await
        .send_keys("\u{e00c}")
        .await
        .unwrap();
    eventually(&browser, PATIENCE, "the dialog closed", || async {
        count(&browser, "#confirm-dialog[open]").await == 0
    })
    .await;
    // Opened again, 2 days chosen, then cancelled with Escape: nothing
    // is extended.
    browser.click("button[data-action=extend]").await;
    browser
        .wait_for("#confirm-dialog[open] #confirm-choice", PATIENCE)
        .await;
    browser.click("#confirm-choice option[value=\"2d\"]").await;
    browser
        .wait_for("#confirm-dialog[open] [data-ok]", PATIENCE)
        .await
        .send_keys("\u{e00c}")
        .await
        .unwrap();
    eventually(&browser, PATIENCE, "the dialog closed", || async {
        count(&browser, "#confirm-dialog[open]").await == 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        environment_of(&browser, "review-8").await["expires_at"],
        before["expires_at"],
        "a cancelled dialog extended the environment"
    );
    browser.click("button[data-action=extend]").await;
    browser
        .wait_for("#confirm-dialog[open] #confirm-choice", PATIENCE)
        .await;
    browser.click("#confirm-choice option[value=\"2d\"]").await;
    browser.click("#confirm-dialog[open] [data-ok]").await;
    eventually(&browser, PATIENCE, "the new expiry on the page", || async {
        text_now(&browser, "p.sub")
            .await
            .contains("expires in 1d 23h")
            || text_now(&browser, "p.sub").await.contains("expires in 2d")
    })
    .await;
    let after = environment_of(&browser, "review-8").await;
    let extended = after["expires_at"].as_i64().expect("an expiry");
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    assert!(extended > expires, "{before} → {after}");
    assert!((extended - now - 2 * 86_400).abs() < 300, "{after}");
    browser
        .goto(&site.url(&format!("/projects/{PROJECT}")))
        .await;
    let card_after = browser.text(card).await;
    assert!(
        card_after.contains("1d 23h left") || card_after.contains("2d left"),
        "{card_after}"
    );

    // A create whose job fails (its secret's variable is not set): the
    // error, its code's help, the way back to the wizard.
    browser
        .goto(&site.url(&format!("/projects/{PROJECT}/new?template=pr")))
        .await;
    browser.fill("#env-name", "review-9").await;
    browser
        .fill("#var-STRIPE_KEY", "env:UNSET_VARIABLE_X")
        .await;
    eventually(&browser, PATIENCE, "ready to create", || async {
        text_now(&browser, "#create-status")
            .await
            .contains("No problems")
    })
    .await;
    browser.click("#create").await;
    eventually(&browser, PATIENCE, "the failing job's page", || async {
        browser.current_url().await.starts_with(&jobs)
    })
    .await;
    let failure = browser
        .wait_for(".notice.bad[role=alert]", Duration::from_secs(120))
        .await;
    let failure = failure.text().await.unwrap();
    assert!(failure.contains("The job failed."), "{failure}");
    assert!(failure.contains("UNSET_VARIABLE_X"), "{failure}");
    assert!(
        count(&browser, ".notice.bad code.error-code").await > 0,
        "{failure}"
    );
    let back = format!(".notice.bad a[href=\"/projects/{PROJECT}/new\"]");
    browser.wait_for(&back, PATIENCE).await;
    accessible(&browser, "a failed job's page").await;
    browser.click(&back).await;
    browser.wait_for(&pr, PATIENCE).await;

    eprintln!(
        "the wizard's problem showed {shown_after:?} after typing; the wizard flows took {:?}",
        started.elapsed()
    );
    browser.close().await;
}

/// The environment page: the logs viewer (every service merged with each
/// line's service in its palette colour, one service, a window, a
/// filter, the build logs, the download's query, following over
/// server-sent events), a redeploy whose
/// `deployment` events update the services table through the live
/// stream without reloading the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_environment_page_shows_logs_and_redeploys_live() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let Some((site, _world)) = shop_site().await else {
        return;
    };
    let started = Instant::now();
    browser.goto(&site.url("/")).await;
    through_provider(&browser, &site, "alice").await;
    browser.wait_for("h1", PATIENCE).await;
    shoot(&browser, "projects", "light").await;

    // The project, in both themes.
    browser
        .goto(&site.url(&format!("/projects/{PROJECT}")))
        .await;
    browser.wait_for("article.card", PATIENCE).await;
    shoot(&browser, "project", "light").await;
    shoot(&browser, "project-dark", "dark").await;

    let page = site.url(&format!("/projects/{PROJECT}/environments/staging"));
    browser.goto(&page).await;
    browser
        .wait_for("form[data-logs] #log-service", PATIENCE)
        .await;
    let show = "form[data-logs] button[type=submit]";
    let lines = "#log-lines .line";

    // All services by default: their lines merged, each with its
    // service's name in its palette colour (a class, no inline style).
    assert_eq!(
        js_string(&browser, "document.getElementById('log-service').value").await,
        ""
    );
    let services_shown = "Array.from(new Set(Array.from(document.querySelectorAll('#log-lines .svc')).map(s => s.textContent)))";
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        browser.click(show).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let shown = js(&browser, services_shown).await;
        if shown.as_array().is_some_and(|s| s.len() >= 3) {
            break;
        }
        assert!(Instant::now() < deadline, "{shown}");
    }
    let classes = js(
        &browser,
        "Array.from(document.querySelectorAll('#log-lines .svc')).map(s => s.className)",
    )
    .await;
    assert!(
        classes.as_array().unwrap().iter().all(|c| {
            let c = c.as_str().unwrap_or_default();
            c.starts_with("svc svc-") && c["svc svc-".len()..].parse::<u8>().is_ok_and(|n| n < 10)
        }),
        "{classes}"
    );
    browser
        .execute(
            "document.getElementById('log-service').value = 'api';",
            vec![],
        )
        .await;

    // Show logs: the deploy log's lines (the emulator writes them as its
    // clock moves: ask again until there are some).
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(&browser, lines).await == 0 {
        assert!(Instant::now() < deadline, "{}", browser.source().await);
        browser.click(show).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let status = browser.text("#log-status").await;
    assert!(status.ends_with("line(s)"), "{status}");

    // A filter: only its lines; the download carries the query.
    browser.fill("#log-filter", "Listening").await;
    browser.click(show).await;
    eventually(&browser, PATIENCE, "only the filtered lines", || async {
        let all = js(
            &browser,
            "Array.from(document.querySelectorAll('#log-lines .line')).map(l => l.textContent)",
        )
        .await;
        let all = all.as_array().cloned().unwrap_or_default();
        !all.is_empty()
            && all
                .iter()
                .all(|l| l.as_str().unwrap_or_default().contains("Listening"))
    })
    .await;
    let shown = js(&browser, services_shown).await;
    assert_eq!(shown, json!(["api"]), "one service");
    let download = js_string(&browser, "document.getElementById('log-download').href").await;
    assert!(
        download.starts_with(&site.url(&format!(
            "/api/projects/{PROJECT}/environments/staging/logs?"
        ))) && download.contains("service=api")
            && download.contains("filter=Listening")
            && download.contains("format=text"),
        "{download}"
    );
    let path = download.trim_start_matches(&site.origin).to_owned();
    let (status, body) = fetch(&browser, "GET", &path, json!({})).await;
    assert_eq!(status, 200);
    let body = body.as_str().unwrap_or_default().to_owned();
    assert!(body.contains("Listening"), "{body}");
    assert!(
        body.lines().all(|l| l.contains("Listening")),
        "the download is filtered too:\n{body}"
    );

    // A window: the last day's lines, the download's too.
    browser
        .execute(
            "document.getElementById('log-since').value = '24h';",
            vec![],
        )
        .await;
    browser.click(show).await;
    eventually(&browser, PATIENCE, "the window in the download", || async {
        js_string(&browser, "document.getElementById('log-download').href")
            .await
            .contains("since=24h")
    })
    .await;
    browser
        .execute("document.getElementById('log-since').value = '';", vec![])
        .await;

    // The build logs.
    browser.fill("#log-filter", "").await;
    browser.click("form[data-logs] input[name=build]").await;
    browser.click(show).await;
    eventually(&browser, PATIENCE, "the build logs", || async {
        text_now(&browser, "#log-lines")
            .await
            .contains("Build succeeded")
    })
    .await;
    assert!(
        js_string(&browser, "document.getElementById('log-download').href")
            .await
            .contains("build=true")
    );
    browser.click("form[data-logs] input[name=build]").await;
    browser.click(show).await;
    // (The environment's logs carry the build's lines too, as Railway's
    // `environmentLogs` may: the deploy view is told by what only a
    // running deployment prints.)
    eventually(&browser, PATIENCE, "the deploy logs again", || async {
        text_now(&browser, "#log-lines")
            .await
            .contains("Listening on port")
    })
    .await;
    accessible(&browser, "the environment page with logs").await;
    shoot_at(&browser, "environment", "light", Some("#logs")).await;
    shoot(&browser, "environment-dark", "dark").await;

    // Follow.
    browser.click("form[data-logs] input[name=follow]").await;
    eventually(&browser, PATIENCE, "following", || async {
        text_now(&browser, "#log-status")
            .await
            .contains("following")
    })
    .await;
    let before = count(&browser, lines).await;

    // Redeploy `api`: the live stream is on, its `deployment` events
    // re-read the services table in place — the page is not reloaded.
    eventually(&browser, PATIENCE, "the live stream on", || async {
        js_string(
            &browser,
            "document.getElementById('services-region').dataset.liveState",
        )
        .await
            == "on"
    })
    .await;
    browser
        .execute(
            "window.stillHere = true; \
             document.querySelector('#services-region table').dataset.old = 'yes';",
            vec![],
        )
        .await;
    let (_, overview) = fetch(
        &browser,
        "GET",
        &format!("/api/projects/{PROJECT}"),
        json!({}),
    )
    .await;
    let deployment_of = |overview: &Value| {
        overview["environments"]
            .as_array()
            .and_then(|e| e.iter().find(|e| e["name"] == "staging"))
            .and_then(|e| e["services"].as_array())
            .and_then(|s| s.iter().find(|s| s["name"] == "api"))
            .map(|s| s["deployment"].clone())
            .unwrap_or(Value::Null)
    };
    let deployed = deployment_of(&overview);
    browser
        .click("#services-region button[data-action=redeploy][data-name=api]")
        .await;
    eventually(
        &browser,
        PATIENCE,
        "the table re-read by the live stream",
        || async { count(&browser, "#services-region table[data-old]").await == 0 },
    )
    .await;
    assert_eq!(
        js(&browser, "window.stillHere === true").await,
        json!(true),
        "the page was reloaded"
    );
    let (_, overview) = fetch(
        &browser,
        "GET",
        &format!("/api/projects/{PROJECT}"),
        json!({}),
    )
    .await;
    assert_ne!(deployment_of(&overview), deployed, "a new deployment");
    // Still no reload a moment later (the answer's toast, no timer).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        js(&browser, "window.stillHere === true").await,
        json!(true),
        "the page was reloaded"
    );
    // Following: the new deployment's lines come in.
    eventually(
        &browser,
        Duration::from_secs(60),
        "new lines followed",
        || async { count(&browser, lines).await > before },
    )
    .await;
    // Switched off: no more.
    browser.click("form[data-logs] input[name=follow]").await;
    eventually(&browser, PATIENCE, "not following", || async {
        let status = text_now(&browser, "#log-status").await;
        status.ends_with("line(s)") && !status.contains("following")
    })
    .await;
    let stopped = count(&browser, lines).await;
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert_eq!(count(&browser, lines).await, stopped);
    eprintln!("the environment page took {:?}", started.elapsed());
    browser.close().await;
}

/// The admin pages (a token shown once and revoked with its name typed,
/// a member's role changed, the audit log filtered, every page
/// accessible), the theme switch kept across reloads and `/settings`'
/// default project.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_pages_theme_and_settings() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let Some((site, _world)) = shop_site().await else {
        return;
    };
    let started = Instant::now();
    let store = site.running.store().clone();
    let bob = crate::serve_identity::user(&store, "bob");
    store.set_member(PROJECT, &bob, "viewer", None).unwrap();
    let admin = |page: &str| site.url(&format!("/admin/projects/{PROJECT}/{page}"));

    // A token, shown once.
    browser.goto(&admin("tokens")).await;
    through_provider(&browser, &site, "alice").await;
    browser.wait_for("#token-name", PATIENCE).await;
    accessible(&browser, "the tokens page").await;
    browser.fill("#token-name", "ci-deploy").await;
    browser
        .click("form[data-reveal=new-token] button[type=submit]")
        .await;
    eventually(&browser, PATIENCE, "the new token shown", || async {
        js(&browser, "!document.getElementById('new-token').hidden")
            .await
            .as_bool()
            .unwrap_or(false)
    })
    .await;
    let token = text_now(&browser, "#new-token code, #new-token output").await;
    assert!(token.len() >= 20, "{token}");
    browser.goto(&admin("tokens")).await;
    browser.wait_for("#token-name", PATIENCE).await;
    assert!(
        js(&browser, "document.getElementById('new-token').hidden")
            .await
            .as_bool()
            .unwrap_or(false)
    );
    assert!(!browser.source().await.contains(&token), "shown once only");
    let revoke = "button[data-confirm^=\"Revoke the token ci-deploy\"]";
    browser.wait_for(revoke, PATIENCE).await;
    shoot(&browser, "admin-tokens", "light").await;

    // Revoked, its name typed to confirm.
    browser.click(revoke).await;
    let ok = browser
        .wait_for("#confirm-dialog[open] [data-ok]", PATIENCE)
        .await;
    assert!(
        !ok.is_enabled().await.unwrap(),
        "a revoke waits for the token's name"
    );
    browser.fill("#confirm-typed", "ci-deploy").await;
    assert!(ok.is_enabled().await.unwrap());
    ok.click().await.unwrap();
    eventually(&browser, PATIENCE, "the token revoked", || async {
        count(&browser, revoke).await == 0
    })
    .await;
    let tokens = store.api_tokens(PROJECT).unwrap();
    let revoked = tokens
        .iter()
        .find(|t| t.name == "ci-deploy")
        .expect("the token's record");
    assert!(revoked.revoked_at.is_some(), "{revoked:?}");

    // A member's role, changed with the select.
    browser.goto(&admin("members")).await;
    let form = format!("form[data-api$=\"/members/{bob}\"]");
    browser.wait_for(&form, PATIENCE).await;
    accessible(&browser, "the members page").await;
    shoot(&browser, "admin-members", "light").await;
    browser
        .click(&format!("{form} select option[value=member]"))
        .await;
    browser.click(&format!("{form} button[type=submit]")).await;
    eventually(&browser, PATIENCE, "bob a member", || async {
        store
            .members(PROJECT)
            .unwrap()
            .iter()
            .any(|m| m.user.id == bob && m.role == "member")
    })
    .await;
    // The page, reloaded, says so.
    eventually(&browser, PATIENCE, "the page reloaded", || async {
        js_string(
            &browser,
            &format!("document.querySelector('{}')?.closest('tr')?.querySelector('.badge.role')?.textContent", form.replace('\'', "\\'")),
        )
        .await
            == "member"
    })
    .await;

    // The audit log, filtered.
    browser.goto(&admin("audit")).await;
    browser.wait_for("#f-action", PATIENCE).await;
    accessible(&browser, "the audit page").await;
    browser.fill("#f-action", "tokens.create").await;
    browser.click("form.filters button[type=submit]").await;
    eventually(&browser, PATIENCE, "the filtered log", || async {
        browser.current_url().await.contains("action=tokens.create")
    })
    .await;
    let rows = js(
        &browser,
        "Array.from(document.querySelectorAll('main tbody tr')).map(r => r.textContent)",
    )
    .await;
    let rows = rows.as_array().cloned().unwrap_or_default();
    assert!(!rows.is_empty());
    for row in &rows {
        let row = row.as_str().unwrap_or_default();
        assert!(row.contains("tokens.create"), "{row}");
    }
    assert_eq!(
        js_string(&browser, "document.getElementById('f-action').value").await,
        "tokens.create"
    );
    shoot(&browser, "admin-audit", "light").await;

    for (page, name) in [("stats", "admin-stats"), ("settings", "admin-settings")] {
        browser.goto(&admin(page)).await;
        browser.wait_for("h1", PATIENCE).await;
        accessible(&browser, name).await;
        if page == "stats" {
            shoot(&browser, name, "light").await;
        }
    }
    browser.goto(&site.url("/admin")).await;
    browser.wait_for("h1", PATIENCE).await;
    accessible(&browser, "the admin index").await;

    // The theme switch: system → light → dark, kept after a reload.
    browser.goto(&site.url("/")).await;
    let theme = || async { js_string(&browser, "document.documentElement.dataset.theme").await };
    assert_eq!(theme().await, "system");
    for next in ["light", "dark"] {
        browser.click("button[data-action=theme]").await;
        assert_eq!(theme().await, next);
        assert_eq!(browser.text("[data-theme-label]").await, next);
    }
    eventually(&browser, PATIENCE, "dark after a reload", || async {
        browser.goto(&site.url("/")).await;
        theme().await == "dark"
    })
    .await;
    assert_eq!(browser.text("[data-theme-label]").await, "dark");
    browser.click("button[data-action=theme]").await;
    assert_eq!(theme().await, "system");
    eventually(&browser, PATIENCE, "system after a reload", || async {
        browser.goto(&site.url("/")).await;
        theme().await == "system"
    })
    .await;

    // Settings: a default project, first in the list and marked.
    browser.goto(&site.url("/settings")).await;
    browser.wait_for("#pref-project", PATIENCE).await;
    accessible(&browser, "the settings").await;
    browser
        .execute(
            "document.getElementById('pref-project').value = arguments[0];",
            vec![json!(format!("\"{PROJECT}\""))],
        )
        .await;
    browser
        .click("form[data-api=\"/api/me/preferences\"] button[type=submit]")
        .await;
    eventually(&browser, PATIENCE, "the default saved", || async {
        store
            .user_by_subject("alice")
            .ok()
            .flatten()
            .is_some_and(|u| u.preferences.contains(PROJECT))
    })
    .await;
    browser.goto(&site.url("/settings")).await;
    assert_eq!(
        js_string(&browser, "document.getElementById('pref-project').value").await,
        format!("\"{PROJECT}\"")
    );
    shoot(&browser, "settings", "light").await;
    browser.goto(&site.url("/")).await;
    let first = browser.text("#projects tbody tr th").await;
    assert!(
        first.starts_with(PROJECT) && first.contains("Default"),
        "{first}"
    );
    eprintln!("the admin pages took {:?}", started.elapsed());
    browser.close().await;
}
