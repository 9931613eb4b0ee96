/// Every registered code, sorted by code (looked up by binary search).
pub const CODES: &[Code] = &[
    Code {
        code: "mirage::adopt::clone_from_template",
        summary: "the environment to copy is a template (`ephemeral=#true`)",
        help: "make environments from a template with `mirage preview up --template NAME`",
    },
    Code {
        code: "mirage::adopt::clone_into_not_directory",
        summary: "`--into` names something that is not a directory",
        help: "pass a new or existing directory for the other project's files",
    },
    Code {
        code: "mirage::adopt::clone_into_other_project",
        summary: "`--into` already holds `.mirage` files",
        help: "pick an empty directory; to add an environment to an existing project, run `mirage clone` in its directory",
    },
    Code {
        code: "mirage::adopt::clone_invalid_name",
        summary: "the new environment's name is not a valid name",
        help: "an environment name holds letters, digits, `-` and `_`",
    },
    Code {
        code: "mirage::adopt::clone_invalid_result",
        summary: "the files with the copy added would not check; nothing was written",
        help: "fix what the source inherits (its layer, its services' fixed domains), or write the copy by hand",
    },
    Code {
        code: "mirage::adopt::clone_target_exists",
        summary: "the new environment already exists, in the files or on Railway",
        help: "pick another name for `--to`, or remove (or import) the existing environment",
    },
    Code {
        code: "mirage::adopt::clone_unknown_service",
        summary: "`--services` names a service the project does not declare",
        help: "list declared services, comma-separated: `--services api,web`",
    },
    Code {
        code: "mirage::adopt::clone_unknown_source",
        summary: "the environment to copy is not declared at the top level of a project file",
        help: "check the name (`mirage config` lists the environments); an environment declared through an import is copied by hand",
    },
    Code {
        code: "mirage::adopt::clone_write_failed",
        summary: "the project's files could not be read or written",
        help: "check the directory's permissions and that each `.mirage` path is a regular file",
    },
    Code {
        code: "mirage::adopt::conflicts",
        summary: "the files and Railway disagree on values of resources to adopt; those were not adopted",
        help: "`--prefer files` adopts them and the next `mirage apply` makes Railway match the files; `--prefer railway` writes Railway's values into the files",
    },
    Code {
        code: "mirage::adopt::duplicate_service",
        summary: "two config files give the same service name",
        help: "convert one of them with --service NAME",
    },
    Code {
        code: "mirage::adopt::duplicates",
        summary: "Railway has several resources of one name, which a .mirage file cannot tell apart",
        help: "rename or remove the duplicates on Railway, then run again",
    },
    Code {
        code: "mirage::adopt::export_bad_ttl",
        summary: "`--ttl` is not a duration",
        help: "write a duration such as `72h`, `7d` or `90m`",
    },
    Code {
        code: "mirage::adopt::export_template_exists",
        summary: "an environment or template of the template's name is already declared",
        help: "pick another name for `--as-template`",
    },
    Code {
        code: "mirage::adopt::files_differ",
        summary: "the .mirage files in the directory declare values Railway does not have",
        help: "`mirage import --all --prefer railway` takes Railway's values into the files, `--all --prefer files` keeps the files' (applied by the next `mirage apply`); then run this again",
    },
    Code {
        code: "mirage::adopt::files_incomplete",
        summary: "Railway has environments or services the .mirage files in the directory do not declare, and their blocks cannot be appended faithfully",
        help: "add their blocks to the files by hand, or generate into an empty directory and copy the blocks over",
    },
    Code {
        code: "mirage::adopt::generate_options",
        summary: "an option `import --generate` does not take (`--prefer files`, `--services`)",
        help: "run `mirage import --all --prefer files` (or `--services a,b`) without `--generate`",
    },
    Code {
        code: "mirage::adopt::generated_invalid",
        summary: "the description generated from Railway does not resolve",
        help: "nothing was written; this is a bug in `mirage import --generate`: please report it with the diagnostics (they show no secret values)",
    },
    Code {
        code: "mirage::adopt::import_unselected",
        summary: "a bare `mirage import` off a terminal adopts nothing: adopting lets Mirage destroy what it adopts",
        help: "pass `--all` to adopt everything the files declare, or choose with `--env`, `--target ENV/SERVICE` or `--services a,b`",
    },
    Code {
        code: "mirage::adopt::invalid_config_syntax",
        summary: "a railway.json or railway.toml does not parse",
        help: "fix the syntax; the other config files are still converted",
    },
    Code {
        code: "mirage::adopt::invalid_config_value",
        summary: "a config-file field holds a value of the wrong type or out of range",
        help: "fix the value as Railway's config-as-code reference describes it",
    },
    Code {
        code: "mirage::adopt::invalid_service_name",
        summary: "the config file's directory name cannot be a Mirage service name",
        help: "name the service with --service NAME",
    },
    Code {
        code: "mirage::adopt::prefer_refused",
        summary: "`--prefer railway` cannot write Railway's value into the files; nothing was written",
        help: "resolve that value by hand, or run `mirage import --prefer files`",
    },
    Code {
        code: "mirage::adopt::unknown_builder",
        summary: "the config file names a builder Railway does not have",
        help: "use RAILPACK, DOCKERFILE or NIXPACKS (any case)",
    },
    Code {
        code: "mirage::adopt::unknown_config_field",
        summary: "a field Railway's config file does not have",
        help: "remove it, or set what it meant in the dashboard or the .mirage files",
    },
    Code {
        code: "mirage::adopt::unknown_config_schema",
        summary: "the file's $schema is not Railway's (railway.com or railway.app)",
        help: "check that the file is a Railway config file",
    },
    Code {
        code: "mirage::adopt::unreadable_config",
        summary: "a config file cannot be read (missing, not a regular file, too large, not UTF-8)",
        help: "give a regular railway.json or railway.toml file",
    },
    Code {
        code: "mirage::adopt::which_project",
        summary: "import --generate cannot tell which Railway project to read",
        help: "name it with `--project NAME|ID`; `mirage projects` lists what the token sees",
    },
    Code {
        code: "mirage::adopt::write_failed",
        summary: "a generated .mirage file could not be written",
        help: "the path must be a regular file or not exist; move what is there aside and run again",
    },
    Code {
        code: "mirage::apply::destroy_not_allowed",
        summary: "the plan destroys resources and `--allow-destroy` was not given (no terminal to confirm on)",
        help: "review the plan, then pass `--allow-destroy` to allow the destruction",
    },
    Code {
        code: "mirage::apply::incomplete",
        summary: "some steps of the apply failed: Railway holds only part of the plan",
        help: "fix the cause of the failed steps, then run `mirage plan` and `mirage apply` again",
    },
    Code {
        code: "mirage::apply::not_confirmed",
        summary: "nothing was applied: no `yes` at the prompt, or standard input is not a terminal",
        help: "answer `yes` at the prompt, or pass `--auto-approve` when not on a terminal (or apply a saved plan)",
    },
    Code {
        code: "mirage::apply::protected",
        summary: "the plan would destroy an environment or service the files mark `protect`",
        help: "remove `protect` from the files first if the destruction is intended",
    },
    Code {
        code: "mirage::apply::saved_plan_changed",
        summary: "the saved plan no longer matches the `.mirage` files: they changed since it was made",
        help: "run `mirage plan --out FILE` again and review the new plan",
    },
    Code {
        code: "mirage::apply::saved_plan_stale",
        summary: "the saved plan is stale: an environment's `configEtag` changed on Railway since it was made",
        help: "run `mirage plan --out FILE` again and review the new plan",
    },
    Code {
        code: "mirage::apply::saved_plan_unreadable",
        summary: "the plan file given to `mirage apply` cannot be read or is not a plan Mirage saved",
        help: "run `mirage plan --out FILE` again and apply that file",
    },
    Code {
        code: "mirage::auth::bad_callback",
        summary: "the sign-in callback lacks `code` or `state`",
        help: "the provider redirects to `/auth/callback` with both; start again from `/auth/login`",
    },
    Code {
        code: "mirage::auth::bad_header",
        summary: "a webhook delivery lacks `X-GitHub-Event` or `X-GitHub-Delivery`, or its value is unusable",
        help: "GitHub sends both headers with every delivery; check what sits between GitHub and Mirage",
    },
    Code {
        code: "mirage::auth::bad_payload",
        summary: "a signed webhook body is not the JSON GitHub documents for its event",
        help: "set the webhook's content type to `application/json`",
    },
    Code {
        code: "mirage::auth::bad_secret",
        summary: "the Svix signing secret is not whsec_ and base64",
        help: "copy the signing secret from the endpoint's page in Clerk's dashboard",
    },
    Code {
        code: "mirage::auth::bad_signature",
        summary: "a token's signature does not verify",
        help: "the token was altered or is foreign",
    },
    Code {
        code: "mirage::auth::bad_token",
        summary: "a bearer token is not an accepted JWT (shape, size, algorithm)",
        help: "send a JWT of the configured provider, RS256 or ES256",
    },
    Code {
        code: "mirage::auth::code_refused",
        summary: "the provider's token endpoint refused the authorization code",
        help: "codes work once and briefly: sign in again; if it persists, check the client id and secret",
    },
    Code {
        code: "mirage::auth::csrf",
        summary: "a cookie-authenticated request failed its CSRF check (token, `Origin` or `Sec-Fetch-Site`)",
        help: "send the session's token from `GET /auth/session` in `X-CSRF-Token`, from a page of the service's own origin",
    },
    Code {
        code: "mirage::auth::empty_secret",
        summary: "the webhook secret configured in Mirage is empty",
        help: "set the same non-empty secret on the GitHub webhook (or App) and in Mirage",
    },
    Code {
        code: "mirage::auth::id_token_refused",
        summary: "the provider's ID token failed verification (signature, issuer, audience, times or nonce)",
        help: "check `--oidc-issuer`, `--oidc-client-id` (the token's audience) and this machine's clock",
    },
    Code {
        code: "mirage::auth::login_browser",
        summary: "the sign-in was begun in another browser (its login cookie is missing or different)",
        help: "start again from `/auth/login` in this browser, with cookies enabled for this site",
    },
    Code {
        code: "mirage::auth::login_expired",
        summary: "the sign-in took longer than its 10 minutes",
        help: "start again from `/auth/login` and finish within 10 minutes",
    },
    Code {
        code: "mirage::auth::login_unknown",
        summary: "the sign-in callback's `state` is unknown or was already used",
        help: "start again from `/auth/login`; each sign-in link works once",
    },
    Code {
        code: "mirage::auth::not_signed_in",
        summary: "the request has no valid session cookie",
        help: "sign in at `/auth/login`",
    },
    Code {
        code: "mirage::auth::oidc_provider",
        summary: "the OpenID provider's discovery document or keys could not be read",
        help: "check the issuer URL and the network",
    },
    Code {
        code: "mirage::auth::provider_refused",
        summary: "the identity provider refused the sign-in (`error=` on the callback)",
        help: "`access_denied` means the user or a policy declined; otherwise check the client at the provider (redirect URI, scopes, allowed users)",
    },
    Code {
        code: "mirage::auth::provider_unavailable",
        summary: "the identity provider could not be reached or answered nonsense",
        help: "check `--oidc-issuer` and the network, then sign in again",
    },
    Code {
        code: "mirage::auth::replay_store",
        summary: "the store of seen delivery ids could not be consulted, so the delivery was not accepted",
        help: "check the state database; GitHub may redeliver the delivery",
    },
    Code {
        code: "mirage::auth::replayed_delivery",
        summary: "a webhook delivery id was received before; the first delivery is the one acted on",
        help: "nothing to do: GitHub redelivers with the same id",
    },
    Code {
        code: "mirage::auth::session_store",
        summary: "the state database failed while reading or writing a session",
        help: "check the state database; nothing was signed in or out",
    },
    Code {
        code: "mirage::auth::signature_malformed",
        summary: "`X-Hub-Signature-256` is not `sha256=` and 64 hex digits (a truncated or altered signature)",
        help: "check that nothing between GitHub and Mirage rewrites headers",
    },
    Code {
        code: "mirage::auth::signature_mismatch",
        summary: "`X-Hub-Signature-256` does not match the body with the configured secret",
        help: "use the webhook's own secret, and pass the raw body unchanged",
    },
    Code {
        code: "mirage::auth::signature_missing",
        summary: "a webhook delivery has no `X-Hub-Signature-256` header",
        help: "set a secret on the GitHub webhook (or App): GitHub signs deliveries only then",
    },
    Code {
        code: "mirage::auth::signin_disabled",
        summary: "browser sign-in is not configured on this service",
        help: "start `mirage serve` with `--oidc-issuer`, `--oidc-client-id` and `--public-url`",
    },
    Code {
        code: "mirage::auth::stale_delivery",
        summary: "a signed delivery's timestamp is too far from now",
        help: "replays are refused; check the clock",
    },
    Code {
        code: "mirage::auth::svix_signature_malformed",
        summary: "the svix-signature header has no v1 signature",
        help: "a proxy may have altered the header",
    },
    Code {
        code: "mirage::auth::svix_signature_mismatch",
        summary: "no svix-signature signature matches the delivery",
        help: "check the signing secret and that the body is not re-encoded",
    },
    Code {
        code: "mirage::auth::svix_signature_missing",
        summary: "a Clerk (Svix) delivery has no svix-signature header",
        help: "Clerk signs every delivery; this one did not come from it",
    },
    Code {
        code: "mirage::auth::token_refused",
        summary: "a token's issuer, audience, expiry or subject does not hold",
        help: "sign in again; check the clock",
    },
    Code {
        code: "mirage::auth::unknown_key",
        summary: "a token's key id is not published by the provider",
        help: "the token is foreign or its key was retired",
    },
    Code {
        code: "mirage::cli::bad_target",
        summary: "a `--target` is not of the form `ENV/SERVICE`",
        help: "write `--target ENV/SERVICE`, e.g. `--target production/api`",
    },
    Code {
        code: "mirage::cli::no_such_directory",
        summary: "the project directory does not exist",
        help: "pass the directory that holds the project's `.mirage` files",
    },
    Code {
        code: "mirage::cli::not_a_directory",
        summary: "the project path names a file, not a directory",
        help: "pass the directory that holds the project's `.mirage` files",
    },
    Code {
        code: "mirage::cli::template_environment",
        summary: "`--env` of `plan`, `apply` or `destroy` names a template for previews, which is never applied as itself",
        help: "make a preview with `mirage preview up --pr N` and remove it with `mirage preview down --pr N`; `mirage config --env TEMPLATE` shows what previews get",
    },
    Code {
        code: "mirage::cli::unknown_code",
        summary: "`mirage explain` was given a code Mirage does not have",
        help: "`mirage explain --list` prints every code",
    },
    Code {
        code: "mirage::cli::unknown_environment",
        summary: "an environment named on the command line is not declared in the files",
        help: "name an environment the files declare; the closest name is suggested",
    },
    Code {
        code: "mirage::cli::unknown_service",
        summary: "a service named on the command line is neither declared in that environment nor Mirage's on Railway",
        help: "name a service of that environment; the closest name is suggested",
    },
    Code {
        code: "mirage::cli::unreadable_directory",
        summary: "the project directory cannot be read (permissions or an IO error)",
        help: "check the directory's permissions",
    },
    Code {
        code: "mirage::comment::bad_body",
        summary: "the comment body cannot be read: not a file, not UTF-8, or too large",
        help: "pass Markdown text in UTF-8 on standard input or with `--body-file`",
    },
    Code {
        code: "mirage::comment::bad_event",
        summary: "the workflow's event payload (`GITHUB_EVENT_PATH`) cannot be read",
        help: "pass `--pr N`",
    },
    Code {
        code: "mirage::comment::bad_key",
        summary: "a comment key is not letters, digits, `-`, `_` and `.`",
        help: "use a short key such as `plan` or `preview`",
    },
    Code {
        code: "mirage::comment::duplicates",
        summary: "several comments carry the same marker; the oldest is edited, the others left alone",
        help: "delete the extra comments by hand",
    },
    Code {
        code: "mirage::comment::empty_body",
        summary: "the comment body is empty, so nothing is posted",
        help: "check the command piped into `mirage comment` (`set -o pipefail`); `--delete` removes a comment",
    },
    Code {
        code: "mirage::comment::no_body",
        summary: "no comment body: standard input is a terminal and `--body-file` is not given",
        help: "pipe the text in or pass `--body-file FILE`",
    },
    Code {
        code: "mirage::comment::no_credentials",
        summary: "no GitHub credentials: neither `GITHUB_TOKEN` nor a GitHub App is configured",
        help: "set `GITHUB_TOKEN` (in Actions: `${{ secrets.GITHUB_TOKEN }}` with `permissions: pull-requests: write`) or the `MIRAGE_GITHUB_APP_*` variables",
    },
    Code {
        code: "mirage::comment::no_pull_request",
        summary: "no pull request to comment on: no `--pr` and the workflow's event is not about one",
        help: "pass `--pr N`, or run in a workflow triggered by `pull_request`",
    },
    Code {
        code: "mirage::comment::no_repo",
        summary: "no repository to comment on: no `--repo` and no `GITHUB_REPOSITORY`",
        help: "pass `--repo OWNER/NAME`",
    },
    Code {
        code: "mirage::comment::truncated",
        summary: "the comment body is longer than GitHub's 65,536 characters and was cut, with a note",
        help: "make the text shorter (a plan with `--target`); the whole text is in the job's log",
    },
    Code {
        code: "mirage::destroy::project_not_owned",
        summary: "`destroy --all` refused to delete the project: Mirage did not create, or does not own, everything in it",
        help: "destroy what Mirage owns environment by environment with `mirage destroy --env ENV`; remove the rest in Railway",
    },
    Code {
        code: "mirage::discover::duplicate_directive",
        summary: "a Dockerfile parser directive (`# escape=`, `# syntax=`) is given twice",
        help: "keep one of them",
    },
    Code {
        code: "mirage::discover::duplicate_package",
        summary: "two packages of one workspace have the same name",
        help: "rename one of them; package names must be unique in a workspace",
    },
    Code {
        code: "mirage::discover::duplicate_service",
        summary: "two discovered Dockerfile services get the same name, even prefixed with their directory",
        help: "rename one of the services in the generated files",
    },
    Code {
        code: "mirage::discover::invalid_escape",
        summary: "the Dockerfile `# escape=` directive names a character other than `\\` or a backtick",
        help: "use `\\` (the default) or a backtick as the escape character",
    },
    Code {
        code: "mirage::discover::invalid_glob",
        summary: "a workspace pattern (`workspaces`, `members`, …) is not a valid glob",
        help: "fix the pattern; discovery skips it until then",
    },
    Code {
        code: "mirage::discover::invalid_instruction",
        summary: "a Dockerfile instruction is malformed (missing or invalid arguments)",
        help: "fix the instruction; see the Dockerfile reference for its form",
    },
    Code {
        code: "mirage::discover::invalid_json",
        summary: "a JSON file discovery reads (`package.json`, …) does not parse",
        help: "fix the syntax; discovery skips this file until then",
    },
    Code {
        code: "mirage::discover::invalid_toml",
        summary: "a TOML file discovery reads (`Cargo.toml`) does not parse",
        help: "fix the syntax; discovery skips this file until then",
    },
    Code {
        code: "mirage::discover::invalid_yaml",
        summary: "a YAML file discovery reads (`pnpm-workspace.yaml`) does not parse",
        help: "fix the syntax; discovery skips this file until then",
    },
    Code {
        code: "mirage::discover::no_from",
        summary: "a Dockerfile has no `FROM` instruction",
        help: "start the first stage with `FROM image`",
    },
    Code {
        code: "mirage::discover::several_lockfiles",
        summary: "lockfiles of several package managers are present; the first found is used",
        help: "set `packageManager` in the root `package.json` or delete the stale lockfiles",
    },
    Code {
        code: "mirage::discover::unknown_instruction",
        summary: "a Dockerfile line starts with an unknown instruction",
        help: "use a Dockerfile instruction: `FROM`, `RUN`, `COPY`, `CMD`, `EXPOSE`, `ENV`, …",
    },
    Code {
        code: "mirage::discover::unreadable_file",
        summary: "a file discovery wanted to read cannot be read",
        help: "check its permissions; discovery skips this file",
    },
    Code {
        code: "mirage::discover::unterminated_heredoc",
        summary: "a Dockerfile heredoc is never closed",
        help: "end the heredoc with a line holding only its delimiter",
    },
    Code {
        code: "mirage::emulator::start",
        summary: "the built-in emulator (`--local`) could not start, or its data directory could not be created",
        help: "check that `.mirage/` in the project directory is writable, or run without `--local`",
    },
    Code {
        code: "mirage::engine::no_project_name",
        summary: "the project has no name",
        help: "add `project \"name\"` to a `.mirage` file",
    },
    Code {
        code: "mirage::engine::project_has_errors",
        summary: "the project's files have errors, so nothing is planned",
        help: "fix the errors reported above, then plan again",
    },
    Code {
        code: "mirage::github::bad_argument",
        summary: "a repository or sticky-comment marker given to the GitHub client is malformed",
        help: "write repositories `OWNER/NAME`; markers are short single-line labels without `--` or `>`",
    },
    Code {
        code: "mirage::github::bad_key",
        summary: "the GitHub App private key is not an RSA private key in PEM form",
        help: "pass the `.pem` file GitHub generated for the App, unchanged",
    },
    Code {
        code: "mirage::github::bad_url",
        summary: "the GitHub API URL is not a valid http(s) URL",
        help: "use `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server",
    },
    Code {
        code: "mirage::github::forbidden",
        summary: "GitHub refused the request: the token or App lacks a permission",
        help: "give it `issues: write` and `pull_requests: write` on the repository",
    },
    Code {
        code: "mirage::github::invalid",
        summary: "GitHub rejected the request as invalid (HTTP 400 or 422)",
        help: "check what was sent; a comment body is limited to 65,536 characters",
    },
    Code {
        code: "mirage::github::not_found",
        summary: "the repository, pull request or comment does not exist, or the credentials cannot see it",
        help: "check the repository and number, and the credentials' access",
    },
    Code {
        code: "mirage::github::rate_limited",
        summary: "GitHub's primary or secondary rate limit asked for a wait longer than Mirage waits",
        help: "wait and run again; an App installation has a higher limit than a personal token",
    },
    Code {
        code: "mirage::github::transient",
        summary: "GitHub could not be reached, timed out or answered 5xx",
        help: "try again later",
    },
    Code {
        code: "mirage::github::unauthorized",
        summary: "GitHub rejected the credentials (HTTP 401)",
        help: "check the token, or the App id, installation id and private key",
    },
    Code {
        code: "mirage::github::unexpected",
        summary: "GitHub answered something the client does not understand",
        help: "check the API URL; for GitHub Enterprise Server it ends in `/api/v3`",
    },
    Code {
        code: "mirage::import::no_project",
        summary: "there is no project of this name on Railway, so there is nothing to import",
        help: "`mirage apply` creates it",
    },
    Code {
        code: "mirage::import::unknown_service",
        summary: "`--services` names a service the files do not declare",
        help: "name services the files declare with `--services a,b`",
    },
    Code {
        code: "mirage::login::memory_only",
        summary: "the token is kept in the Linux kernel keyring, in memory only (lost at reboot)",
        help: "run `mirage login` again after a reboot, or set `MIRAGE_KEYRING=off` to keep it in a file only you can read",
    },
    Code {
        code: "mirage::login::no_railway_cli_token",
        summary: "the official Railway CLI holds no login token (`~/.railway/config.json`)",
        help: "run `railway login` first, or pass a token with `--with-token`",
    },
    Code {
        code: "mirage::login::no_token",
        summary: "no token was given to `mirage login` (empty standard input or prompt)",
        help: "pipe exactly the token in: `mirage login --with-token < token.txt`",
    },
    Code {
        code: "mirage::login::not_a_terminal",
        summary: "`mirage login` prompts for the token, but standard input is not a terminal",
        help: "pass the token with `--with-token` (standard input), or reuse the Railway CLI's login with `--from-railway-cli`",
    },
    Code {
        code: "mirage::login::not_signed_in",
        summary: "no Railway token: none set in the environment, none stored by `mirage login`",
        help: "run `mirage login`, or set `RAILWAY_API_TOKEN`",
    },
    Code {
        code: "mirage::login::plain_text",
        summary: "no OS keyring is available: the token is kept in plain text in a file only you can read",
        help: "anyone with your account on this machine can read it; `mirage logout` removes it",
    },
    Code {
        code: "mirage::login::shadowed",
        summary: "an environment variable wins over the token `mirage login` stored",
        help: "unset `RAILWAY_TOKEN` / `RAILWAY_API_TOKEN` to use the stored token",
    },
    Code {
        code: "mirage::login::store_failed",
        summary: "the token could not be kept or forgotten (OS keyring or credentials file)",
        help: "set `MIRAGE_KEYRING=off` to use the credentials file, or fix the folder's permissions",
    },
    Code {
        code: "mirage::login::stored_unreadable",
        summary: "the token `mirage login` stored cannot be used (its file is readable by others, or malformed, or the keyring failed)",
        help: "make the file private with `chmod 600`, or run `mirage logout` and `mirage login` again",
    },
    Code {
        code: "mirage::login::token_refused",
        summary: "Railway refused the token (nothing was stored)",
        help: "check the token; create one at https://railway.com/account/tokens, or a project token in the project's settings",
    },
    Code {
        code: "mirage::login::unreachable",
        summary: "Railway could not be asked who the token belongs to",
        help: "check the network and the endpoint (`--endpoint`, `MIRAGE_RAILWAY_URL`), then try again",
    },
    Code {
        code: "mirage::observe::ambiguous_project",
        summary: "several projects share that name",
        help: "name the project by its id (`mirage projects` lists them)",
    },
    Code {
        code: "mirage::observe::bad_filter",
        summary: "Railway refused the log filter or window",
        help: "see Railway's filter syntax (words, \"phrases\", `@attr:value`, AND/OR/-, parentheses) in docs/observe.md",
    },
    Code {
        code: "mirage::observe::bad_level",
        summary: "`--level` is not a known severity",
        help: "levels: `debug`, `info`, `warn`, `error`",
    },
    Code {
        code: "mirage::observe::bad_output",
        summary: "`--output` cannot be written",
        help: "pass the path of a new file or of a regular file to replace, in a writable directory",
    },
    Code {
        code: "mirage::observe::bad_time",
        summary: "`--since`, `--from` or `--to` is not a time",
        help: "use RFC 3339 (`2026-12-07T10:00:00Z`) or a duration ago (`30m`, `1h`, `2d`)",
    },
    Code {
        code: "mirage::observe::bad_window",
        summary: "`--from` is after `--to`",
        help: "swap them: `--from` is the start of the window",
    },
    Code {
        code: "mirage::observe::deploy_failed",
        summary: "a deployment the command waited for failed",
        help: "read what failed (`mirage status` shows it with its last log lines), fix it, then apply again",
    },
    Code {
        code: "mirage::observe::follow_build",
        summary: "`--follow` with `--build` is not supported",
        help: "read the build logs without `--follow`, or follow the deploy logs without `--build`",
    },
    Code {
        code: "mirage::observe::follow_with_end",
        summary: "`--follow` was given an end (`--to`)",
        help: "drop `--to` to follow new lines, or drop `--follow` to read a past window",
    },
    Code {
        code: "mirage::observe::not_deployed",
        summary: "the project, environment or service is not on Railway",
        help: "run `mirage apply` first, or pass `--local` / `--endpoint` to read where it was applied",
    },
    Code {
        code: "mirage::observe::read_failed",
        summary: "Railway could not be read (the status, the logs or the projects)",
        help: "check the connection to Railway and the token, then run the command again",
    },
    Code {
        code: "mirage::observe::stream_lost",
        summary: "`logs --follow` could not reconnect for two minutes",
        help: "check the connection to Railway, then run the command again",
    },
    Code {
        code: "mirage::observe::unknown_environment",
        summary: "`--env` names an environment the files do not declare",
        help: "name an environment of the files with `--env`, or leave `--env` out for all",
    },
    Code {
        code: "mirage::observe::unknown_project",
        summary: "no project of the account has that name or id",
        help: "run `mirage projects` for the names and ids the token sees",
    },
    Code {
        code: "mirage::observe::wait_timeout",
        summary: "the deployments were not final when the wait ended",
        help: "the deployments go on: follow them with `mirage status --watch`, or wait longer",
    },
    Code {
        code: "mirage::observe::write_failed",
        summary: "the logs could not be written",
        help: "check the disk (or the file of `--output`)",
    },
    Code {
        code: "mirage::plan::duplicate_on_railway",
        summary: "several projects, environments, services or volumes on Railway carry a name the files expect once",
        help: "rename or delete the extra one on Railway, then plan again; Mirage never picks one",
    },
    Code {
        code: "mirage::plan::move_target_exists",
        summary: "a `moved` cannot rename: both the old and the new name exist on Railway",
        help: "if the rename already happened, delete the old one on Railway or remove the `moved`",
    },
    Code {
        code: "mirage::plan::sealed_on_railway",
        summary: "a variable is sealed on Railway but the files do not seal it",
        help: "add `sealed=#true` to the variable: Railway cannot unseal it",
    },
    Code {
        code: "mirage::plan::secret_unreadable",
        summary: "a secret the plan uses cannot be read from its source",
        help: "set the variable an `env:NAME` reference names in the environment of the command",
    },
    Code {
        code: "mirage::plan::secrets_missing",
        summary: "some secrets cannot be read, so nothing was planned, read from Railway or written",
        help: "fix the unreadable secrets reported above, then run the command again",
    },
    Code {
        code: "mirage::preview::ambiguous_template",
        summary: "the project has several preview templates and none was chosen",
        help: "say which with `--template NAME`",
    },
    Code {
        code: "mirage::preview::apply_incomplete",
        summary: "the preview's environment could not be fully created or updated",
        help: "fix the failures shown and run `mirage preview up` again; it picks up where the last run stopped",
    },
    Code {
        code: "mirage::preview::bad_branch",
        summary: "the branch is not a name git accepts (spaces, newlines, forbidden characters)",
        help: "pass the pull request's head branch as git names it (`github.head_ref`)",
    },
    Code {
        code: "mirage::preview::bad_number",
        summary: "`--pr` is not a pull request number",
        help: "pass the pull request's number, e.g. `--pr 123`",
    },
    Code {
        code: "mirage::preview::bad_repo",
        summary: "the repository is not `owner/name`",
        help: "pass the pull request's repository as `owner/name` (`github.repository`)",
    },
    Code {
        code: "mirage::preview::bad_sha",
        summary: "the commit is not 7 to 40 hexadecimal digits",
        help: "pass the head commit's SHA (`github.event.pull_request.head.sha`)",
    },
    Code {
        code: "mirage::preview::bad_wait",
        summary: "`--wait` is not a duration",
        help: "e.g. `--wait 10m`, or `--no-wait`",
    },
    Code {
        code: "mirage::preview::copy_failed",
        summary: "the preview's environment could not be copied from its source",
        help: "run `mirage preview up` again: what was created is found by name",
    },
    Code {
        code: "mirage::preview::deploy_failed",
        summary: "a deployment of the preview failed or could not be started",
        help: "read the deployment's logs in Railway, fix the branch and push again; `mirage preview up` redeploys",
    },
    Code {
        code: "mirage::preview::no_project",
        summary: "the project does not exist on Railway yet",
        help: "apply the project first (`mirage apply`); previews are made in it",
    },
    Code {
        code: "mirage::preview::no_source",
        summary: "the preview's source environment does not exist on Railway",
        help: "apply the source environment first, or change the template's `source`",
    },
    Code {
        code: "mirage::preview::no_such_template",
        summary: "`--template` names no preview template of the project",
        help: "pass one of the project's templates (environments with `ephemeral=#true`)",
    },
    Code {
        code: "mirage::preview::no_template",
        summary: "the project has no preview template",
        help: "declare one: `environment \"pr\" ephemeral=#true ttl=\"72h\" { … }`",
    },
    Code {
        code: "mirage::preview::wait_timeout",
        summary: "the preview's deployments were not healthy before `--wait` ran out",
        help: "check the deployments in Railway; wait longer with `--wait 20m`, or not at all with `--no-wait`",
    },
    Code {
        code: "mirage::railway::bad_endpoint",
        summary: "the Railway endpoint (`--endpoint` or `MIRAGE_RAILWAY_URL`) is not a usable URL",
        help: "give an `http://` or `https://` URL, or unset `MIRAGE_RAILWAY_URL` to use Railway",
    },
    Code {
        code: "mirage::railway::missing_token",
        summary: "no Railway token is set",
        help: "run `mirage login`, or set `RAILWAY_API_TOKEN` (or `RAILWAY_TOKEN`), or use `--local` to try the built-in emulator",
    },
    Code {
        code: "mirage::railway::read_failed",
        summary: "the project could not be read from Railway (network, authentication or a GraphQL error)",
        help: "check the network and the token, then run the command again",
    },
    Code {
        code: "mirage::railway::token_scope",
        summary: "the project token reaches another environment or project than the one asked for, or cannot say which it reaches",
        help: "a project token reaches one environment of one project; use an account token (`RAILWAY_API_TOKEN`) for the others",
    },
    Code {
        code: "mirage::registry::access_denied",
        summary: "an image cannot be verified: its registry refused access (401/403)",
        help: "for a private image set `MIRAGE_REGISTRY_USERNAME` and `MIRAGE_REGISTRY_PASSWORD`",
    },
    Code {
        code: "mirage::registry::image_not_found",
        summary: "an image does not exist: the registry has no such repository, tag or digest",
        help: "check the name and the tag, or push the image first",
    },
    Code {
        code: "mirage::registry::unexpected_status",
        summary: "an image cannot be verified: its registry answered an unexpected HTTP status",
        help: "the registry may be down, or may not speak the OCI distribution API",
    },
    Code {
        code: "mirage::registry::unreachable",
        summary: "an image cannot be verified: its registry cannot be reached (DNS, connection, TLS or timeout)",
        help: "check the network and the registry host, or run `mirage check` without `--registry` offline",
    },
    Code {
        code: "mirage::resolve::binary_file",
        summary: "a `.mirage` file is binary (it contains a NUL byte near its start)",
        help: "a `.mirage` file is UTF-8 text: remove the file or give it another extension",
    },
    Code {
        code: "mirage::resolve::dependency_cycle",
        summary: "services depend on each other in a loop",
        help: "break the loop: remove a `depends-on` or a `${{service.VAR}}` reference",
    },
    Code {
        code: "mirage::resolve::duplicate_definition",
        summary: "two services, templates, layers, environments or projects have the same name",
        help: "rename one of them; names are unique in a project",
    },
    Code {
        code: "mirage::resolve::duplicate_move",
        summary: "one name takes part in two `moved`",
        help: "keep one `moved` per rename: write `a` → `c` directly instead of `a` → `b` → `c`",
    },
    Code {
        code: "mirage::resolve::duplicate_setting",
        summary: "a setting, variable or domain is written twice in one block",
        help: "remove one of them; to override a value, set it in a layer or environment",
    },
    Code {
        code: "mirage::resolve::extends_cycle",
        summary: "templates or layers extend each other in a loop",
        help: "remove one `extends=` so that they form a chain",
    },
    Code {
        code: "mirage::resolve::file_too_large",
        summary: "a source file is over the 8 MiB limit",
        help: "split it into several files; every `.mirage` file in the project directory is read",
    },
    Code {
        code: "mirage::resolve::import_cycle",
        summary: "files import each other in a loop",
        help: "remove one of these imports; files in the project directory are loaded without importing them",
    },
    Code {
        code: "mirage::resolve::invalid_cron",
        summary: "a cron schedule is not valid",
        help: "write five fields: minute hour day-of-month month day-of-week, e.g. `*/15 * * * *`",
    },
    Code {
        code: "mirage::resolve::invalid_domain",
        summary: "a custom domain is not a host name (or its pattern gives one for an environment)",
        help: "write a host name such as `api.shop.example`; for a `*.up.railway.app` domain write `generated-domain`",
    },
    Code {
        code: "mirage::resolve::invalid_duration",
        summary: "a duration (`ttl`, `draining`, …) is not valid",
        help: "write a number and a unit: `30s`, `30m`, `72h`, `3d`",
    },
    Code {
        code: "mirage::resolve::invalid_generator",
        summary: "a `(generate)` value is not a known generator",
        help: "write `(generate)\"secret(32)\"` or `(generate)\"secret(32, \\\"alphabet\\\")\"` (length 1–256)",
    },
    Code {
        code: "mirage::resolve::invalid_image",
        summary: "an image reference is not valid",
        help: "write the image as `name:tag` or `name@sha256:…`, e.g. `postgres:17`",
    },
    Code {
        code: "mirage::resolve::invalid_mount_path",
        summary: "a volume mount path is not absolute",
        help: "write an absolute path such as `/data`",
    },
    Code {
        code: "mirage::resolve::invalid_move",
        summary: "a `moved` names neither exactly one service nor one environment, or moves a name to itself",
        help: "write `moved service=\"old\" to=\"new\"` or `moved environment=\"old\" to=\"new\"`",
    },
    Code {
        code: "mirage::resolve::invalid_name",
        summary: "a declaration name holds characters names cannot have",
        help: "use letters, digits, `-` and `_`",
    },
    Code {
        code: "mirage::resolve::invalid_port",
        summary: "a port is outside 1–65535",
        help: "use a port from 1 to 65535",
    },
    Code {
        code: "mirage::resolve::invalid_preview_name",
        summary: "a preview name pattern without `{number}` (or with it twice), with an unknown placeholder or a character an environment name cannot hold, or giving names that make no host name in a `{environment}` domain",
        help: "write a pattern such as `name=\\\"pr-{number}\\\"`: `{template}` and `{number}` (once) in letters, digits, `-` and `_` (no `_` when domains use `{environment}`)",
    },
    Code {
        code: "mirage::resolve::invalid_preview_source",
        summary: "`source=` of a `preview` names a template (itself or another), which never exists on Railway to be copied",
        help: "name an environment that is applied, such as `staging`, or remove `source=`",
    },
    Code {
        code: "mirage::resolve::invalid_reference",
        summary: "a `${{…}}` variable reference is malformed",
        help: "references look like `${{NAME}}`, `${{service.NAME}}` or `${{shared.NAME}}`",
    },
    Code {
        code: "mirage::resolve::invalid_repo",
        summary: "a repository is not a GitHub `owner/name`",
        help: "write the repository as `owner/name`, e.g. `repo \"acme/shop\"`",
    },
    Code {
        code: "mirage::resolve::invalid_restart_policy",
        summary: "a restart policy is not `always`, `never` or `on-failure`",
        help: "use `always`, `never` or `on-failure`",
    },
    Code {
        code: "mirage::resolve::invalid_secret",
        summary: "a `(secret)` source has no known scheme or no location",
        help: "write a secret reference such as `(secret)\"env:STRIPE_KEY\"`",
    },
    Code {
        code: "mirage::resolve::invalid_secret_command",
        summary: "a project's secret command names no program",
        help: "name the program first: `command \"op\" \"read\" \"{}\"`",
    },
    Code {
        code: "mirage::resolve::invalid_size",
        summary: "a size is not valid",
        help: "write a number and a unit: `512MB`, `5GB`",
    },
    Code {
        code: "mirage::resolve::invalid_value_type",
        summary: "a value is of the wrong kind (a string where a number goes, …)",
        help: "write a value of the kind the setting takes; see `docs/language.md`",
    },
    Code {
        code: "mirage::resolve::invalid_variable_name",
        summary: "a variable name is not `[A-Za-z_][A-Za-z0-9_]*`",
        help: "start variable names with a letter or `_`, then letters, digits and `_`",
    },
    Code {
        code: "mirage::resolve::invalid_vault_auth",
        summary: "an unknown Vault sign-in method",
        help: "use `auth=\"token\"`, `\"approle\"` or `\"kubernetes\"`",
    },
    Code {
        code: "mirage::resolve::missing_import",
        summary: "an imported file does not exist",
        help: "check the path; imports are relative to the importing file",
    },
    Code {
        code: "mirage::resolve::missing_project",
        summary: "services or environments are declared but no `project`",
        help: "add `project \"name\" { }` to one of the files",
    },
    Code {
        code: "mirage::resolve::missing_value",
        summary: "a node lacks its required value",
        help: "write the value the node needs; see `docs/language.md`",
    },
    Code {
        code: "mirage::resolve::moved_from_declared",
        summary: "a `moved` renames a name that is still declared",
        help: "remove the old name from the files, or remove the `moved` if the declared one is new",
    },
    Code {
        code: "mirage::resolve::moved_template",
        summary: "`moved environment=… to=…` names a template, which is never applied as an environment",
        help: "remove this `moved`; delete the old environment in Railway if it is no longer needed",
    },
    Code {
        code: "mirage::resolve::moved_to_unknown",
        summary: "a `moved` renames to a name that is not a declared service or environment",
        help: "declare the new name, or fix the `to=` of the `moved`",
    },
    Code {
        code: "mirage::resolve::no_environment",
        summary: "the project declares no environment, so nothing is applied",
        help: "add an environment, e.g. `environment \"production\"`",
    },
    Code {
        code: "mirage::resolve::no_files",
        summary: "the directory holds no `.mirage` file",
        help: "create a file such as `main.mirage` with `project \"name\" { }`, or pass the project directory",
    },
    Code {
        code: "mirage::resolve::no_source",
        summary: "a service has neither `repo` nor `image` after all its templates and layers",
        help: "add `repo \"owner/name\"` or `image \"name:tag\"` to the service or to its template",
    },
    Code {
        code: "mirage::resolve::not_a_mirage_file",
        summary: "an import names a file that is not a `.mirage` file",
        help: "import only `.mirage` files, or a standard module (`std/<name>`)",
    },
    Code {
        code: "mirage::resolve::not_a_regular_file",
        summary: "a FIFO, device, socket or directory stands where a source file should be",
        help: "replace it with a regular file, or rename it so that it does not end in `.mirage`",
    },
    Code {
        code: "mirage::resolve::not_allowed_here",
        summary: "a setting such as `repo`, `image` or `root` is set for every service at once",
        help: "move it into a `service \"…\" { }` block",
    },
    Code {
        code: "mirage::resolve::not_utf8",
        summary: "a source file is not valid UTF-8",
        help: "save the file as UTF-8",
    },
    Code {
        code: "mirage::resolve::out_of_range",
        summary: "a number is outside its allowed range (replicas 0–50, …)",
        help: "use a value in the range the help line gives",
    },
    Code {
        code: "mirage::resolve::outside_project",
        summary: "a file or import is (or resolves to a path) outside the project directory",
        help: "copy the file into the project directory and import it with a relative path",
    },
    Code {
        code: "mirage::resolve::plain_secret",
        summary: "a registry password is written in the files instead of as a secret reference",
        help: "write `password=(secret)\"env:REGISTRY_PASSWORD\"`; passwords never go in files",
    },
    Code {
        code: "mirage::resolve::preview_missing_dependency",
        summary: "a service that previews get depends on (or references) a service the template's `preview { services … }` leaves out",
        help: "add the dependency to `services`, or leave the dependent service out too",
    },
    Code {
        code: "mirage::resolve::preview_name_collision",
        summary: "two templates whose previews can have the same name, or a name pattern that gives a declared environment's name",
        help: "give each template's previews names of their own (`name=\\\"{template}-{number}\\\"`), distinct from every declared environment",
    },
    Code {
        code: "mirage::resolve::preview_without_ephemeral",
        summary: "a `preview` node in an environment that is not a template (`ephemeral=#true`)",
        help: "add `ephemeral=#true` to the environment to make it a template for previews, or remove `preview`",
    },
    Code {
        code: "mirage::resolve::protected_template",
        summary: "`protect` in a template for previews (directly, from its layer, or on one of its services): its previews could never be destroyed",
        help: "write `protect #false` in the template; previews are destroyed when their pull request closes or their TTL expires",
    },
    Code {
        code: "mirage::resolve::sealed_plain_value",
        summary: "`sealed=#true` on a variable whose value is written in the files",
        help: "seal a secret or generated value (`NAME (secret)\"env:NAME\" sealed=#true`), or remove `sealed=#true`",
    },
    Code {
        code: "mirage::resolve::symlink_loop",
        summary: "a symbolic link leads back to itself",
        help: "point the link at a real file inside the project, or remove it",
    },
    Code {
        code: "mirage::resolve::ttl_without_ephemeral",
        summary: "`ttl` is set on an environment that is not ephemeral",
        help: "add `ephemeral=#true`, or remove `ttl`",
    },
    Code {
        code: "mirage::resolve::two_sources",
        summary: "one block sets both `repo` and `image`",
        help: "keep either `repo` or `image`",
    },
    Code {
        code: "mirage::resolve::unexpected_argument",
        summary: "a node has values it does not take",
        help: "remove the extra values, or quote a value that contains spaces",
    },
    Code {
        code: "mirage::resolve::unknown_annotation",
        summary: "a type annotation is neither `(secret)` nor `(generate)`",
        help: "annotate variable values with `(secret)` or `(generate)`",
    },
    Code {
        code: "mirage::resolve::unknown_builder",
        summary: "a builder is not one Railway knows",
        help: "use `railpack`, `dockerfile` or `nixpacks`",
    },
    Code {
        code: "mirage::resolve::unknown_environment",
        summary: "`source=` of a `preview` names no declared environment",
        help: "name a declared environment that is not a template, e.g. `source=\\\"staging\\\"`, or remove `source=` to build previews from the files alone",
    },
    Code {
        code: "mirage::resolve::unknown_layer",
        summary: "`layer=` or `extends=` names no declared layer",
        help: "declare it with `layer \"name\" { … }`, or fix the name",
    },
    Code {
        code: "mirage::resolve::unknown_node",
        summary: "a node is not a known declaration or setting (or is at the wrong level)",
        help: "check the name; the closest known one is suggested",
    },
    Code {
        code: "mirage::resolve::unknown_plan",
        summary: "`plan` is not one of Railway's plans",
        help: "use `free`, `trial`, `hobby`, `pro` or `enterprise`",
    },
    Code {
        code: "mirage::resolve::unknown_property",
        summary: "a node has a property it does not take",
        help: "check the property's name; see `docs/language.md`",
    },
    Code {
        code: "mirage::resolve::unknown_region",
        summary: "a region is not a Railway region",
        help: "use one of Railway's regions; the closest is suggested",
    },
    Code {
        code: "mirage::resolve::unknown_service",
        summary: "`depends-on`, `service \"S\"` or `${{S.VAR}}` names no declared service",
        help: "declare the service, or fix the name",
    },
    Code {
        code: "mirage::resolve::unknown_stdlib_module",
        summary: "`import \"std/…\"` names a module the standard library does not have",
        help: "import one of the standard library's modules",
    },
    Code {
        code: "mirage::resolve::unknown_template",
        summary: "`from=` or `extends=` names no declared template",
        help: "declare it with `template \"name\" { … }`, or import the standard module that defines it",
    },
    Code {
        code: "mirage::resolve::unknown_variable",
        summary: "a reference names a variable the service (or the shared set) does not define",
        help: "define the variable, or fix the reference",
    },
    Code {
        code: "mirage::resolve::unreadable_file",
        summary: "a source file or the project directory cannot be read",
        help: "check that the file exists and is readable",
    },
    Code {
        code: "mirage::resolve::unused_layer",
        summary: "a layer no environment uses",
        help: "use it with `environment \"…\" layer=\"…\"` (or `extends=`), or remove it",
    },
    Code {
        code: "mirage::resolve::unused_template",
        summary: "a template no service uses",
        help: "use it with `service \"…\" from=\"…\"`, or remove it",
    },
    Code {
        code: "mirage::rules::cron_too_frequent",
        summary: "a cron schedule runs less than 5 minutes apart; Railway runs cron jobs at most every 5 minutes",
        help: "space the runs at least 5 minutes apart, e.g. `*/5 * * * *`",
    },
    Code {
        code: "mirage::rules::domain_attached_twice",
        summary: "a custom domain is attached to more than one service instance; Railway attaches a domain once",
        help: "give each environment its own domain with `{environment}` in it, and each service its own",
    },
    Code {
        code: "mirage::rules::domain_in_ephemeral",
        summary: "a fixed custom domain in an ephemeral environment would be attached by every preview copy",
        help: "put the environment's name in it, e.g. `domain \"api.{environment}.shop.example\"`",
    },
    Code {
        code: "mirage::rules::internal_domain",
        summary: "a custom domain is not public (`.railway.internal`, `.local`, `.internal`, …)",
        help: "attach only public domains; services reach each other privately at `${{service.RAILWAY_PRIVATE_DOMAIN}}`",
    },
    Code {
        code: "mirage::rules::railway_domain",
        summary: "a custom domain is one of Railway's own (`*.up.railway.app`, `railway.app`, …)",
        help: "for a `*.up.railway.app` domain write `generated-domain`; a custom domain is one you own",
    },
    Code {
        code: "mirage::rules::replicas_with_volume",
        summary: "a service with a volume runs more than one replica; Railway cannot share a volume",
        help: "give the service one replica (`replicas 1`), or remove its volume",
    },
    Code {
        code: "mirage::rules::restart_not_in_plan",
        summary: "a Free or Trial plan cannot restart a service `always`, nor more than 10 times on failure",
        help: "upgrade the workspace to a paid plan, or restart `on-failure` with at most 10 retries",
    },
    Code {
        code: "mirage::rules::service_name_too_long",
        summary: "a service name is over 32 characters, the most Railway allows",
        help: "shorten the name to at most 32 characters",
    },
    Code {
        code: "mirage::rules::tcp_proxy_and_domain",
        summary: "a service has both a TCP proxy and a generated domain, which Railway does not offer together",
        help: "remove one of them (a database usually needs only the proxy)",
    },
    Code {
        code: "mirage::rules::volume_too_large",
        summary: "a volume is larger than the workspace's plan allows",
        help: "make it smaller, or declare the plan the workspace is on (`plan \"pro\"` in the project)",
    },
    Code {
        code: "mirage::rules::wildcard_overlap",
        summary: "a subdomain is covered by another service's wildcard domain",
        help: "a subdomain and a wildcard over it must belong to the same service: move one of them",
    },
    Code {
        code: "mirage::secrets::bad_master_key",
        summary: "a master key is not 32 bytes of base64",
        help: "make one with head -c 32 /dev/urandom | base64",
    },
    Code {
        code: "mirage::secrets::does_not_open",
        summary: "a stored secret does not open (altered, moved or another key)",
        help: "set the secret again; check the master key",
    },
    Code {
        code: "mirage::secrets::no_master_key",
        summary: "No master key is configured for Mirage's encrypted secret store (MIRAGE_MASTER_KEY, MIRAGE_MASTER_KEY_FILE or the OS keyring's master-key entry).",
        help: "Make one with mirage secret key generate (kept in the OS keyring, or --to-file FILE with MIRAGE_MASTER_KEY_FILE=FILE), or set MIRAGE_MASTER_KEY to the output of head -c 32 /dev/urandom | base64; keep it outside the database.",
    },
    Code {
        code: "mirage::secrets::no_randomness",
        summary: "the system's random source failed",
        help: "nothing was stored",
    },
    Code {
        code: "mirage::secrets::not_sealed",
        summary: "a stored secret is not in Mirage's sealed form",
        help: "set the secret again",
    },
    Code {
        code: "mirage::secrets::removed_secret",
        summary: "The secret was removed with mirage secret rm: its sealed values are deleted, its history is kept.",
        help: "Set it again with mirage secret set NAME (it gets the next version number).",
    },
    Code {
        code: "mirage::secrets::unknown_master_key",
        summary: "a secret was sealed with a master key not in the keyring",
        help: "add the previous key until every secret is resealed",
    },
    Code {
        code: "mirage::secrets::unknown_secret",
        summary: "The store holds no secret of that name for this project (or, with --user, for you).",
        help: "Check the name with mirage secret list (the help names the closest one), or add it with mirage secret set NAME.",
    },
    Code {
        code: "mirage::serve::apply_incomplete",
        summary: "a project apply through serve stopped part way",
        help: "the job is retried; it picks up where the attempt stopped",
    },
    Code {
        code: "mirage::serve::bad_environment_name",
        summary: "the name asked for an environment is not one serve gives",
        help: "use lowercase letters, digits and `-`, starting with a letter, at most 40 characters",
    },
    Code {
        code: "mirage::serve::bad_log_query",
        summary: "Railway refused a service's log query (its filter or date)",
        help: "check `filter` (Railway's log filter syntax) and `before` (RFC 3339)",
    },
    Code {
        code: "mirage::serve::bad_override",
        summary: "a variable override's value is malformed",
        help: "references look like `${{NAME}}`, `${{service.NAME}}` or `${{shared.NAME}}`",
    },
    Code {
        code: "mirage::serve::bad_request",
        summary: "an API request's body or query is not what the endpoint takes",
        help: "read the message: it names the field; docs/serve.md lists each endpoint's body",
    },
    Code {
        code: "mirage::serve::bad_resource",
        summary: "a size asked for a new environment's service is not one, or names a service it cannot be set on",
        help: "give replicas as a whole number, cpu in vCPUs above 0, memory as a size such as `512MB`, for selected services of the template",
    },
    Code {
        code: "mirage::serve::bad_secret_reference",
        summary: "a secret override is not a secret reference",
        help: "write `env:NAME`, `vault:mount/path#key` or `store:name`",
    },
    Code {
        code: "mirage::serve::bad_ttl",
        summary: "a TTL of zero was asked for",
        help: "ask for at least one second, at most the template's TTL",
    },
    Code {
        code: "mirage::serve::config_duplicate_key",
        summary: "a key is set twice in the configuration file",
        help: "keep one of them",
    },
    Code {
        code: "mirage::serve::config_inline_secret",
        summary: "a secret is written in the configuration file itself",
        help: "name where it is instead: `env:VARIABLE` or `file:PATH`",
    },
    Code {
        code: "mirage::serve::config_secret",
        summary: "a secret the configuration names cannot be read",
        help: "set the variable or create the file the reference names",
    },
    Code {
        code: "mirage::serve::config_unknown_key",
        summary: "a key the configuration file of `mirage serve` does not have",
        help: "use one of the keys docs/serve.md lists (the help names the closest)",
    },
    Code {
        code: "mirage::serve::config_unreadable",
        summary: "the configuration file of `mirage serve` cannot be read",
        help: "check `--config` / `MIRAGE_SERVE_CONFIG`",
    },
    Code {
        code: "mirage::serve::config_value",
        summary: "a value of the configuration file (or its flag or variable) is not what the key takes",
        help: "write the value as docs/serve.md shows for the key",
    },
    Code {
        code: "mirage::serve::create_incomplete",
        summary: "an environment's creation through serve stopped part way",
        help: "the job is retried; it picks up where the attempt stopped",
    },
    Code {
        code: "mirage::serve::dependency_not_selected",
        summary: "a create selects a service but not a service it depends on",
        help: "select the dependency too, or leave the dependent service out",
    },
    Code {
        code: "mirage::serve::destroy_incomplete",
        summary: "an environment's teardown through serve stopped part way",
        help: "the job is retried",
    },
    Code {
        code: "mirage::serve::duplicate_project",
        summary: "two served projects have the same name",
        help: "serve each project once; its name is the `project` of its `.mirage` files",
    },
    Code {
        code: "mirage::serve::environment_exists",
        summary: "the environment name asked for is taken",
        help: "choose another name: declared environments, previews and serve-created environments keep theirs",
    },
    Code {
        code: "mirage::serve::environment_kept",
        summary: "a serve-created environment holds something that is not Mirage's",
        help: "remove what is not Mirage's from it in Railway, then destroy it again",
    },
    Code {
        code: "mirage::serve::forbidden",
        summary: "the caller's role in the project does not allow this",
        help: "ask an admin of the project for a higher role (PUT /api/projects/{project}/members/{user}); roles are viewer < member < admin",
    },
    Code {
        code: "mirage::serve::internal",
        summary: "`mirage serve` could not handle a request (a task of the service failed)",
        help: "look at the service's log for the cause; the sender may retry",
    },
    Code {
        code: "mirage::serve::invalid_request",
        summary: "a request to serve's API has several problems (each in `problems`)",
        help: "fix each problem listed and send the request again",
    },
    Code {
        code: "mirage::serve::last_admin",
        summary: "the change would leave a project without an admin",
        help: "make another member admin first, then demote or remove this one",
    },
    Code {
        code: "mirage::serve::listen",
        summary: "`mirage serve` cannot listen on the address given",
        help: "choose another address with `--listen`, or stop what uses this one",
    },
    Code {
        code: "mirage::serve::metrics_token",
        summary: "`/metrics` was asked without its bearer token",
        help: "send `Authorization: Bearer <token>` with the value of `--metrics-token` (`MIRAGE_METRICS_TOKEN`)",
    },
    Code {
        code: "mirage::serve::no_master_key",
        summary: "the service has no master key, so it cannot store a Railway token",
        help: "start mirage serve with MIRAGE_MASTER_KEY (head -c 32 /dev/urandom | base64) or --master-key-file; secrets are never stored in clear",
    },
    Code {
        code: "mirage::serve::no_owner",
        summary: "an environment was asked for without an owner",
        help: "the request's user id becomes its owner",
    },
    Code {
        code: "mirage::serve::no_project",
        summary: "the project does not exist on Railway yet",
        help: "apply the project first; environments are made in it",
    },
    Code {
        code: "mirage::serve::no_project_files",
        summary: "the service has no files for the project asked about",
        help: "run `mirage serve` with the project's directory, or ask the replica that serves it",
    },
    Code {
        code: "mirage::serve::no_such_template",
        summary: "the project has no template of that name",
        help: "list the project's templates; a template is an environment with `ephemeral=#true`",
    },
    Code {
        code: "mirage::serve::not_found",
        summary: "no route of `mirage serve` answers this path",
        help: "webhooks go to `/webhooks/github` and `/webhooks/railway/SECRET`; health checks to `/healthz` and `/readyz`",
    },
    Code {
        code: "mirage::serve::not_on_railway",
        summary: "the environment is not on Railway yet",
        help: "follow its job's events until it is created, then connect again",
    },
    Code {
        code: "mirage::serve::not_ready",
        summary: "`/readyz`: the state database cannot be reached or its schema is not this service's",
        help: "check the database and that every replica runs the same version of Mirage",
    },
    Code {
        code: "mirage::serve::not_serve_environment",
        summary: "serve acts only on environments it created",
        help: "declared environments are removed by editing the files; previews go with their pull request",
    },
    Code {
        code: "mirage::serve::project_dir",
        summary: "a served project's directory does not exist or has errors",
        help: "point `dir` / `--project` at the checkout of the project's `.mirage` files",
    },
    Code {
        code: "mirage::serve::project_name",
        summary: "a `project` block's name is not the name of the project in its directory",
        help: "name the block as the `project` of the `.mirage` files in its `dir`",
    },
    Code {
        code: "mirage::serve::queue_failed",
        summary: "a verified webhook could not be turned into a job: the state database refused the write",
        help: "check the state database; the delivery was not remembered, so GitHub's redelivery is accepted",
    },
    Code {
        code: "mirage::serve::railway_payload",
        summary: "the body sent to `/webhooks/railway/SECRET` is not a Railway webhook",
        help: "point only Railway's project webhook at this URL",
    },
    Code {
        code: "mirage::serve::railway_secret",
        summary: "the secret in the Railway webhook's URL is not the one `mirage serve` was given",
        help: "set the webhook's URL in Railway to `/webhooks/railway/` followed by `MIRAGE_RAILWAY_WEBHOOK_SECRET`",
    },
    Code {
        code: "mirage::serve::redeploy_unknown",
        summary: "a redeploy may or may not have reached Railway: its outcome is unknown",
        help: "check the service's latest deployment before asking again; serve never repeats it blindly",
    },
    Code {
        code: "mirage::serve::render_failed",
        summary: "a plan could not be written as JSON",
        help: "report it: a plan is always serialisable",
    },
    Code {
        code: "mirage::serve::reserved_environment_name",
        summary: "the environment name asked for is reserved",
        help: "choose another name, e.g. with your name in it",
    },
    Code {
        code: "mirage::serve::resource_too_large",
        summary: "a size asked for a new environment's service is above what its template gives it",
        help: "ask for at most the template's value (validate's preview lists each service's maxima)",
    },
    Code {
        code: "mirage::serve::secret_in_clear",
        summary: "a secret variable was overridden with a value in clear",
        help: "send a secret reference (`{\"secret\": \"env:NAME\"}`); values of secrets are never sent or stored",
    },
    Code {
        code: "mirage::serve::state_unavailable",
        summary: "the state database failed during an API request",
        help: "retry later; the service's log (api.state_failed) says why",
    },
    Code {
        code: "mirage::serve::token_role",
        summary: "an API token cannot have a higher role than its maker's",
        help: "ask for a role no higher than your own in the project",
    },
    Code {
        code: "mirage::serve::ttl_too_long",
        summary: "the TTL asked for is longer than the template allows",
        help: "ask for at most the template's TTL (or 30 days without one)",
    },
    Code {
        code: "mirage::serve::unauthenticated",
        summary: "the API request carries no credentials, or ones that do not hold",
        help: "send Authorization: Bearer with a JWT of the configured OpenID provider or a Mirage API token (mrg_...); expired, revoked and tampered ones are refused",
    },
    Code {
        code: "mirage::serve::unknown_job",
        summary: "no such job in this project",
        help: "use the job number the request answered",
    },
    Code {
        code: "mirage::serve::unknown_project",
        summary: "the request names a project this service does not serve",
        help: "name the project as its files do",
    },
    Code {
        code: "mirage::serve::unknown_service",
        summary: "a create selects a service its template does not have (or none)",
        help: "select services from the template's list (see the validate answer's `preview.services`)",
    },
    Code {
        code: "mirage::serve::unknown_variable",
        summary: "an override names a variable the template does not declare",
        help: "only the template's variables can be overridden",
    },
    Code {
        code: "mirage::state::connect",
        summary: "the PostgreSQL state database cannot be reached or refused the connection",
        help: "check the URL (`--state`, `MIRAGE_STATE`), that the server is reachable, and the password (in the URL or `PGPASSWORD`)",
    },
    Code {
        code: "mirage::state::connection_lost",
        summary: "the connection to the PostgreSQL state database was lost during the command; nothing more was written",
        help: "run the command again once the database is back: what was recorded before the loss is kept",
    },
    Code {
        code: "mirage::state::corrupt",
        summary: "the state database is damaged or not a SQLite database",
        help: "restore it from a backup, or move it aside and run `mirage import` to re-adopt what exists on Railway",
    },
    Code {
        code: "mirage::state::database",
        summary: "the state database failed (reading or writing ownership, history or locks)",
        help: "check the state file's disk and permissions, then run the command again",
    },
    Code {
        code: "mirage::state::empty_file",
        summary: "the state database is an empty file: the ownership records it held are gone",
        help: "restore it from a backup; or delete it and run `mirage import` to re-adopt what exists on Railway",
    },
    Code {
        code: "mirage::state::invalid_value",
        summary: "the state database holds a value this Mirage does not understand (edited by hand, or damaged)",
        help: "restore the database from a backup",
    },
    Code {
        code: "mirage::state::lock_lost",
        summary: "a run lost its lock (its lease could not be renewed, or it was broken) and stopped writing",
        help: "run it again once the state database is reachable; `mirage state list` shows who holds the lock",
    },
    Code {
        code: "mirage::state::locked",
        summary: "an environment is locked by another run of Mirage",
        help: "wait for it (`--lock-timeout SECONDS`), or if that run is gone, `mirage state unlock ENV --force`",
    },
    Code {
        code: "mirage::state::migrate_refused",
        summary: "`mirage state migrate` would overwrite a target that records something, or copy a source a run is using",
        help: "choose an empty target or pass `--force` to replace it; wait for the run to finish",
    },
    Code {
        code: "mirage::state::newer_schema",
        summary: "the state database was written by a newer Mirage",
        help: "upgrade mirage to the version that last wrote this database",
    },
    Code {
        code: "mirage::state::open",
        summary: "the state database cannot be opened or created",
        help: "check the path and its permissions, or choose another with `MIRAGE_STATE`",
    },
    Code {
        code: "mirage::state::postgres",
        summary: "the PostgreSQL state database failed a statement",
        help: "check the server's log and the database user's rights, then run the command again",
    },
    Code {
        code: "mirage::state::sqlite",
        summary: "the state database failed (disk full, locked past the busy timeout, damaged file)",
        help: "check the disk and the file, then run the command again",
    },
    Code {
        code: "mirage::syntax::bare_keyword",
        summary: "a KDL keyword (`true`, `false`, `null`, `inf`, `nan`) is written without its `#`",
        help: "write `#true` for the keyword, or quote it for the string",
    },
    Code {
        code: "mirage::syntax::disallowed_character",
        summary: "a character that may not appear literally in a KDL document",
        help: "remove it, or write it as a `\\u{…}` escape inside a quoted string",
    },
    Code {
        code: "mirage::syntax::invalid_escape",
        summary: "a string holds an unknown or invalid escape",
        help: "valid escapes are `\\\"` `\\\\` `\\b` `\\f` `\\n` `\\r` `\\t` `\\s` `\\u{…}`; or use a raw string `#\"…\"#`",
    },
    Code {
        code: "mirage::syntax::invalid_number",
        summary: "a number is not valid KDL",
        help: "write a decimal, `0x`, `0o` or `0b` number, or quote the text",
    },
    Code {
        code: "mirage::syntax::invalid_string",
        summary: "a multi-line string is malformed (text after the opening quotes, or bad indentation)",
        help: "start the text on the next line and indent every line like the closing `\"\"\"`",
    },
    Code {
        code: "mirage::syntax::missing_space",
        summary: "an entry is not separated from the one before it by whitespace",
        help: "separate a node's name, arguments and properties with spaces: `node \"a\" key=1`",
    },
    Code {
        code: "mirage::syntax::too_deep",
        summary: "children blocks are nested too deep",
        help: "flatten the structure: split deeply nested nodes into separate top-level nodes",
    },
    Code {
        code: "mirage::syntax::unclosed_block",
        summary: "a children block `{` is never closed",
        help: "add the matching `}` after the last child node",
    },
    Code {
        code: "mirage::syntax::unclosed_comment",
        summary: "a block comment `/*` is never closed",
        help: "close it with `*/` (block comments nest: every `/*` needs its own `*/`)",
    },
    Code {
        code: "mirage::syntax::unclosed_string",
        summary: "a string is never closed",
        help: "close the string with its matching quotes",
    },
    Code {
        code: "mirage::syntax::unexpected_token",
        summary: "something appears where KDL does not allow it",
        help: "see the label for what was expected there",
    },
    Code {
        code: "mirage::syntax::unknown_keyword",
        summary: "a `#` keyword is not one KDL knows",
        help: "keywords are `#true`, `#false`, `#null`, `#inf`, `#-inf` and `#nan`; quote the text if it is a string",
    },
];
