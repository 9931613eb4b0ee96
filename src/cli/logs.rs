//! `mirage logs [DIR] --env E`: the logs of an environment's services
//! merged in time order (history, or `--follow`), as text with the service
//! in a stable colour, or NDJSON (`--json`), to standard output or a file.
//! The reading is the engine's ([`crate::observe::logs`]); this file checks
//! the arguments and renders.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use super::EXIT_OK;
use super::context::{Reach, fail};
use super::plan::block_on;
use super::report;
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

/// `line` with every secret read by this process replaced by
/// `(sensitive)`; `None` when it holds none.
fn redact_line(line: &LogLine) -> Option<LogLine> {
    use crate::secrets::redact::redact;
    use std::borrow::Cow;
    let dirty = matches!(redact(&line.message), Cow::Owned(_))
        || line
            .attributes
            .iter()
            .any(|(_, v)| matches!(redact(v), Cow::Owned(_)));
    dirty.then(|| {
        let mut clean = line.clone();
        clean.message = redact(&line.message).into_owned();
        for (_, value) in &mut clean.attributes {
            *value = redact(value).into_owned();
        }
        clean
    })
}

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
    #[arg(
        long = "service",
        short = 's',
        value_name = "NAME",
        value_delimiter = ','
    )]
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
    // Every secret the files reference that can be read is redacted from
    // the lines (an application that prints its environment must not put
    // a value on this terminal or in `--output`'s file).
    let place = crate::secrets::Place {
        dir: args.dir.clone(),
        project: loaded.name.clone(),
        settings: loaded.project.secrets.clone(),
        store: engine::open_store(&context, &args.dir).ok(),
    };
    crate::plan::secrets::read_every(&loaded.project, context.secrets.as_ref(), &place).await;
    let connection = engine::connect(&context, &args.dir).await?;
    let client = &connection.client;
    let target = engine_logs::locate(&context, &args.dir, client, &loaded.name, &args.env).await?;
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
        latest_only: false,
    };
    let format = if args.json {
        Format::Json
    } else {
        Format::Text {
            color: file.is_none() && report::use_color_on_stdout(),
            width,
        }
    };
    let out: Box<dyn Write + Send> = match file {
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
            .map(|printed| {
                // Nothing on standard output says nothing: say why on
                // standard error (never in `--output`'s file or the JSON).
                if printed == 0 {
                    report::write_stderr(
                        "No log lines match: none in this window, environment and filter (widen `--since`, check `--filter`/`--level`/`--service`).\n",
                    );
                }
            })
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
    bytes: Vec<u8>,
    /// The second of the last line and its `HH:MM:SS.` text.
    second: Option<(i64, String)>,
}

impl<W: Write> std::fmt::Debug for Printer<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer")
            .field("format", &self.format)
            .finish()
    }
}

/// Colours of service names: 256-colour mid-tones readable on dark and
/// light backgrounds (no red or yellow, which mark severities).
const PALETTE: [u8; engine_logs::PALETTE_SLOTS] = [33, 35, 37, 64, 130, 127, 31, 166, 97, 28];

/// The palette colour of a service: the same name gets the same colour on
/// every run, and the dashboard shows it in the same slot
/// ([`engine_logs::palette_slot`]).
pub fn colour_of(service: &str) -> u8 {
    PALETTE[engine_logs::palette_slot(service) % PALETTE.len()]
}

/// `text` as a JSON string: `"`, `\\` and control characters escaped
/// (as `serde_json` writes them), the rest copied as UTF-8. Written by
/// hand because this is the export's hot loop (see docs/benchmarks.md).
fn json_str(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        if byte >= 0x20 && byte != b'"' && byte != b'\\' {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 0xf)]);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

