//! The framing layer between the editor and `tower-lsp-server`.
//!
//! `tower-lsp-server`'s codec ends the session at the first frame it cannot
//! decode (its `FramedRead` returns `None` after any decoder error), waits
//! without bound for the body of any `Content-Length`, and cannot be
//! configured otherwise. So the server reads standard input itself: this
//! module splits the bytes into frames, answers what is not a JSON-RPC
//! message with a JSON-RPC error, and forwards only messages that
//! `tower-lsp-server` is known to decode, over an in-memory pipe.
//!
//! * A header block is `Name: value` lines ended by an empty line
//!   (`\r\n` or `\n`); it must hold `Content-Length: <digits>`.
//! * A `Content-Length` over [`MAX_CONTENT_LENGTH`] is answered with
//!   `-32600` and its body is skipped as it arrives, never buffered.
//! * Bytes that are not a header (random bytes, a negative or missing
//!   length, the rest of a body cut short) are answered once with `-32700`
//!   and skipped up to the next `Content-Length: <digits>` line.
//! * A body that contains a `Content-Length: <digits>` line is a body cut
//!   short: no JSON text can hold a raw line break next to that header (a
//!   line break inside a JSON string must be escaped), so the header is the
//!   next frame's and the server resynchronises there.
//! * A body that is not UTF-8 JSON is answered with `-32700`; JSON that is
//!   not a JSON-RPC request, notification or response with `-32600`, with
//!   the message's `id` when it has a usable one and `null` otherwise.
//!   A malformed *response* (it has `result` or `error` and no `method`) is
//!   dropped: JSON-RPC never answers a response.

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Request, Response};

/// The largest message body accepted, in bytes (64 MiB). A message is at
/// most one document's text plus a little JSON; a larger `Content-Length`
/// is refused (and its body skipped without being kept in memory).
pub const MAX_CONTENT_LENGTH: usize = 64 * 1024 * 1024;

/// The longest header line; a longer line is not a header.
const MAX_HEADER_LINE: usize = 1024;

/// The most header lines in one block.
const MAX_HEADER_LINES: usize = 16;

/// What the decoder found.
#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// A complete body, as announced by its `Content-Length`.
    Frame(Vec<u8>),
    /// Something that is not a frame, answered with an error.
    Problem(Problem),
}

/// Why bytes were not a frame.
#[derive(Debug, PartialEq, Eq)]
pub enum Problem {
    /// Bytes where a header was expected; skipped to the next header.
    Garbage,
    /// A `Content-Length` that is not a decimal number (`-5`, `abc`).
    BadLength(String),
    /// A header block without `Content-Length`.
    MissingLength,
    /// A `Content-Length` over the limit; its body is skipped.
    TooLarge(u64),
    /// A body that ended (at the next header, or at the end of the input)
    /// before its `Content-Length`.
    Truncated {
        /// The announced length.
        announced: usize,
        /// The bytes there were.
        got: usize,
    },
}

impl Problem {
    /// The JSON-RPC error code and message for this problem.
    fn error(&self) -> (i64, String) {
        match self {
            Problem::Garbage => (
                -32700,
                "parse error: bytes that are not an LSP header (`Content-Length: N` then an empty line) were skipped up to the next header".into(),
            ),
            Problem::BadLength(v) => (
                -32700,
                format!(
                    "parse error: `Content-Length: {}` is not a length in bytes; the message was skipped",
                    printable(v)
                ),
            ),
            Problem::MissingLength => (
                -32700,
                "parse error: a header without `Content-Length`; the message was skipped".into(),
            ),
            Problem::TooLarge(n) => (
                -32600,
                format!(
                    "invalid request: a message of {n} bytes is over the limit of {} bytes (64 MiB); it was skipped",
                    MAX_CONTENT_LENGTH
                ),
            ),
            Problem::Truncated { announced, got } => (
                -32700,
                format!(
                    "parse error: the message ended after {got} of its {announced} bytes (`Content-Length`); it was skipped"
                ),
            ),
        }
    }
}

