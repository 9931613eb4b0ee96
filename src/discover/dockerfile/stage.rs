//! Build stages and the metadata each instruction adds to them.

use super::lexer::LogicalLine;
use super::words::{expand, split_words};
use crate::diagnostic::Span;

/// A `CMD`, `ENTRYPOINT` or healthcheck command.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase", tag = "form", content = "value")]
pub enum Command {
    /// JSON (exec) form: `["node", "server.js"]`.
    Exec(Vec<String>),
    /// Shell form: `node server.js`, run with `/bin/sh -c`.
    Shell(String),
}

/// Transport protocol of an exposed port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TCP (the default).
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
}

/// A port or range from `EXPOSE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Port {
    /// First port.
    pub start: u16,
    /// Last port (equal to `start` for a single port).
    pub end: u16,
    /// Protocol.
    pub protocol: Protocol,
}

impl std::fmt::Display for Port {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.start)?;
        if self.end != self.start {
            write!(f, "-{}", self.end)?;
        }
        match self.protocol {
            Protocol::Tcp => Ok(()),
            Protocol::Udp => write!(f, "/udp"),
            Protocol::Sctp => write!(f, "/sctp"),
        }
    }
}

/// `HEALTHCHECK` of a stage.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum Healthcheck {
    /// `HEALTHCHECK NONE`: disable the base image's check.
    None,
    /// `HEALTHCHECK [options] CMD …`.
    Cmd {
        /// The command.
        command: Command,
        /// `--interval`, as written.
        interval: Option<String>,
        /// `--timeout`, as written.
        timeout: Option<String>,
        /// `--start-period`, as written.
        start_period: Option<String>,
        /// `--retries`.
        retries: Option<u32>,
    },
}

/// One `FROM` … up to the next `FROM`.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Stage {
    /// `AS name`, lowercased as BuildKit does.
    pub name: Option<String>,
    /// The base: an image reference or an earlier stage's name, variables expanded.
    pub base: String,
    /// `--platform=…`, as written.
    pub platform: Option<String>,
    /// Environment, in order of definition (inherited from an earlier stage first).
    pub env: Vec<(String, String)>,
    /// Exposed ports, sorted and deduplicated.
    pub ports: Vec<Port>,
    /// `CMD`.
    pub cmd: Option<Command>,
    /// `ENTRYPOINT`.
    pub entrypoint: Option<Command>,
    /// `USER`.
    pub user: Option<String>,
    /// `WORKDIR`, relative ones joined to the previous one.
    pub workdir: Option<String>,
    /// `HEALTHCHECK`.
    pub healthcheck: Option<Healthcheck>,
    /// `LABEL`s.
    pub labels: Vec<(String, String)>,
    /// `ARG`s declared in this stage, with their values.
    #[serde(skip)]
    pub args: Vec<(String, Option<String>)>,
    /// Whether `cmd` was set in this stage (an `ENTRYPOINT` resets an inherited one).
    #[serde(skip)]
    own_cmd: bool,
}

/// Applies instructions in order.
pub(super) struct Builder {
    escape: char,
    global_args: Vec<(String, Option<String>)>,
    stages: Vec<Stage>,
}

type Failure = (Span, String);

impl Builder {
    pub(super) fn new(escape: char) -> Self {
        Builder {
            escape,
            global_args: Vec::new(),
            stages: Vec::new(),
        }
    }

    pub(super) fn finish(self) -> (Vec<(String, Option<String>)>, Vec<Stage>) {
        (self.global_args, self.stages)
    }

