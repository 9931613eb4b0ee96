//! `mirage login`, `logout` and `whoami` through the real binary against
//! the emulator over HTTP: a token checked before it is kept, the private
//! fallback file (the keyring is off in tests, `MIRAGE_KEYRING=off`), the
//! one token precedence every command follows, the Railway CLI's login
//! reused only when asked, token kinds told apart, and no token in any
//! output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::support::{Harness, UNSET, World, isolate, mirage_bin};

/// Account tokens the emulator accepts; each must never be printed.
const GOOD: &str = "acct_login_SENTINEL_6d1f";
const OTHER: &str = "acct_other_SENTINEL_77aa";
const BAD: &str = "acct_bad_SENTINEL_0c3e";
const WORKSPACE: &str = "team_ws_SENTINEL_51b2";

/// An emulator that accepts only [`GOOD`], [`OTHER`] (and the harness's
/// own, to set up projects) as account tokens and [`WORKSPACE`] as a
/// workspace token.
async fn strict() -> Harness {
    Harness::with(mirage::emulator::Options {
        clock: std::time::Duration::ZERO,
        tokens: vec![GOOD.into(), OTHER.into(), "test-account-token".into()],
        workspace_tokens: vec![WORKSPACE.into()],
        ..Default::default()
    })
    .await
}

/// A user's home: `HOME` and `XDG_CONFIG_HOME` inside it.
struct Home {
    dir: tempfile::TempDir,
}