/// `text` with control characters escaped and cut to 40 characters, for
/// an error message.
fn printable(text: &str) -> String {
    let mut out: String = text.chars().take(40).flat_map(char::escape_debug).collect();
    if text.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[derive(Debug)]
enum State {
    /// Reading a header block.
    Header,
    /// Reading a body of this length.
    Body(usize),
    /// Skipping this many more bytes of a body over the limit.
    Drain(u64),
    /// Skipping bytes up to the next header.
    Skip,
}

/// Splits a byte stream into LSP frames; see the module documentation.
/// Feed it with [`Decoder::push`], take events with [`Decoder::next_event`] until
/// it returns `None`, and call [`Decoder::finish`] at the end of the input.
#[derive(Debug)]
pub struct Decoder {
    state: State,
    buf: Vec<u8>,
    /// In `Body`: how far `buf` was searched for a header.
    scanned: usize,
    limit: usize,
}

/// The header that resynchronises the stream: `Content-Length:`.
const HEADER: &[u8] = b"Content-Length:";

/// Where the next `Content-Length: <digits>` line starts in `buf[from..]`.
enum Scan {
    /// A complete header line starts here.
    Found(usize),
    /// A header may start here; more bytes are needed to tell.
    Partial(usize),
    /// No header starts in the bytes searched.
    None,
}

/// Search `buf[from..]` for a `Content-Length:` line with a decimal value:
/// the literal, spaces or tabs, 1 to 20 digits, spaces or tabs, `\r\n` or
/// `\n`. Starts of a match that need more bytes are `Partial`.
fn find_header(buf: &[u8], from: usize) -> Scan {
    let mut i = from;
    while i < buf.len() {
        let Some(p) = buf[i..].iter().position(|&b| b == b'C') else {
            return Scan::None;
        };
        let at = i + p;
        match header_at(&buf[at..]) {
            Some(true) => return Scan::Found(at),
            None => return Scan::Partial(at),
            Some(false) => i = at + 1,
        }
    }
    Scan::None
}

/// Whether a `Content-Length: <digits>` line starts `rest`; `None` when
/// `rest` ends before that can be told.
fn header_at(rest: &[u8]) -> Option<bool> {
    // Longer than this, it is not a header line.
    const LONGEST: usize = 64;
    let n = rest.len().min(HEADER.len());
    if rest[..n] != HEADER[..n] {
        return Some(false);
    }
    if n < HEADER.len() {
        return None;
    }
    let mut i = HEADER.len();
    let at = |i: usize| {
        if i >= LONGEST {
            Err(Some(false))
        } else {
            rest.get(i).copied().ok_or(None)
        }
    };
    let step = |i: &mut usize, pred: &dyn Fn(u8) -> bool| -> Result<usize, Option<bool>> {
        let start = *i;
        while pred(at(*i)?) {
            *i += 1;
        }
        Ok(*i - start)
    };
    let blank = |b: u8| b == b' ' || b == b'\t';
    let parsed = (|| {
        step(&mut i, &blank)?;
        if step(&mut i, &|b: u8| b.is_ascii_digit())? == 0 {
            return Err(Some(false));
        }
        step(&mut i, &blank)?;
        match at(i)? {
            b'\n' => Ok(true),
            b'\r' => Ok(at(i + 1)? == b'\n'),
            _ => Ok(false),
        }
    })();
    match parsed {
        Ok(found) => Some(found),
        Err(undecided) => undecided,
    }
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new(MAX_CONTENT_LENGTH)
    }
}

