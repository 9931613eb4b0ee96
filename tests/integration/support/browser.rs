//! A real browser for the dashboard's tests: headless Chromium driven by
//! chromedriver over WebDriver (`fantoccini`), both Debian's packages
//! (`apt-get install chromium chromium-driver`, `.ci/run` does). Without
//! them a test skips, saying so — unless `MIRAGE_TEST_BROWSER_REQUIRED` is
//! set (`.ci/run` sets it once they are installed), when it fails.
//!
//! Accessibility: [`Browser::axe`] injects axe-core
//! (`tests/browser/node_modules/axe-core/axe.min.js`, `npm ci` in
//! `tests/browser`) into the page and runs it; its serious and critical
//! violations.
//!
//! Each [`Browser`] has its own chromedriver (on a free loopback port),
//! its own Chromium and a temporary profile; all are killed when it is
//! dropped (chromedriver runs in a process group of its own, Chromium in
//! it, and the whole group is killed).

use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// A laptop's window.
pub const DESKTOP: (u32, u32) = (1280, 800);
/// A phone's (an iPhone 12–15's CSS pixels).
pub const PHONE: (u32, u32) = (390, 844);

/// How long a page may take to show what a test waits for (generous:
/// the whole suite shares two cores with Chromium).
pub const PATIENCE: Duration = Duration::from_secs(30);

pub struct Browser {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

/// One axe-core violation: its rule, impact, help, and the CSS targets
/// (with their HTML) of the nodes that break it.
#[derive(Debug, Clone)]
pub struct Violation {
    pub id: String,
    pub impact: String,
    pub help: String,
    pub nodes: Vec<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} ({}): {}", self.id, self.impact, self.help)?;
        for node in &self.nodes {
            writeln!(f, "    {node}")?;
        }
        Ok(())
    }
}