/// What one run printed.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn ok(self, what: &str) -> Ran {
        assert_eq!(self.code, Some(0), "{what}: {}{}", self.stdout, self.stderr);
        self
    }

    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("a home"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn credentials(&self) -> PathBuf {
        self.path()
            .join(".config")
            .join("mirage")
            .join("credentials.json")
    }

    /// Runs `mirage ARGS` as this user against `url`, no token variable
    /// set unless `env` sets one, `stdin` piped in (none: not a terminal).
    async fn mirage(
        &self,
        url: &str,
        args: &[&str],
        env: &[(&str, &str)],
        stdin: Option<&str>,
    ) -> Ran {
        let mut command = crate::support::mirage_command();
        isolate(&mut command)
            .args(args)
            .current_dir(self.path())
            .env("HOME", self.path())
            .env("XDG_CONFIG_HOME", self.path().join(".config"))
            .env("MIRAGE_RAILWAY_URL", url)
            .env("NO_COLOR", "1")
            .env_remove("RAILWAY_TOKEN")
            .env_remove("RAILWAY_API_TOKEN")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let input = stdin.map(str::to_owned);
        let ran = tokio::task::spawn_blocking(move || {
            let mut child = command.spawn().expect("mirage starts");
            if let Some(input) = input {
                let mut pipe = child.stdin.take().expect("stdin");
                pipe.write_all(input.as_bytes()).expect("stdin written");
            }
            child.wait_with_output().expect("mirage ends")
        })
        .await
        .expect("the binary runs");
        let ran = Ran {
            code: ran.status.code(),
            stdout: String::from_utf8_lossy(&ran.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&ran.stderr).into_owned(),
        };
        for token in [GOOD, OTHER, BAD, WORKSPACE] {
            assert!(
                !ran.all().contains(token),
                "a token reached the output of `mirage {}`:\n{}",
                args.join(" "),
                ran.all()
            );
        }
        ran
    }

    async fn login(&self, url: &str, token: &str) -> Ran {
        self.mirage(
            url,
            &["login", "--with-token"],
            &[],
            Some(&format!("{token}\n")),
        )
        .await
    }

    async fn whoami_json(&self, url: &str, env: &[(&str, &str)]) -> Value {
        let ran = self
            .mirage(url, &["whoami", "--json"], env, None)
            .await
            .ok("whoami --json");
        serde_json::from_str(&ran.stdout).expect("whoami prints JSON")
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("the file exists")
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test(flavor = "multi_thread")]
async fn login_with_token_keeps_it_privately_and_whoami_says_whose_and_where() {
    let harness = strict().await;
    let url = harness.emu.url();
    let home = Home::new();

    let ran = home.login(&url, GOOD).await.ok("login");
    assert!(
        ran.stdout.contains(
            "Logged in to Railway: account token for Local Emulator User <local@emulator.invalid>"
        ),
        "{}",
        ran.all()
    );
    // No keyring in tests: the fallback file, with gh's warning.
    let file = home.credentials();
    assert!(ran.stderr.contains("warning"), "{}", ran.stderr);
    assert!(ran.stderr.contains("plain text"), "{}", ran.stderr);
    assert!(
        ran.stderr.contains(&file.display().to_string()),
        "{}",
        ran.stderr
    );
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600, "the credentials file is private");
    let kept: Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("kept"))
        .expect("the file is JSON");
    assert_eq!(kept["railway"]["kind"], "account");

    let ran = home.mirage(&url, &["whoami"], &[], None).await.ok("whoami");
    assert!(
        ran.stdout
            .contains("Railway account: Local Emulator User <local@emulator.invalid>"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("token kind: account"), "{}", ran.stdout);
    assert!(
        ran.stdout
            .contains("token from: `mirage login`, kept in the file"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("precedence: `RAILWAY_TOKEN`"),
        "{}",
        ran.stdout
    );

    let json = home.whoami_json(&url, &[]).await;
    assert_eq!(json["kind"], "account");
    assert_eq!(json["source"], "file");
    assert_eq!(json["account"]["email"], "local@emulator.invalid");
    assert_eq!(json["source_detail"], file.display().to_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_uses_the_stored_token_plan_apply_plan_converges() {
    // The World's emulator accepts any token; without `RAILWAY_API_TOKEN`
    // a command has no token at all unless it takes the stored one.
    let world = World::with_files(&[(
        "main.mirage",
        "project \"login-journey\"\n\nservice \"web\" {\n    image \"nginx:1.27\"\n}\n\nenvironment \"production\"\n",
    )])
    .await;
    let url = world.harness.emu.url();
    let home = Home::new();
    let as_user = |home: &Home| {
        vec![
            ("RAILWAY_API_TOKEN".to_owned(), UNSET.to_owned()),
            ("HOME".to_owned(), home.path().display().to_string()),
            (
                "XDG_CONFIG_HOME".to_owned(),
                home.path().join(".config").display().to_string(),
            ),
        ]
    };
    let env = as_user(&home);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    let before = world.mirage_with(&["plan", "."], &env).await;
    assert_eq!(before.code, Some(1), "no token yet: {}", before.stderr);
    assert!(before.stderr.contains("mirage login"), "{}", before.stderr);

    home.login(&url, GOOD).await.ok("login");
    let plan = world.mirage_with(&["plan", "."], &env).await.ok("plan");
    assert!(plan.stdout.contains("to create"), "{}", plan.stdout);
    world
        .mirage_with(&["apply", ".", "--auto-approve"], &env)
        .await
        .ok("apply");
    let again = world
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &env)
        .await;
    assert_eq!(
        again.code,
        Some(0),
        "converged: {}{}",
        again.stdout,
        again.stderr
    );
    for run in [&plan, &again] {
        assert!(!run.stdout.contains(GOOD) && !run.stderr.contains(GOOD));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_token_is_refused_and_nothing_is_stored() {
    let harness = strict().await;
    let url = harness.emu.url();
    let home = Home::new();
    let ran = home.login(&url, BAD).await;
    assert_eq!(ran.code, Some(1), "{}", ran.all());
    assert!(
        ran.stderr.contains("Railway refused the token"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("nothing was stored"), "{}", ran.stderr);
    assert!(!home.credentials().exists(), "a refused token is not kept");

    let ran = home.mirage(&url, &["whoami"], &[], None).await;
    assert_eq!(ran.code, Some(1));
    assert!(ran.stderr.contains("no Railway token"), "{}", ran.stderr);
    assert!(ran.stderr.contains("mirage login"), "{}", ran.stderr);

    let ran = home.login(&url, "").await;
    assert_eq!(ran.code, Some(1), "{}", ran.all());
    assert!(ran.stderr.contains("holds no token"), "{}", ran.stderr);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_credentials_file_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let harness = strict().await;
    let url = harness.emu.url();
    let home = Home::new();
    home.login(&url, GOOD).await.ok("login");
    let file = home.credentials();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");

    let ran = home.mirage(&url, &["whoami"], &[], None).await;
    assert_eq!(ran.code, Some(1), "{}", ran.all());
    assert!(
        ran.stderr.contains("can be read by other users (mode 644)"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("chmod 600"), "{}", ran.stderr);
    // Every command refuses it the same way.
    let ran = home.mirage(&url, &["projects"], &[], None).await;
    assert_ne!(ran.code, Some(0), "{}", ran.all());
    assert!(
        ran.stderr.contains("can be read by other users"),
        "{}",
        ran.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_forgets_the_token() {
    let harness = strict().await;
    let url = harness.emu.url();
    let home = Home::new();
    home.login(&url, GOOD).await.ok("login");
    assert!(home.credentials().exists());
    let ran = home.mirage(&url, &["logout"], &[], None).await.ok("logout");
    assert!(ran.stdout.contains("Logged out"), "{}", ran.stdout);
    assert!(!home.credentials().exists(), "the file is removed");
    let ran = home.mirage(&url, &["whoami"], &[], None).await;
    assert_eq!(ran.code, Some(1), "{}", ran.all());
    let ran = home
        .mirage(&url, &["logout"], &[], None)
        .await
        .ok("logout twice");
    assert!(ran.stdout.contains("nothing to forget"), "{}", ran.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn environment_tokens_beat_the_stored_one_and_whoami_says_so() {
    let harness = strict().await;
    let url = harness.emu.url();
    let home = Home::new();
    home.login(&url, GOOD).await.ok("login");

    let ran = home
        .mirage(&url, &["whoami"], &[("RAILWAY_API_TOKEN", OTHER)], None)
        .await
        .ok("whoami");
    assert!(
        ran.stdout
            .contains("token from: the `RAILWAY_API_TOKEN` environment variable"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("also found, not used: `mirage login`"),
        "{}",
        ran.stdout
    );
    let json = home
        .whoami_json(&url, &[("RAILWAY_API_TOKEN", OTHER)])
        .await;
    assert_eq!(json["source"], "RAILWAY_API_TOKEN");
    assert_eq!(json["shadowed"][0]["source"], "file");

    // An environment token Railway refuses is not rescued by the stored
    // one: the precedence is the precedence.
    let ran = home
        .mirage(&url, &["whoami"], &[("RAILWAY_API_TOKEN", BAD)], None)
        .await;
    assert_eq!(ran.code, Some(1), "{}", ran.all());

    // A project token in `RAILWAY_TOKEN` beats both.
    let (pid, env) = harness.project("shop").await;
    let token = project_token(&harness, &pid, &env).await;
    let json = home
        .whoami_json(
            &url,
            &[("RAILWAY_TOKEN", &token), ("RAILWAY_API_TOKEN", OTHER)],
        )
        .await;
    assert_eq!(json["source"], "RAILWAY_TOKEN");
    assert_eq!(json["kind"], "project");
    assert_eq!(json["shadowed"].as_array().map(Vec::len), Some(2));

    // `mirage login` warns when a variable will hide what it stores.
    let ran = home
        .mirage(
            &url,
            &["login", "--with-token"],
            &[("RAILWAY_API_TOKEN", OTHER)],
            Some(GOOD),
        )
        .await
        .ok("login with a variable set");
    assert!(
        ran.stderr.contains("wins over the stored token"),
        "{}",
        ran.stderr
    );
}

async fn project_token(harness: &Harness, project: &str, environment: &str) -> String {
    let reply = harness
        .gql(
            "mutation($p: String!, $e: String!) { projectTokenCreate(input: {projectId: $p, environmentId: $e, name: \"ci\"}) }",
            json!({"p": project, "e": environment}),
        )
        .await;
    reply.data()["projectTokenCreate"]
        .as_str()
        .expect("a project token")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_project_token_is_told_apart_and_whoami_names_its_project_and_environment() {
    let harness = strict().await;
    let url = harness.emu.url();
    let (pid, env) = harness.project("shop").await;
    let token = project_token(&harness, &pid, &env).await;
    let home = Home::new();
    let ran = home.login(&url, &token).await.ok("login");
    assert!(!ran.all().contains(&token), "{}", ran.all());
    assert!(
        ran.stdout
            .contains("project token for environment `production` of project `shop`"),
        "{}",
        ran.stdout
    );
    let kept: Value =
        serde_json::from_str(&std::fs::read_to_string(home.credentials()).expect("kept"))
            .expect("JSON");
    assert_eq!(kept["railway"]["kind"], "project");

    let ran = home.mirage(&url, &["whoami"], &[], None).await.ok("whoami");
    assert!(!ran.all().contains(&token), "{}", ran.all());
    assert!(
        ran.stdout
            .contains("Railway project token for environment `production` of project `shop`"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("token kind: project"), "{}", ran.stdout);
    let json = home.whoami_json(&url, &[]).await;
    assert_eq!(json["kind"], "project");
    assert_eq!(json["project"]["name"], "shop");
    assert_eq!(json["project"]["id"], pid.as_str());
    assert_eq!(json["environment"]["name"], "production");
    assert_eq!(json["header"], "project-access-token");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_workspace_token_is_told_apart_from_an_account_token() {
    let harness = strict().await;
    let url = harness.emu.url();
    let home = Home::new();
    let ran = home.login(&url, WORKSPACE).await.ok("login");
    assert!(
        ran.stdout
            .contains("workspace token for the workspace `Local`"),
        "{}",
        ran.stdout
    );
    let json = home.whoami_json(&url, &[]).await;
    assert_eq!(json["kind"], "workspace");
    assert_eq!(json["workspaces"][0]["name"], "Local");
    assert!(json.get("account").is_none(), "{json}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_railway_cli_login_is_reused_only_when_asked() {
    let harness = strict().await;
    let url = harness.emu.url();
    let home = Home::new();
    let railway = home.path().join(".railway");
    std::fs::create_dir_all(&railway).expect("~/.railway");
    std::fs::write(
        railway.join("config.json"),
        json!({"projects": {}, "user": {"token": GOOD}}).to_string(),
    )
    .expect("the Railway CLI's config");

    // Off a terminal, without the flag: refused, pointing at the flag.
    let ran = home.mirage(&url, &["login"], &[], None).await;
    assert_eq!(ran.code, Some(2), "{}", ran.all());
    assert!(ran.stderr.contains("--from-railway-cli"), "{}", ran.stderr);
    assert!(
        !home.credentials().exists(),
        "nothing stored without asking"
    );

    let ran = home
        .mirage(&url, &["login", "--from-railway-cli"], &[], None)
        .await
        .ok("login --from-railway-cli");
    assert!(
        ran.stdout.contains("account token for Local Emulator User"),
        "{}",
        ran.stdout
    );
    let json = home.whoami_json(&url, &[]).await;
    assert_eq!(json["source"], "file");
    assert_eq!(json["kind"], "account");

    // No Railway CLI login at all: the flag says so.
    let empty = Home::new();
    let ran = empty
        .mirage(&url, &["login", "--from-railway-cli"], &[], None)
        .await;
    assert_eq!(ran.code, Some(1), "{}", ran.all());
    assert!(ran.stderr.contains("railway login"), "{}", ran.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_emulator_refuses_me_to_workspace_and_project_tokens_as_railway_does() {
    let harness = strict().await;
    let as_workspace = harness
        .send(
            "{ me { email } }",
            json!({}),
            Some(("authorization", format!("Bearer {WORKSPACE}"))),
        )
        .await;
    assert_eq!(as_workspace.error(), "Not Authorized");
    let workspaces = harness
        .send(
            "{ apiToken { workspaces { id name } } }",
            json!({}),
            Some(("authorization", format!("Bearer {WORKSPACE}"))),
        )
        .await;
    assert_eq!(
        workspaces.data()["apiToken"]["workspaces"][0]["name"],
        "Local"
    );
    let (pid, env) = harness.project("shop").await;
    let token = project_token(&harness, &pid, &env).await;
    let as_project = harness
        .send(
            "{ me { email } }",
            json!({}),
            Some(("project-access-token", token)),
        )
        .await;
    assert_eq!(as_project.error(), "Not Authorized");
}

/// Runs `mirage login` on a pseudo-terminal (util-linux `script`), typing
/// `lines` one a second; `None` when `script` is not installed.
async fn login_on_a_terminal(home: &Home, url: &str, lines: &[&str]) -> Option<Ran> {
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| Path::new(p).exists())?;
    let mut typing = String::new();
    for line in lines {
        typing.push_str(&format!("sleep 1; printf '%s\\n' '{line}'; "));
    }
    let pipeline = format!(
        "({typing} sleep 3) | {script} -qec '{} login' /dev/null",
        mirage_bin().display()
    );
    let mut command = Command::new("sh");
    isolate(&mut command)
        .args(["-c", &pipeline])
        .current_dir(home.path())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .env("MIRAGE_RAILWAY_URL", url)
        .env("NO_COLOR", "1")
        .env_remove("RAILWAY_TOKEN")
        .env_remove("RAILWAY_API_TOKEN")
        .stdin(Stdio::null());
    let output = tokio::task::spawn_blocking(move || command.output().expect("sh runs"))
        .await
        .expect("the pipeline runs");
    Some(Ran {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_terminal_the_railway_cli_login_is_offered_default_no_and_the_prompt_hides_the_token()
{
    let harness = strict().await;
    let url = harness.emu.url();
    let home = Home::new();
    let railway = home.path().join(".railway");
    std::fs::create_dir_all(&railway).expect("~/.railway");
    std::fs::write(
        railway.join("config.json"),
        json!({"projects": {}, "user": {"token": OTHER}}).to_string(),
    )
    .expect("the Railway CLI's config");
    let kept = |home: &Home| -> String {
        let file: Value =
            serde_json::from_str(&std::fs::read_to_string(home.credentials()).expect("kept"))
                .expect("JSON");
        file["railway"]["token"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };

    // Enter (the default, no), then a token typed at the hidden prompt.
    let Some(ran) = login_on_a_terminal(&home, &url, &["", GOOD]).await else {
        eprintln!("skipped: no `script` to make a pseudo-terminal");
        return;
    };
    let ran = ran.ok("login on a terminal");
    assert!(
        ran.stdout
            .contains("Reuse the token of the Railway CLI's login"),
        "{}",
        ran.all()
    );
    assert!(ran.stdout.contains("[y/N]"), "{}", ran.all());
    assert!(
        ran.stdout.contains("Paste a Railway token"),
        "{}",
        ran.all()
    );
    assert!(
        !ran.all().contains(GOOD),
        "the prompt echoed the token: {}",
        ran.all()
    );
    assert_eq!(kept(&home), GOOD, "the typed token, not the Railway CLI's");

    // `y` reuses the Railway CLI's token without prompting for another.
    let ran = login_on_a_terminal(&home, &url, &["y"])
        .await
        .expect("script is there")
        .ok("login reusing the Railway CLI's token");
    assert!(
        !ran.stdout.contains("Paste a Railway token"),
        "{}",
        ran.all()
    );
    assert!(!ran.all().contains(OTHER), "{}", ran.all());
    assert_eq!(kept(&home), OTHER, "the Railway CLI's token");
}