impl Decoder {
    /// A decoder refusing bodies over `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Decoder {
            state: State::Header,
            buf: Vec::new(),
            scanned: 0,
            limit,
        }
    }

    /// Add input bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Drop the first `n` buffered bytes.
    fn consume(&mut self, n: usize) {
        self.buf.drain(..n);
    }

    /// The next event from the bytes pushed so far; `None` when more input
    /// is needed.
    pub fn next_event(&mut self) -> Option<Event> {
        loop {
            match self.state {
                State::Header => return self.header(),
                State::Body(len) => return self.body(len),
                State::Drain(left) => {
                    // A body over the limit: drop what arrives (unless a
                    // header shows it was cut short), keeping nothing.
                    let (stop, resync) = match find_header(&self.buf, 0) {
                        Scan::Found(p) => (p, true),
                        Scan::Partial(p) => (p, false),
                        Scan::None => (self.buf.len(), false),
                    };
                    let n = (stop as u64).min(left) as usize;
                    self.consume(n);
                    let left = left - n as u64;
                    if left == 0 || resync && n == stop {
                        self.state = State::Header;
                        continue;
                    }
                    self.state = State::Drain(left);
                    return None;
                }
                State::Skip => match find_header(&self.buf, 0) {
                    Scan::Found(p) => {
                        self.consume(p);
                        self.state = State::Header;
                    }
                    Scan::Partial(p) => {
                        self.consume(p);
                        return None;
                    }
                    Scan::None => {
                        self.buf.clear();
                        return None;
                    }
                },
            }
        }
    }

    /// Skip from the current position (one byte at least, so that a
    /// header at the start is not found again) to the next header.
    fn garbage(&mut self) -> Option<Event> {
        self.consume(1.min(self.buf.len()));
        self.state = State::Skip;
        Some(Event::Problem(Problem::Garbage))
    }

    fn header(&mut self) -> Option<Event> {
        let mut pos = 0;
        let mut lines = 0;
        let mut length: Option<Result<u64, String>> = None;
        loop {
            let window = &self.buf[pos..self.buf.len().min(pos + MAX_HEADER_LINE + 1)];
            let Some(nl) = window.iter().position(|&b| b == b'\n') else {
                if window.len() > MAX_HEADER_LINE {
                    return self.garbage();
                }
                return None;
            };
            let mut line = &window[..nl];
            if let Some(l) = line.strip_suffix(b"\r") {
                line = l;
            }
            let line_end = pos + nl + 1;
            if line.is_empty() {
                if lines == 0 {
                    // Blank lines between frames are tolerated silently.
                    self.consume(line_end);
                    pos = 0;
                    continue;
                }
                self.consume(line_end);
                return match length {
                    None => {
                        self.state = State::Skip;
                        Some(Event::Problem(Problem::MissingLength))
                    }
                    Some(Err(value)) => {
                        self.state = State::Skip;
                        Some(Event::Problem(Problem::BadLength(value)))
                    }
                    Some(Ok(n)) if n > self.limit as u64 => {
                        self.state = State::Drain(n);
                        Some(Event::Problem(Problem::TooLarge(n)))
                    }
                    Some(Ok(n)) => {
                        self.state = State::Body(n as usize);
                        self.scanned = 0;
                        self.next_event()
                    }
                };
            }
            lines += 1;
            let Some((name, value)) = parse_header_line(line) else {
                return self.garbage();
            };
            if lines > MAX_HEADER_LINES {
                return self.garbage();
            }
            if name.eq_ignore_ascii_case("content-length") {
                let parsed = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
                    // Twenty digits and more overflow: over any limit.
                    Ok(value.parse::<u64>().unwrap_or(u64::MAX))
                } else {
                    Err(value.to_string())
                };
                length = match (length, parsed) {
                    (Some(Ok(a)), Ok(b)) if a != b => Some(Err(format!("{a}, {b}"))),
                    (Some(Err(e)), _) => Some(Err(e)),
                    (_, p) => Some(p),
                };
            }
            pos = line_end;
        }
    }

    fn body(&mut self, len: usize) -> Option<Event> {
        // A header inside the body: the body was cut short and the header
        // starts the next frame (see the module documentation).
        let from = self.scanned.saturating_sub(HEADER.len() + 48);
        let end = self.buf.len().min(len);
        match find_header(&self.buf, from) {
            Scan::Found(p) if p < end => {
                self.consume(p);
                self.state = State::Header;
                return Some(Event::Problem(Problem::Truncated {
                    announced: len,
                    got: p,
                }));
            }
            _ => self.scanned = end,
        }
        if self.buf.len() < len {
            return None;
        }
        let rest = self.buf.split_off(len);
        let body = std::mem::replace(&mut self.buf, rest);
        self.state = State::Header;
        Some(Event::Frame(body))
    }

    /// The event for the input's end: a body or header left incomplete.
    pub fn finish(&mut self) -> Option<Event> {
        let event = match self.state {
            State::Body(len) => Some(Event::Problem(Problem::Truncated {
                announced: len,
                got: self.buf.len(),
            })),
            State::Header if self.buf.iter().any(|b| !b.is_ascii_whitespace()) => {
                Some(Event::Problem(Problem::Garbage))
            }
            _ => None,
        };
        self.buf.clear();
        self.state = State::Skip;
        event
    }
}

/// `Name: value` with a token name; the value trimmed. `None` if the line
/// is not a header.
fn parse_header_line(line: &[u8]) -> Option<(&str, &str)> {
    let line = std::str::from_utf8(line).ok()?;
    let (name, value) = line.split_once(':')?;
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return None;
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return None;
    }
    Some((name, value.trim_matches([' ', '\t'])))
}

