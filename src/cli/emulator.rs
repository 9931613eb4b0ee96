//! `mirage emulator`: run the local Railway emulator until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::emulator::{Emulator, FaultRule, Options, RateLimit};

/// Arguments of `mirage emulator`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:4000")]
    pub listen: SocketAddr,
    /// SQLite file to keep state in across restarts (in memory without it).
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Length of each deployment phase (QUEUED, BUILDING, DEPLOYING), in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub deploy_step_ms: u64,
    /// Latency added to every GraphQL request, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Rate limit as REQUESTS/SECONDS, e.g. `1000/3600` (none by default).
    #[arg(long, value_name = "N/SECS", value_parser = parse_rate_limit)]
    pub rate_limit: Option<RateLimit>,
    /// Fault rules as JSON, e.g. `[{"kind":"status","status":503,"rate":0.1,"seed":1}]`.
    /// `"after":true` carries the request out before the fault (a lost
    /// answer); `"operation":"volumeCreate"` limits a rule to one operation
    /// (see docs/emulator.md).
    #[arg(long, value_name = "JSON", value_parser = parse_faults)]
    pub faults: Option<Vec<FaultRule>>,
    /// Accept only this account token (repeatable); by default any
    /// non-empty bearer token is the local account.
    #[arg(long = "token", value_name = "TOKEN")]
    pub tokens: Vec<String>,
    /// Also accept this workspace (team) token (repeatable): it reaches the
    /// local workspace's projects, but `me` refuses it, as Railway does.
    #[arg(long = "workspace-token", value_name = "TOKEN")]
    pub workspace_tokens: Vec<String>,
    /// Runtime log lines per second per replica of every running
    /// deployment (request lines, some `warn`/`error`), on the emulator's
    /// clock; 0 (the default) writes none. Also `POST /_emulator/logs`.
    #[arg(long, value_name = "N", default_value_t = 0.0, value_parser = parse_log_rate)]
    pub log_rate: f64,
    /// Instead of serving: validate and run every GraphQL document of the
    /// official Railway CLI (DIR holds `queries/`, `mutations/`,
    /// `subscriptions/` and `iac/`) against a fresh in-process emulator and
    /// print "N/N documents validate, N/N execute"; exits 1 unless all do.
    #[arg(
        long,
        value_name = "DIR",
        num_args = 0..=1,
        default_missing_value = "../shared/railway/cli-documents"
    )]
    pub conformance: Option<PathBuf>,
}

fn parse_rate_limit(s: &str) -> Result<RateLimit, String> {
    let (n, secs) = s
        .split_once('/')
        .ok_or_else(|| format!("expected REQUESTS/SECONDS, got `{s}`"))?;
    let limit = n
        .trim()
        .parse()
        .map_err(|_| format!("`{n}` is not a number of requests"))?;
    let window_secs: u64 = secs
        .trim()
        .parse()
        .map_err(|_| format!("`{secs}` is not a number of seconds"))?;
    if window_secs == 0 {
        return Err("the window must be at least 1 second".into());
    }
    Ok(RateLimit { limit, window_secs })
}

fn parse_log_rate(s: &str) -> Result<f64, String> {
    let rate: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of lines per second"))?;
    if !(0.0..=crate::emulator::deploy::MAX_LOG_RATE).contains(&rate) {
        return Err(format!(
            "the log rate must be between 0 and {} lines per second",
            crate::emulator::deploy::MAX_LOG_RATE
        ));
    }
    Ok(rate)
}

fn parse_faults(s: &str) -> Result<Vec<FaultRule>, String> {
    serde_json::from_str(s).map_err(|e| format!("invalid fault rules: {e}"))
}

/// Runs the emulator until Ctrl-C; prints the URL and a token to use.
pub fn run(args: Args) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            super::report::print_error(&format!("cannot start the async runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    if let Some(dir) = args.conformance.clone() {
        return runtime.block_on(conformance(dir));
    }
    runtime.block_on(async move {
        let token = args
            .tokens
            .first()
            .cloned()
            .unwrap_or_else(|| "local".to_string());
        let options = Options {
            listen: args.listen,
            data: args.data.clone(),
            clock: Duration::from_millis(args.deploy_step_ms),
            faults: args.faults.unwrap_or_default(),
            latency: Duration::from_millis(args.latency_ms),
            rate_limit: args.rate_limit,
            tokens: args.tokens.clone(),
            workspace_tokens: args.workspace_tokens.clone(),
            log_rate: args.log_rate,
        };
        let emulator = match Emulator::start(options).await {
            Ok(e) => e,
            Err(e) => {
                super::report::print_error(&e.to_string());
                return ExitCode::FAILURE;
            }
        };
        // Written with the report functions: a closed pipe (`mirage
        // emulator | head -1`) must not stop the emulator.
        let mut banner = format!(
            "Railway emulator listening on {}\n  subscriptions: {}\n  admin API:     {}\n",
            emulator.url(),
            emulator.ws_url(),
            emulator.admin_url()
        );
        match &args.data {
            Some(path) => banner.push_str(&format!("  state:         {}\n", path.display())),
            None => banner.push_str("  state:         in memory (pass --data FILE to keep it)\n"),
        }
        banner.push_str(&format!(
            "\nPoint any Railway API client at it:\n  endpoint:      {}\n  header:        Authorization: Bearer {token}\n",
            emulator.url()
        ));
        if args.tokens.is_empty() {
            banner.push_str("(any non-empty bearer token is accepted as the local account)\n");
        }
        super::report::write_stdout(&banner);
        let _ = tokio::signal::ctrl_c().await;
        super::report::write_stdout("stopping\n");
        emulator.shutdown().await;
        ExitCode::SUCCESS
    })
}

/// `mirage emulator --conformance DIR`: the report, exit 1 unless complete.
async fn conformance(dir: PathBuf) -> ExitCode {
    match crate::emulator::conformance::run(&dir).await {
        Ok(report) => {
            print!("{}", report.render());
            if report.is_complete() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!(
                "help: pass the folder of the CLI's documents, e.g. `--conformance ../shared/railway/cli-documents`"
            );
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_parse() {
        assert_eq!(
            parse_rate_limit("10/1"),
            Ok(RateLimit {
                limit: 10,
                window_secs: 1
            })
        );
        assert!(parse_rate_limit("10").is_err());
        assert!(parse_rate_limit("x/1").is_err());
        assert!(parse_rate_limit("1/0").is_err());
    }

    #[test]
    fn faults_parse() {
        let f = parse_faults(r#"[{"kind":"drop","nth":3}]"#).unwrap();
        assert_eq!(f[0].nth, Some(3));
        assert!(!f[0].after);
        let f =
            parse_faults(r#"[{"kind":"drop","after":true,"operation":"volumeCreate"}]"#).unwrap();
        assert!(f[0].after);
        assert_eq!(f[0].operation.as_deref(), Some("volumeCreate"));
        assert!(parse_faults("{").is_err());
    }
}