fn json_opt(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => json_str(out, text),
        None => out.extend_from_slice(b"null"),
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
            bytes: Vec::with_capacity(512),
            second: None,
        }
    }

    /// Writes one line.
    pub fn line(&mut self, line: &LogLine) -> io::Result<()> {
        let redacted;
        let line = match redact_line(line) {
            Some(clean) => {
                redacted = clean;
                &redacted
            }
            None => line,
        };
        match self.format {
            Format::Json => {
                let b = &mut self.bytes;
                b.clear();
                b.extend_from_slice(b"{\"timestamp\":");
                json_str(b, &line.timestamp);
                b.extend_from_slice(b",\"service\":");
                json_str(b, &line.service);
                b.extend_from_slice(match line.kind {
                    engine_logs::Kind::Build => b",\"kind\":\"build\",\"deployment\":",
                    engine_logs::Kind::Deploy => b",\"kind\":\"deploy\",\"deployment\":",
                });
                json_opt(b, line.deployment.as_deref());
                b.extend_from_slice(b",\"replica\":");
                json_opt(b, line.replica.as_deref());
                b.extend_from_slice(b",\"severity\":");
                json_opt(b, line.severity.as_deref());
                b.extend_from_slice(b",\"message\":");
                json_str(b, &line.message);
                b.extend_from_slice(b",\"attributes\":{");
                for (i, (k, v)) in line.attributes.iter().enumerate() {
                    if i > 0 {
                        b.push(b',');
                    }
                    json_str(b, k);
                    b.push(b':');
                    json_str(b, v);
                }
                b.extend_from_slice(b"}}\n");
                self.out.write_all(b)?;
            }
            Format::Text { color, width } => {
                use std::fmt::Write as _;
                let second = line.at.div_euclid(1000);
                if self.second.as_ref().is_none_or(|(at, _)| *at != second) {
                    let clock = time::clock(line.at);
                    self.second = Some((second, clock[..9].to_owned()));
                }
                let s = &mut self.scratch;
                s.clear();
                if let Some((_, prefix)) = &self.second {
                    s.push_str(prefix);
                }
                let millis = line.at.rem_euclid(1000);
                let _ = write!(s, "{millis:03} ");
                let service = crate::terminal::escape(&line.service);
                let pad = width.saturating_sub(service.chars().count());
                if color {
                    let _ = write!(
                        s,
                        "\u{1b}[38;5;{}m{service}\u{1b}[0m",
                        colour_of(&line.service)
                    );
                } else {
                    s.push_str(&service);
                }
                s.extend(std::iter::repeat_n(' ', pad));
                s.push_str(" │ ");
                let severity = line.severity.as_deref().unwrap_or("");
                if line.is_error() {
                    s.push_str(if color {
                        "\u{1b}[1;31mERR\u{1b}[0m "
                    } else {
                        "ERR "
                    });
                } else if severity.eq_ignore_ascii_case("warn")
                    || severity.eq_ignore_ascii_case("warning")
                {
                    s.push_str(if color {
                        "\u{1b}[33mWRN\u{1b}[0m "
                    } else {
                        "WRN "
                    });
                }
                s.push_str(&crate::terminal::escape(
                    line.message.trim_end_matches('\n'),
                ));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndjson_escapes_as_json_and_text_escapes_controls() {
        let line = LogLine {
            at: 1_764_255_845_123,
            timestamp: "2025-11-27T15:04:05.123Z".into(),
            service: "api".into(),
            service_id: Some("s".into()),
            deployment: None,
            replica: Some("r\"1".into()),
            kind: engine_logs::Kind::Deploy,
            severity: Some("error".into()),
            message: "a \"quote\" \\ tab\t nl\n bell\u{7} esc\u{1b}[31m é 🦀".into(),
            attributes: vec![
                ("level".into(), "error".into()),
                ("k\u{1}".into(), "v".into()),
            ],
        };
        let mut json = Printer::new(Vec::new(), Format::Json);
        json.line(&line).expect("write");
        json.finish().expect("flush");
        let text = String::from_utf8(json.out.into_inner().expect("inner")).expect("utf-8");
        assert!(
            text.ends_with("}\n") && text.matches('\n').count() == 1,
            "{text}"
        );
        let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(value["message"], line.message.as_str());
        assert_eq!(value["replica"], "r\"1");
        assert_eq!(value["deployment"], serde_json::Value::Null);
        assert_eq!(value["attributes"]["k\u{1}"], "v");

        let mut plain = Printer::new(
            Vec::new(),
            Format::Text {
                color: false,
                width: 6,
            },
        );
        plain.line(&line).expect("write");
        plain.finish().expect("flush");
        let text = String::from_utf8(plain.out.into_inner().expect("inner")).expect("utf-8");
        assert!(
            text.starts_with("15:04:05.123 api    │ ERR a \"quote\""),
            "{text}"
        );
        assert!(
            text.contains("\\u{1b}[31m") && !text.contains('\u{1b}'),
            "{text}"
        );
    }

    #[test]
    fn a_service_keeps_its_colour() {
        assert_eq!(colour_of("api"), colour_of("api"));
        let colours: std::collections::BTreeSet<u8> = ["api", "web", "worker", "db", "cache"]
            .iter()
            .map(|s| colour_of(s))
            .collect();
        assert!(colours.len() >= 3, "{colours:?}");
    }
}