/// What `tower-lsp-server` decodes a body into (its own `Message` is
/// private): a body that decodes into this is one it accepts.
#[derive(Deserialize)]
#[serde(untagged)]
#[allow(dead_code)] // Decoded to be checked, never read.
enum Message {
    Response(Response),
    Request(Request),
}

/// What to do with a body.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// A message `tower-lsp-server` accepts: forward it.
    Forward,
    /// Not a message: send this error response.
    Answer(Value),
    /// A malformed response: drop it (responses are never answered).
    Drop,
}

/// Check a body the way `tower-lsp-server` will decode it.
pub fn check(body: &[u8]) -> Verdict {
    let Ok(text) = std::str::from_utf8(body) else {
        return Verdict::Answer(error_response(
            Value::Null,
            -32700,
            "parse error: the message is not UTF-8".into(),
        ));
    };
    match serde_json::from_str::<Message>(text) {
        Ok(Message::Request(r)) if r.method().is_empty() => {
            Verdict::Answer(error_response(usable_id(r.id()), -32600, no_method()))
        }
        Ok(_) => Verdict::Forward,
        Err(_) => match serde_json::from_str::<Value>(text) {
            Err(e) => Verdict::Answer(error_response(
                Value::Null,
                -32700,
                format!("parse error: the message is not JSON: {e}"),
            )),
            Ok(Value::Object(o))
                if !o.contains_key("method")
                    && (o.contains_key("result") || o.contains_key("error")) =>
            {
                Verdict::Drop
            }
            Ok(Value::Object(o)) => {
                let id = match o.get("id") {
                    Some(id @ Value::String(_)) => id.clone(),
                    Some(Value::Number(n)) if n.is_i64() => Value::Number(n.clone()),
                    _ => Value::Null,
                };
                let message = match o.get("jsonrpc") {
                    Some(Value::String(v)) if v == "2.0" => match o.get("method") {
                        Some(Value::String(_)) => {
                            "invalid request: `id` must be an integer or a string, and `params` an object or an array".into()
                        }
                        _ => no_method(),
                    },
                    _ => "invalid request: not a JSON-RPC 2.0 message (`\"jsonrpc\": \"2.0\"` is missing)".into(),
                };
                Verdict::Answer(error_response(id, -32600, message))
            }
            Ok(other) => Verdict::Answer(error_response(
                Value::Null,
                -32600,
                format!(
                    "invalid request: a JSON-RPC message is an object, not {}",
                    match other {
                        Value::Array(_) => "an array (batches are not part of LSP)",
                        Value::String(_) => "a string",
                        Value::Number(_) => "a number",
                        Value::Bool(_) => "a boolean",
                        _ => "null",
                    }
                ),
            )),
        },
    }
}

fn no_method() -> String {
    "invalid request: the message has no `method`".into()
}

/// The id of a request as JSON, `null` when it has none.
fn usable_id(id: Option<&tower_lsp_server::jsonrpc::Id>) -> Value {
    id.and_then(|i| serde_json::to_value(i).ok())
        .unwrap_or(Value::Null)
}

/// A JSON-RPC error response.
pub fn error_response(id: Value, code: i64, message: String) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// `Content-Length: N\r\n\r\n` then `body`.
fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// Read the editor's bytes from `input`; forward the messages
/// `tower-lsp-server` accepts to `server`, framed again, and send an error
/// response to `errors` for everything else. Returns at the end of the
/// input or when the server stops reading.
pub async fn read_input<I, S>(mut input: I, mut server: S, errors: mpsc::UnboundedSender<Value>)
where
    I: AsyncRead + Unpin,
    S: AsyncWrite + Unpin,
{
    let mut decoder = Decoder::default();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = input.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            if let Some(Event::Problem(p)) = decoder.finish() {
                report(&errors, &p);
            }
            return;
        }
        decoder.push(&chunk[..n]);
        while let Some(event) = decoder.next_event() {
            match event {
                Event::Frame(body) => match check(&body) {
                    Verdict::Forward => {
                        let header = format!("Content-Length: {}\r\n\r\n", body.len());
                        if server.write_all(header.as_bytes()).await.is_err()
                            || server.write_all(&body).await.is_err()
                            || server.flush().await.is_err()
                        {
                            return;
                        }
                    }
                    Verdict::Answer(response) => {
                        eprintln!(
                            "mirage-lsp: answered a malformed message: {}",
                            response["error"]["message"].as_str().unwrap_or("")
                        );
                        let _ = errors.send(response);
                    }
                    Verdict::Drop => {
                        eprintln!("mirage-lsp: dropped a malformed response from the editor");
                    }
                },
                Event::Problem(p) => report(&errors, &p),
            }
        }
    }
}

