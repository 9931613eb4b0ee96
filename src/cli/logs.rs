//! `mirage logs [DIR] --env E`: the logs of an environment's services
//! merged in time order (history, or `--follow`), as text with the service
//! in a stable colour, or NDJSON (`--json`), to standard output or a file.
//! The reading is the engine's ([`crate::observe::logs`]); this file checks
//! the arguments and renders.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use super::context::{Reach, fail};
use super::plan::block_on;
use super::report;
use super::EXIT_OK;
use crate::diagnostic::Diagnostic;
use crate::engine::{self, Failure};
use crate::observe::logs::{self as engine_logs, LogLine, Notice, Request, Window, time};

/// Examples printed after `mirage logs --help`.
pub const AFTER_HELP: &str = "\
Examples:
  mirage logs --env production                      the newest 500 lines of every service
  mirage logs --env production --service api,worker --since 1h
  mirage logs --env production --follow --level error
  mirage logs --env production --filter '@status:>=500 OR timeout'
  mirage logs --env production --from 2026-12-07T10:00:00Z --to 2026-12-07T11:00:00Z --json --output logs.ndjson
  mirage logs --env production --build             the latest build of each service

Times are UTC. `--filter` takes Railway's filter syntax (see docs/observe.md).";

/// Arguments of `mirage logs`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The project directory.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// The environment.
    #[arg(long = "env", short = 'e', value_name = "ENV")]
    pub env: String,

    /// Only these services (comma-separated or repeated).
    #[arg(long = "service", short = 's', value_name = "NAME", value_delimiter = ',')]
    pub services: Vec<String>,

    /// The latest build logs of each service instead of what they print.
    #[arg(long)]
    pub build: bool,

    /// Keep printing new lines until Ctrl-C (reconnects by itself).
    #[arg(long, short = 'f')]
    pub follow: bool,

    /// Lines from this long ago: `30m`, `1h`, `2d`, `1h30m`.
    #[arg(long, value_name = "DURATION", conflicts_with_all = ["from", "to"])]
    pub since: Option<String>,

    /// Lines from this time (RFC 3339, or a duration ago such as `2h`).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,

    /// Lines up to this time (RFC 3339, or a duration ago).
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,

    /// Railway's log filter: words, `"phrases"`, `@attr:value`, AND/OR/-, parentheses.
    #[arg(long, value_name = "QUERY")]
    pub filter: Option<String>,

    /// Only this severity and worse: debug, info, warn, error.
    #[arg(long, value_name = "LEVEL")]
    pub level: Option<String>,

    /// One JSON object per line (NDJSON).
    #[arg(long)]
    pub json: bool,

    /// Write to this file (created or replaced) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Where Railway is: `--local` or `--endpoint`.
    #[command(flatten)]
    pub reach: Reach,
}

fn usage(code: &'static str, message: String, help: &str) -> Failure {
    Failure::usage(Diagnostic::general(code, message).with_help(help))
}

/// The window the flags ask for, checked.
fn window(args: &Args, now: i64) -> Result<Window, Failure> {
    let help = "use RFC 3339 (`2026-12-07T10:00:00Z`) or a duration ago (`30m`, `1h`, `2d`)";
    let point = |flag: &str, text: &str| {
        time::parse_point(text, now).map_err(|reason| {
            usage(
                "mirage::observe::bad_time",
                format!("`--{flag} {text}` is not a time: {reason}"),
                help,
            )
        })
    };
    if let Some(since) = &args.since {
        let ago = time::parse_duration(since).map_err(|reason| {
            usage(
                "mirage::observe::bad_time",
                format!("`--since {since}` is not a duration: {reason}"),
                "use a duration such as `30m`, `1h`, `2d` or `1h30m`",
            )
        })?;
        return Ok(Window::Range {
            from: now - ago,
            to: None,
        });
    }
    let from = args.from.as_deref().map(|t| point("from", t)).transpose()?;
    let to = args.to.as_deref().map(|t| point("to", t)).transpose()?;
    if to.is_some() && args.follow {
        return Err(usage(
            "mirage::observe::follow_with_end",
            "`--follow` cannot stop at `--to`".into(),
            "drop `--to` to follow new lines, or drop `--follow` to read a past window",
        ));
    }
    match (from, to) {
        (Some(from), Some(to)) if from > to => Err(usage(
            "mirage::observe::bad_window",
            format!(
                "`--from` ({}) is after `--to` ({})",
                time::rfc3339(from),
                time::rfc3339(to)
            ),
            "swap them: `--from` is the start of the window",
        )),
        (Some(from), to) => Ok(Window::Range { from, to }),
        (None, Some(to)) => Ok(Window::Range {
            from: to - 3_600_000,
            to: Some(to),
        }),
        (None, None) => Ok(Window::Tail(engine_logs::DEFAULT_TAIL)),
    }
}