/// The violations as one readable block (for an assertion's message).
pub fn describe(violations: &[Violation]) -> String {
    violations.iter().map(ToString::to_string).collect()
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// Skips (`None`, saying why) or, when the browser is required, fails.
fn unavailable(why: &str) -> Option<Browser> {
    if std::env::var_os("MIRAGE_TEST_BROWSER_REQUIRED").is_some() {
        panic!("MIRAGE_TEST_BROWSER_REQUIRED is set, but {why}");
    }
    eprintln!("skipping: {why}");
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

impl Browser {
    /// Chromium at the desktop size, or `None` (skipping) without it.
    pub async fn start() -> Option<Browser> {
        let chromium = std::env::var_os("MIRAGE_TEST_CHROMIUM")
            .map(PathBuf::from)
            .or_else(|| on_path("chromium"))
            .or_else(|| on_path("chromium-browser"))
            .or_else(|| on_path("google-chrome"));
        let driver = std::env::var_os("MIRAGE_TEST_CHROMEDRIVER")
            .map(PathBuf::from)
            .or_else(|| on_path("chromedriver"));
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            return unavailable(
                "a real browser needs `chromium` and `chromedriver` \
                 (`apt-get install chromium chromium-driver`)",
            );
        };
        let profile = tempfile::tempdir().expect("a profile directory");
        let port = free_port();
        let mut driver = match Command::new(&driver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so that dropping kills Chromium too.
            .process_group(0)
            .spawn()
        {
            Ok(child) => child,
            Err(e) => return unavailable(&format!("`{}` does not start: {e}", driver.display())),
        };
        let url = format!("http://127.0.0.1:{port}");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-dev-shm-usage",
                    "--disable-gpu",
                    "--no-first-run",
                    "--no-default-browser-check",
                    "--disable-extensions",
                    "--disable-crash-reporter",
                    "--disable-breakpad",
                    "--hide-scrollbars",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
                ],
            }),
        );
        // chromedriver takes a moment to listen: retry until it answers.
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            let builder = ClientBuilder::rustls().map(|mut b| {
                b.capabilities(capabilities.clone());
                b
            });
            let attempt = match builder {
                Ok(builder) => builder.connect(&url).await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match attempt {
                Ok(client) => break client,
                Err(e)
                    if Instant::now() > deadline || driver.try_wait().ok().flatten().is_some() =>
                {
                    kill_group(&mut driver);
                    return unavailable(&format!(
                        "Chromium does not start under chromedriver: {e}"
                    ));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        let browser = Browser {
            client,
            driver,
            _profile: profile,
        };
        browser.set_size(DESKTOP).await;
        Some(browser)
    }

    /// Ends the WebDriver session (chromedriver closes Chromium and reaps
    /// it), then stops chromedriver. Dropping without it kills them all.
    pub async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.clone().close()).await;
    }

    /// The WebDriver client itself, for what the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sets the viewport to `(width, height)` CSS pixels — a phone's as
    /// a phone shows it (`mobile` below 600 px wide). Through the DevTools
    /// protocol (`Emulation.setDeviceMetricsOverride`, chromedriver's
    /// `goog/cdp/execute`): a window cannot be narrower than 500 px.
    pub async fn set_size(&self, (width, height): (u32, u32)) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({
                "width": width,
                "height": height,
                "deviceScaleFactor": 1,
                "mobile": width < 600,
            }),
        )
        .await;
    }

    /// Runs the DevTools protocol command `cmd` in the page's target.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.client
            .issue_cmd(Cdp {
                cmd: cmd.to_owned(),
                params,
            })
            .await
            .unwrap_or_else(|e| panic!("the DevTools command `{cmd}`: {e}"))
    }

    /// The viewport's size in CSS pixels.
    pub async fn viewport(&self) -> (u64, u64) {
        let size = self
            .client
            .execute("return [window.innerWidth, window.innerHeight]", vec![])
            .await
            .expect("measure the viewport");
        (size[0].as_u64().unwrap_or(0), size[1].as_u64().unwrap_or(0))
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("go to {url}: {e}"));
    }

    pub async fn current_url(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("the current URL")
            .to_string()
    }

    /// The first element matching `css`, waiting up to `timeout` for it.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Element {
        match self
            .client
            .wait()
            .at_most(timeout)
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => {
                let url = self.current_url().await;
                let source = self.client.source().await.unwrap_or_default();
                panic!("no `{css}` within {timeout:?} at {url} ({e}); the page:\n{source}")
            }
        }
    }

    /// Whether an element matches `css` now.
    pub async fn has(&self, css: &str) -> bool {
        self.client
            .find_all(Locator::Css(css))
            .await
            .is_ok_and(|found| !found.is_empty())
    }

    pub async fn click(&self, css: &str) {
        self.wait_for(css, PATIENCE)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click `{css}`: {e}"));
    }

    /// Types `text` into the field `css` (emptied first).
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.wait_for(css, PATIENCE).await;
        field
            .clear()
            .await
            .unwrap_or_else(|e| panic!("clear `{css}`: {e}"));
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into `{css}`: {e}"));
    }

    /// The rendered text of the element `css`.
    pub async fn text(&self, css: &str) -> String {
        self.wait_for(css, PATIENCE)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("the text of `{css}`: {e}"))
    }

    /// The page's source.
    pub async fn source(&self) -> String {
        self.client.source().await.expect("the page's source")
    }

    /// The value of the cookie `name` for the current page, if set
    /// (WebDriver sees `HttpOnly` cookies too).
    pub async fn cookie(&self, name: &str) -> Option<String> {
        let cookies = self.client.get_all_cookies().await.expect("the cookies");
        cookies
            .into_iter()
            .find(|c| c.name() == name)
            .map(|c| c.value().to_owned())
    }

    /// Runs `script` (a function body; `arguments[i]`) in the page.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("run a script: {e}"))
    }

    /// Runs `script` in the page; it calls `arguments[arguments.length - 1]`
    /// with its result.
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute_async(script, args)
            .await
            .unwrap_or_else(|e| panic!("run an asynchronous script: {e}"))
    }

    /// A PNG of the viewport, written to `path` (its directory created).
    pub async fn screenshot(&self, path: &Path) {
        let png = self.client.screenshot().await.expect("a screenshot");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("the screenshots' directory");
        }
        std::fs::write(path, png).expect("write the screenshot");
    }

    /// The serious and critical violations of axe-core run in the current
    /// page; `None` (saying so) when axe-core is not installed
    /// (`npm ci` in `tests/browser`, which `.ci/run` does non-fatally).
    pub async fn axe(&self) -> Option<Vec<Violation>> {
        let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/browser/node_modules/axe-core/axe.min.js");
        let Ok(source) = std::fs::read_to_string(&file) else {
            eprintln!("skipping: accessibility checks need axe-core (`npm ci` in tests/browser)");
            return None;
        };
        // Evaluated by WebDriver (not a `<script>` element, which the
        // dashboard's `script-src 'self'` policy would block): axe's UMD
        // wrapper defines `window.axe`.
        self.execute(
            &format!("if (!window.axe) {{ {source}\n}} return !!window.axe;"),
            vec![],
        )
        .await;
        let result = self
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 axe.run(document, { resultTypes: ['violations'] }) \
                   .then(r => done({ violations: r.violations.map(v => ({ \
                     id: v.id, impact: v.impact, help: v.help, \
                     nodes: v.nodes.map(n => n.target.join(' ') + ' ' + n.html) })) })) \
                   .catch(e => done({ error: String(e) }));",
                vec![],
            )
            .await;
        if let Some(error) = result.get("error") {
            panic!("axe-core failed in the page: {error}");
        }
        let violations = result["violations"].as_array().cloned().unwrap_or_default();
        Some(
            violations
                .iter()
                .map(|v| Violation {
                    id: v["id"].as_str().unwrap_or_default().to_owned(),
                    impact: v["impact"].as_str().unwrap_or_default().to_owned(),
                    help: v["help"].as_str().unwrap_or_default().to_owned(),
                    nodes: v["nodes"]
                        .as_array()
                        .map(|n| {
                            n.iter()
                                .filter_map(|n| n.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .filter(|v| matches!(v.impact.as_str(), "serious" | "critical"))
                .collect(),
        )
    }
}

/// chromedriver's own endpoint for a DevTools protocol command.
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

/// `url::ParseError`, named through `reqwest`'s re-export of `Url`.
type UrlError = <reqwest::Url as std::str::FromStr>::Err;

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &reqwest::Url,
        session: Option<&str>,
    ) -> Result<reqwest::Url, UrlError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

/// Kills chromedriver's process group (Chromium and its helpers with it).
fn kill_group(driver: &mut Child) {
    // SAFETY: `kill` with a negative pid signals the process group that
    // `process_group(0)` made for this child; no memory is touched.
    unsafe {
        libc::kill(-(driver.id() as libc::pid_t), libc::SIGKILL);
    }
    let _ = driver.wait();
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_group(&mut self.driver);
    }
}