fn report(errors: &mpsc::UnboundedSender<Value>, problem: &Problem) {
    let (code, message) = problem.error();
    eprintln!("mirage-lsp: {message}");
    let _ = errors.send(error_response(Value::Null, code, message));
}

/// Copy `tower-lsp-server`'s framed output from `server` to `output`, with
/// the framing layer's error responses from `errors` written between
/// frames. Returns when `server` ends (the session is over).
pub async fn write_output<S, O>(
    mut server: S,
    mut errors: mpsc::UnboundedReceiver<Value>,
    mut output: O,
) where
    S: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
{
    // The server's own output is well formed; the same decoder finds its
    // frames (the limit does not apply: these are our own messages).
    let mut decoder = Decoder::new(usize::MAX);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        tokio::select! {
            biased;
            read = server.read(&mut chunk) => {
                let n = read.unwrap_or(0);
                if n == 0 {
                    break;
                }
                decoder.push(&chunk[..n]);
                while let Some(event) = decoder.next_event() {
                    if let Event::Frame(body) = event
                        && !send(&mut output, &body).await
                    {
                        return;
                    }
                }
            }
            Some(error) = errors.recv() => {
                if !send(&mut output, error.to_string().as_bytes()).await {
                    return;
                }
            }
        }
    }
    while let Ok(error) = errors.try_recv() {
        if !send(&mut output, error.to_string().as_bytes()).await {
            return;
        }
    }
}