fn level(args: &Args) -> Result<Option<String>, Failure> {
    let Some(level) = &args.level else {
        return Ok(None);
    };
    let lower = level.to_ascii_lowercase();
    let lower = match lower.as_str() {
        "warning" => "warn".to_owned(),
        "err" => "error".to_owned(),
        _ => lower,
    };
    if engine_logs::LEVELS.contains(&lower.as_str()) {
        return Ok(Some(lower));
    }
    let help = crate::resolve::suggest::did_you_mean(level, engine_logs::LEVELS, || {
        "levels: `debug`, `info`, `warn`, `error`".to_owned()
    });
    Err(Failure::usage(
        Diagnostic::general(
            "mirage::observe::bad_level",
            format!("unknown level `{level}`"),
        )
        .with_help(help),
    ))
}

/// Opens `--output`: a new or regular file (truncated); anything else
/// (a directory, a device, a FIFO) is refused rather than written into.
fn open_output(path: &std::path::Path) -> Result<std::fs::File, Failure> {
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        return Err(usage(
            "mirage::observe::bad_output",
            format!("`{}` exists and is not a regular file", path.display()),
            "pass the path of a new file or of a regular file to replace",
        ));
    }
    std::fs::File::create(path).map_err(|e| {
        Failure::error(
            "mirage::observe::bad_output",
            format!("cannot write `{}`: {e}", path.display()),
            Some("check that the directory exists and is writable"),
        )
    })
}

/// Run `mirage logs`.
pub fn run(args: Args) -> ExitCode {
    block_on(async move {
        match logs(args).await {
            Ok(()) => ExitCode::from(EXIT_OK),
            Err(failure) => fail(failure),
        }
    })
}

async fn logs(args: Args) -> Result<(), Failure> {
    let window = window(&args, time::now())?;
    let level = level(&args)?;
    if args.build && args.follow {
        return Err(usage(
            "mirage::observe::follow_build",
            "`--follow` with `--build` is not supported yet".into(),
            "read the build logs without `--follow`, or follow the deploy logs without `--build`",
        ));
    }
    let loaded = engine::load(&args.dir)?;
    let env = engine::select::environment(&loaded.project, &args.env)?;
    for name in &args.services {
        engine::select::service(env, name)?;
    }
    let file = args.output.as_deref().map(open_output).transpose()?;
    let context = args.reach.context();
    let connection = engine::connect(&context, &args.dir).await?;
    let client = &connection.client;
    let target =
        engine_logs::locate(&context, &args.dir, client, &loaded.name, &args.env).await?;
    let services = if args.services.is_empty() {
        None
    } else {
        let mut ids = Vec::new();
        for name in &args.services {
            match target.services.values().find(|s| &s.name == name) {
                Some(service) => ids.push(service.id.clone()),
                None => {
                    return Err(Failure::error(
                        "mirage::observe::not_deployed",
                        format!(
                            "service `{name}` does not exist in `{}` on Railway",
                            args.env
                        ),
                        Some("run `mirage apply` first"),
                    ));
                }
            }
        }
        Some(ids)
    };
    let width = target
        .services
        .values()
        .filter(|s| services.as_ref().is_none_or(|ids| ids.contains(&s.id)))
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0);
    let request = Request {
        filter: args.filter.clone(),
        level,
        services,
        window,
        build: args.build,
    };
    let format = if args.json {
        Format::Json
    } else {
        Format::Text {
            color: file.is_none() && report::use_color_on_stdout(),
            width,
        }
    };
    let out: Box<dyn Write> = match file {
        Some(file) => Box::new(file),
        None => Box::new(io::stdout()),
    };
    let mut printer = Printer::new(out, format);
    printer.flush_each = args.follow;
    let written = if args.follow {
        let mut on_notice = |notice: Notice| report::write_stderr_exact(&notice_text(&notice));
        let mut on_line = |line: &LogLine| printer.line(line);
        tokio::select! {
            result = engine_logs::follow(client, &target, &request, &mut on_line, &mut on_notice) => result?,
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    } else {
        let mut on_line = |line: &LogLine| printer.line(line);
        engine_logs::history(client, &target, &request, &mut on_line)
            .await?
            .map(|_| ())
    };
    let flushed = written.and_then(|()| printer.finish());
    match flushed {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) ends quietly.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::error(
            "mirage::observe::write_failed",
            format!("cannot write the logs: {e}"),
            None,
        )),
    }
}