    fn lookup(&self, name: &str) -> Option<String> {
        if let Some(stage) = self.stages.last() {
            if let Some((_, v)) = stage.env.iter().rev().find(|(k, _)| k == name) {
                return Some(v.clone());
            }
            return stage
                .args
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.clone());
        }
        self.global_args
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.clone())
    }

    fn expand(&self, text: &str) -> String {
        expand(text, self.escape, &|n| self.lookup(n))
    }

    pub(super) fn apply(&mut self, line: &LogicalLine) -> Result<(), Failure> {
        let span = Span::new(line.rest_start, line.rest_start + line.rest.len());
        let keyword = line.keyword.as_str();
        if keyword == "FROM" {
            return self.from(line, span);
        }
        if keyword == "ARG" {
            return self.arg(line, span);
        }
        let escape = self.escape;
        let expanded_words = |b: &Self| -> Vec<String> {
            split_words(&line.rest, escape)
                .iter()
                .map(|w| b.expand(w))
                .collect()
        };
        if self.stages.is_empty() {
            return Err((
                line.keyword_span,
                format!("`{keyword}` before the first `FROM`"),
            ));
        }
        match keyword {
            "ENV" => {
                let pairs = parse_pairs(&line.rest, escape, "ENV").map_err(|m| (span, m))?;
                for (k, v) in pairs {
                    let v = self.expand(&v);
                    let stage = self.current();
                    stage.env.retain(|(name, _)| *name != k);
                    stage.env.push((k, v));
                }
            }
            "LABEL" => {
                let pairs = parse_pairs(&line.rest, escape, "LABEL").map_err(|m| (span, m))?;
                for (k, v) in pairs {
                    let v = self.expand(&v);
                    self.current().labels.push((k, v));
                }
            }
            "EXPOSE" => {
                let words = expanded_words(self);
                if words.is_empty() {
                    return Err((line.keyword_span, "`EXPOSE` needs at least one port".into()));
                }
                for word in words {
                    let port = parse_port(&word).ok_or_else(|| {
                        (
                            span,
                            format!(
                                "invalid port `{word}`, expected `80`, `80/udp` or `8000-8010/tcp`"
                            ),
                        )
                    })?;
                    let stage = self.current();
                    if !stage.ports.contains(&port) {
                        stage.ports.push(port);
                        stage.ports.sort();
                    }
                }
            }
            "CMD" => {
                let cmd = parse_command(&line.rest);
                let stage = self.current();
                stage.cmd = Some(cmd);
                stage.own_cmd = true;
            }
            "ENTRYPOINT" => {
                let entry = parse_command(&line.rest);
                let stage = self.current();
                stage.entrypoint = Some(entry);
                if !stage.own_cmd {
                    stage.cmd = None;
                }
            }
            "USER" => {
                let user = self.expand(line.rest.trim());
                self.current().user = Some(user);
            }
            "WORKDIR" => {
                let dir = self.expand(line.rest.trim());
                let stage = self.current();
                stage.workdir = Some(match (&stage.workdir, dir.starts_with('/')) {
                    (Some(prev), false) => format!("{}/{dir}", prev.trim_end_matches('/')),
                    _ => dir,
                });
            }
            "HEALTHCHECK" => {
                let check = parse_healthcheck(&line.rest).map_err(|m| (span, m))?;
                self.current().healthcheck = Some(check);
            }
            _ => {}
        }
        Ok(())
    }

    fn current(&mut self) -> &mut Stage {
        if self.stages.is_empty() {
            self.stages.push(Stage::default());
        }
        let last = self.stages.len() - 1;
        &mut self.stages[last]
    }

    fn from(&mut self, line: &LogicalLine, span: Span) -> Result<(), Failure> {
        // Only global ARGs are visible in FROM.
        let globals = &self.global_args;
        let lookup = |n: &str| {
            globals
                .iter()
                .rev()
                .find(|(k, _)| k == n)
                .and_then(|(_, v)| v.clone())
        };
        let words = split_words(&line.rest, self.escape);
        let mut platform = None;
        let mut rest = Vec::new();
        for w in words {
            if let Some(p) = w.strip_prefix("--platform=") {
                platform = Some(p.to_string());
            } else if w.starts_with("--") {
                return Err((span, format!("unknown flag `{w}` for `FROM`")));
            } else {
                rest.push(w);
            }
        }
        let (base, name) = match rest.as_slice() {
            [base] => (base.clone(), None),
            [base, r#as, name] if r#as.eq_ignore_ascii_case("as") => {
                (base.clone(), Some(name.to_ascii_lowercase()))
            }
            _ => {
                return Err((
                    span,
                    "expected `FROM [--platform=…] image [AS name]`".into(),
                ));
            }
        };
        let base = expand(&base, self.escape, &lookup);
        let mut stage = match self
            .stages
            .iter()
            .find(|s| s.name.as_deref() == Some(&base.to_ascii_lowercase()))
        {
            // Building on an earlier stage inherits its image config.
            Some(parent) => Stage {
                args: Vec::new(),
                own_cmd: false,
                ..parent.clone()
            },
            None => Stage::default(),
        };
        stage.name = name;
        stage.base = base;
        stage.platform = platform;
        self.stages.push(stage);
        Ok(())
    }

    fn arg(&mut self, line: &LogicalLine, span: Span) -> Result<(), Failure> {
        let words = split_words(&line.rest, self.escape);
        if words.is_empty() {
            return Err((line.keyword_span, "`ARG` needs a name".into()));
        }
        for w in words {
            let (name, value) = match w.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(self.expand(v))),
                None => (w.clone(), None),
            };
            if name.is_empty() {
                return Err((span, format!("invalid `ARG` `{w}`")));
            }
            if self.stages.is_empty() {
                self.global_args.push((name, value));
            } else {
                // `ARG NAME` inside a stage brings in the global default.
                let value = value.or_else(|| {
                    self.global_args
                        .iter()
                        .rev()
                        .find(|(k, _)| *k == name)
                        .and_then(|(_, v)| v.clone())
                });
                self.current().args.push((name, value));
            }
        }
        Ok(())
    }
}