/// Write one frame; `false` when the output is gone.
async fn send<O: AsyncWrite + Unpin>(output: &mut O, body: &[u8]) -> bool {
    output.write_all(&framed(body)).await.is_ok() && output.flush().await.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(decoder: &mut Decoder, input: &[u8]) -> Vec<Event> {
        decoder.push(input);
        std::iter::from_fn(|| decoder.next_event()).collect()
    }

    fn frame(body: &str) -> Vec<u8> {
        framed(body.as_bytes())
    }

    #[test]
    fn frames_byte_by_byte_and_together() {
        let mut input = frame("{\"a\":1}");
        input.extend(b"\r\n");
        input.extend(frame("{\"b\":2}"));
        let mut d = Decoder::default();
        let mut got = Vec::new();
        for b in &input {
            got.extend(events(&mut d, &[*b]));
        }
        let want = vec![
            Event::Frame(b"{\"a\":1}".to_vec()),
            Event::Frame(b"{\"b\":2}".to_vec()),
        ];
        assert_eq!(got, want);
        assert_eq!(events(&mut Decoder::default(), &input), want);
    }

    #[test]
    fn garbage_is_reported_once_and_skipped_to_the_next_header() {
        let mut input = b"\x00\xffhello\r\nworld Content-Len".to_vec();
        input.extend(b"more junk ");
        input.extend(frame("{}"));
        let got = events(&mut Decoder::default(), &input);
        assert_eq!(
            got,
            vec![
                Event::Problem(Problem::Garbage),
                Event::Frame(b"{}".to_vec())
            ]
        );
    }

    #[test]
    fn bad_missing_and_huge_lengths() {
        let ok = || Event::Frame(b"{}".to_vec());
        for (header, problem) in [
            (
                &b"Content-Length: -5\r\n\r\n"[..],
                Problem::BadLength("-5".into()),
            ),
            (
                b"Content-Length: 12abc\r\n\r\n",
                Problem::BadLength("12abc".into()),
            ),
            (
                b"Content-Length:\r\n\r\n",
                Problem::BadLength(String::new()),
            ),
            (
                b"Content-Type: application/json\r\n\r\n",
                Problem::MissingLength,
            ),
            (
                b"Content-Length: 99999999999999999999999\r\n\r\n",
                Problem::TooLarge(u64::MAX),
            ),
            (b"Content-Length: 101\r\n\r\n", Problem::TooLarge(101)),
        ] {
            let mut input = header.to_vec();
            input.extend(b"{\"x\":1}");
            input.extend(frame("{}"));
            let got = events(&mut Decoder::new(100), &input);
            assert_eq!(got, vec![Event::Problem(problem), ok()]);
        }
        // A body over the limit, sent whole, then a frame.
        let mut input = b"Content-Length: 1000\r\n\r\n".to_vec();
        input.extend(vec![b'x'; 1000]);
        input.extend(frame("[]"));
        assert_eq!(
            events(&mut Decoder::new(100), &input),
            vec![
                Event::Problem(Problem::TooLarge(1000)),
                Event::Frame(b"[]".to_vec())
            ]
        );
    }

    #[test]
    fn a_drained_body_is_never_buffered() {
        let mut d = Decoder::new(10);
        events(&mut d, b"Content-Length: 1000000\r\n\r\n");
        for _ in 0..100 {
            assert_eq!(events(&mut d, &[b'y'; 10_000]), vec![]);
            assert!(d.buf.len() < 100, "{}", d.buf.len());
        }
        assert_eq!(
            events(&mut d, &frame("{}")),
            vec![Event::Frame(b"{}".to_vec())]
        );
    }

    #[test]
    fn a_short_body_resynchronises_on_the_next_header() {
        // Announced 100, sent 9, then a whole frame: the frame arrives
        // before the announced length is reached.
        let mut input = b"Content-Length: 100\r\n\r\n{\"short\":".to_vec();
        input.extend(frame("{\"ok\":true}"));
        let got = events(&mut Decoder::default(), &input);
        assert_eq!(
            got,
            vec![
                Event::Problem(Problem::Truncated {
                    announced: 100,
                    got: 9
                }),
                Event::Frame(b"{\"ok\":true}".to_vec())
            ]
        );
        // Announced 20: the next frame's header is inside those 20 bytes.
        let mut input = b"Content-Length: 20\r\n\r\n{\"a\"".to_vec();
        input.extend(frame("{\"ok\":true}"));
        let got = events(&mut Decoder::default(), &input);
        assert_eq!(got[1], Event::Frame(b"{\"ok\":true}".to_vec()));
    }

    #[test]
    fn header_text_inside_a_json_string_is_not_a_header() {
        let body = r#"{"text":"Content-Length: 12\r\n\r\nabc"}"#;
        assert_eq!(
            events(&mut Decoder::default(), &frame(body)),
            vec![Event::Frame(body.as_bytes().to_vec())]
        );
    }

    #[test]
    fn an_over_long_header_line_is_garbage() {
        let mut input = vec![b'A'; 5000];
        input.extend(frame("{}"));
        assert_eq!(
            events(&mut Decoder::default(), &input),
            vec![
                Event::Problem(Problem::Garbage),
                Event::Frame(b"{}".to_vec())
            ]
        );
    }

    #[test]
    fn verdicts() {
        let code = |v: Verdict| match v {
            Verdict::Answer(r) => (r["error"]["code"].as_i64(), r["id"].clone()),
            other => panic!("{other:?}"),
        };
        assert_eq!(code(check(b"{nope")), (Some(-32700), Value::Null));
        assert_eq!(code(check(b"\xff\xfe")), (Some(-32700), Value::Null));
        assert_eq!(code(check(b"")), (Some(-32700), Value::Null));
        assert_eq!(code(check(b"[1,2]")), (Some(-32600), Value::Null));
        assert_eq!(code(check(b"42")), (Some(-32600), Value::Null));
        assert_eq!(code(check(br#"{"id":7}"#)), (Some(-32600), json!(7)));
        assert_eq!(
            code(check(br#"{"jsonrpc":"2.0","id":"x"}"#)),
            (Some(-32600), json!("x"))
        );
        assert_eq!(
            code(check(br#"{"jsonrpc":"1.0","method":"m","id":3}"#)),
            (Some(-32600), json!(3))
        );
        assert_eq!(
            code(check(
                br#"{"jsonrpc":"2.0","method":"m","method":"n","id":4}"#
            )),
            (Some(-32600), json!(4))
        );
        assert_eq!(
            code(check(br#"{"jsonrpc":"2.0","method":"m","id":1.5}"#)),
            (Some(-32600), Value::Null)
        );
        assert_eq!(check(br#"{"id":1,"result":{"x":1}}"#), Verdict::Drop);
        assert_eq!(
            check(br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#),
            Verdict::Forward
        );
        assert_eq!(
            check(br#"{"jsonrpc":"2.0","id":1,"result":null}"#),
            Verdict::Forward
        );
    }
}