fn notice_text(notice: &Notice) -> String {
    match notice {
        Notice::Interrupted { reason, wait } => format!(
            "  ! the log stream was interrupted ({}); reconnecting in {} ms\n",
            crate::terminal::escape(reason),
            wait.as_millis()
        ),
        Notice::Resumed { after: Some(after) } => {
            format!("  ! reconnected; resuming after {after}\n")
        }
        Notice::Resumed { after: None } => "  ! reconnected\n".to_owned(),
    }
}

/// How lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `HH:MM:SS.mmm service │ message`.
    Text {
        /// With ANSI colours.
        color: bool,
        /// The service column's width.
        width: usize,
    },
    /// NDJSON.
    Json,
}

/// Writes lines, buffered.
pub struct Printer<W: Write> {
    out: BufWriter<W>,
    format: Format,
    /// Flush after every line (following: lines show as they come).
    pub flush_each: bool,
    scratch: String,
}

impl<W: Write> std::fmt::Debug for Printer<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer").field("format", &self.format).finish()
    }
}

/// Colours of service names: 256-colour mid-tones readable on dark and
/// light backgrounds (no red or yellow, which mark severities).
const PALETTE: [u8; 10] = [33, 35, 37, 64, 130, 127, 31, 166, 97, 28];

/// The palette colour of a service: the same name gets the same colour on
/// every run (FNV-1a of the name).
pub fn colour_of(service: &str) -> u8 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in service.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    PALETTE[(hash % PALETTE.len() as u32) as usize]
}

#[derive(serde::Serialize)]
struct JsonLine<'a> {
    timestamp: &'a str,
    service: &'a str,
    kind: engine_logs::Kind,
    deployment: Option<&'a str>,
    replica: Option<&'a str>,
    severity: Option<&'a str>,
    message: &'a str,
    attributes: Attributes<'a>,
}

struct Attributes<'a>(&'a [(String, String)]);

impl serde::Serialize for Attributes<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<W: Write> Printer<W> {
    /// A printer into `out`.
    pub fn new(out: W, format: Format) -> Self {
        Printer {
            out: BufWriter::with_capacity(1 << 16, out),
            format,
            flush_each: false,
            scratch: String::with_capacity(256),
        }
    }

    /// Writes one line.
    pub fn line(&mut self, line: &LogLine) -> io::Result<()> {
        match self.format {
            Format::Json => {
                serde_json::to_writer(
                    &mut self.out,
                    &JsonLine {
                        timestamp: &line.timestamp,
                        service: &line.service,
                        kind: line.kind,
                        deployment: line.deployment.as_deref(),
                        replica: line.replica.as_deref(),
                        severity: line.severity.as_deref(),
                        message: &line.message,
                        attributes: Attributes(&line.attributes),
                    },
                )
                .map_err(io::Error::from)?;
                self.out.write_all(b"\n")?;
            }
            Format::Text { color, width } => {
                use std::fmt::Write as _;
                let s = &mut self.scratch;
                s.clear();
                s.push_str(&time::clock(line.at));
                s.push(' ');
                let service = crate::terminal::escape(&line.service);
                let pad = width.saturating_sub(service.chars().count());
                if color {
                    let _ = write!(s, "\u{1b}[38;5;{}m{service}\u{1b}[0m", colour_of(&line.service));
                } else {
                    s.push_str(&service);
                }
                s.extend(std::iter::repeat_n(' ', pad));
                s.push_str(" │ ");
                let severity = line.severity.as_deref().unwrap_or("");
                if line.is_error() {
                    s.push_str(if color { "\u{1b}[1;31mERR\u{1b}[0m " } else { "ERR " });
                } else if severity.eq_ignore_ascii_case("warn") || severity.eq_ignore_ascii_case("warning") {
                    s.push_str(if color { "\u{1b}[33mWRN\u{1b}[0m " } else { "WRN " });
                }
                s.push_str(&crate::terminal::escape(line.message.trim_end_matches('\n')));
                s.push('\n');
                self.out.write_all(s.as_bytes())?;
            }
        }
        if self.flush_each {
            self.out.flush()?;
        }
        Ok(())
    }

    /// Flushes what is buffered.
    pub fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