/// `key=value …` pairs, or the legacy `key value with spaces` form.
fn parse_pairs(rest: &str, escape: char, keyword: &str) -> Result<Vec<(String, String)>, String> {
    let words = split_words(rest, escape);
    let Some(first) = words.first() else {
        return Err(format!("`{keyword}` needs `key=value`"));
    };
    if !first.contains('=') {
        // Legacy form: the rest of the line, as written, is the value.
        let value = rest.trim_start()[raw_first_len(rest)..].trim();
        let value = split_words(value, escape).join(" ");
        return Ok(vec![(first.clone(), value)]);
    }
    words
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(format!("`{keyword}` expects `key=value`, found `{w}`")),
        })
        .collect()
}

fn raw_first_len(rest: &str) -> usize {
    let t = rest.trim_start();
    t.find(char::is_whitespace).unwrap_or(t.len())
}

/// Exec form when the text is a JSON array of strings, shell form otherwise.
pub(super) fn parse_command(rest: &str) -> Command {
    if rest.starts_with('[')
        && let Ok(list) = serde_json::from_str::<Vec<String>>(rest)
    {
        return Command::Exec(list);
    }
    Command::Shell(rest.to_string())
}

fn parse_port(word: &str) -> Option<Port> {
    let (range, protocol) = match word.split_once('/') {
        Some((r, p)) => (
            r,
            match p.to_ascii_lowercase().as_str() {
                "tcp" => Protocol::Tcp,
                "udp" => Protocol::Udp,
                "sctp" => Protocol::Sctp,
                _ => return None,
            },
        ),
        None => (word, Protocol::Tcp),
    };
    let (start, end) = match range.split_once('-') {
        Some((a, b)) => (a.parse::<u16>().ok()?, b.parse::<u16>().ok()?),
        None => {
            let p = range.parse::<u16>().ok()?;
            (p, p)
        }
    };
    (start <= end).then_some(Port {
        start,
        end,
        protocol,
    })
}

fn parse_healthcheck(rest: &str) -> Result<Healthcheck, String> {
    let mut text = rest.trim();
    let (mut interval, mut timeout, mut start_period, mut retries) = (None, None, None, None);
    while let Some(flag) = text.strip_prefix("--") {
        let end = flag.find(char::is_whitespace).unwrap_or(flag.len());
        let (name, value) = flag[..end]
            .split_once('=')
            .ok_or_else(|| format!("healthcheck flag `--{}` needs a value", &flag[..end]))?;
        match name {
            "interval" => interval = Some(value.to_string()),
            "timeout" => timeout = Some(value.to_string()),
            "start-period" => start_period = Some(value.to_string()),
            "start-interval" => {}
            "retries" => {
                retries = Some(
                    value
                        .parse::<u32>()
                        .map_err(|_| format!("invalid `--retries` `{value}`"))?,
                )
            }
            _ => return Err(format!("unknown healthcheck flag `--{name}`")),
        }
        text = flag[end..].trim_start();
    }
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    match text[..end].to_ascii_uppercase().as_str() {
        "NONE" => Ok(Healthcheck::None),
        "CMD" => Ok(Healthcheck::Cmd {
            command: parse_command(text[end..].trim()),
            interval,
            timeout,
            start_period,
            retries,
        }),
        _ => Err("expected `HEALTHCHECK [options] CMD …` or `HEALTHCHECK NONE`".into()),
    }
}
