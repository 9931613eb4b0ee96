//! Railway's log filter syntax (docs.railway.com, "Logs" → "Filtering
//! logs"), as the `filter` argument of the log queries and subscriptions
//! takes it:
//!
//! * `word` or `"a phrase"`: the message contains it (case-insensitive);
//! * `@attr:value`: an attribute equals the value (`@level:error`), or
//!   compares with it: `@n:>5`, `>=`, `<`, `<=`, `@n:1..3` (inclusive);
//! * `@arr[i]:value`: element `i` of an array attribute (attributes holding
//!   JSON arrays);
//! * `replica:<id>`: the line's deployment instance;
//! * `@service:<id>`: the line's service (environment logs);
//! * `AND` (or nothing between two terms), `OR`, `-` (not), parentheses.
//!
//! A filter that does not parse is refused rather than ignored, so a
//! client never believes a filter worked when it did not.

/// One log line as the filter sees it.
pub struct Line<'a> {
    /// The message text, which words and phrases search.
    pub message: &'a str,
    /// `(key, value)` attributes, `level` among them.
    pub attributes: &'a [(String, String)],
    /// The service that wrote it, which `@service:<id>` tests.
    pub service_id: Option<&'a str>,
    /// The deployment instance that wrote it, which `replica:<id>` tests.
    pub replica_id: Option<&'a str>,
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Matches every line (an empty filter).
    All,
    /// `word` or `"a phrase"`: the message contains it, ignoring case.
    Text(String),
    /// `@key:value` or `@key[index]:value`: an attribute passes a test
    /// (`@service:` tests the line's service instead).
    Attr {
        /// The attribute's name.
        key: String,
        /// The array element to test, for attributes holding JSON arrays.
        index: Option<usize>,
        /// How the value is compared.
        test: Test,
    },
    /// `replica:<id>`: the line's deployment instance is this one.
    Replica(String),
    /// `-term`: the inner filter does not match.
    Not(Box<Filter>),
    /// `a AND b` (or `a b`): both match.
    And(Box<Filter>, Box<Filter>),
    /// `a OR b`: either matches.
    Or(Box<Filter>, Box<Filter>),
}

/// How an attribute's value is compared.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// `value`: equal, ignoring ASCII case.
    Eq(String),
    /// `>n`: a number greater than `n`.
    Gt(f64),
    /// `>=n`: a number at least `n`.
    Ge(f64),
    /// `<n`: a number less than `n`.
    Lt(f64),
    /// `<=n`: a number at most `n`.
    Le(f64),
    /// `lo..hi`: a number from `lo` to `hi`, both included.
    Range(f64, f64),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Phrase(String),
    Open,
    Close,
    Minus,
}

fn tokens(input: &str) -> Result<Vec<Token>, String> {
    let mut out = vec![];
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '(' {
            chars.next();
            out.push(Token::Open);
        } else if c == ')' {
            chars.next();
            out.push(Token::Close);
        } else if c == '-' && out.last().is_none_or(|t| *t != Token::Minus) {
            chars.next();
            if chars.peek().is_none_or(|n| n.is_whitespace()) {
                return Err("`-` must be followed by a term".into());
            }
            out.push(Token::Minus);
        } else if c == '"' {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => {
                        if let Some(n) = chars.next() {
                            s.push(n);
                        }
                    }
                    Some(ch) => s.push(ch),
                    None => return Err("a quoted phrase is not closed".into()),
                }
            }
            out.push(Token::Phrase(s));
        } else {
            let mut s = String::new();
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() || ch == '(' || ch == ')' {
                    break;
                }
                if ch == '"' {
                    // `@attr:"a value"`: the quoted part belongs to the word.
                    chars.next();
                    loop {
                        match chars.next() {
                            Some('"') => break,
                            Some(q) => s.push(q),
                            None => return Err("a quoted value is not closed".into()),
                        }
                    }
                    continue;
                }
                s.push(ch);
                chars.next();
            }
            out.push(Token::Word(s));
        }
    }
    Ok(out)
}

fn number(s: &str) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .map_err(|_| format!("`{s}` is not a number"))
}

fn test_of(value: &str) -> Result<Test, String> {
    if let Some(v) = value.strip_prefix(">=") {
        return Ok(Test::Ge(number(v)?));
    }
    if let Some(v) = value.strip_prefix("<=") {
        return Ok(Test::Le(number(v)?));
    }
    if let Some(v) = value.strip_prefix('>') {
        return Ok(Test::Gt(number(v)?));
    }
    if let Some(v) = value.strip_prefix('<') {
        return Ok(Test::Lt(number(v)?));
    }
    if let Some((lo, hi)) = value.split_once("..")
        && let (Ok(lo), Ok(hi)) = (lo.parse::<f64>(), hi.parse::<f64>())
    {
        if lo > hi {
            return Err(format!("the range `{value}` starts after it ends"));
        }
        return Ok(Test::Range(lo, hi));
    }
    Ok(Test::Eq(value.to_string()))
}

fn term(word: &str) -> Result<Filter, String> {
    if let Some(rest) = word.strip_prefix('@') {
        let (key, value) = rest
            .split_once(':')
            .ok_or_else(|| format!("`{word}` needs a value: `@{rest}:<value>`"))?;
        if key.is_empty() || value.is_empty() {
            return Err(format!("`{word}` needs an attribute and a value"));
        }
        let (key, index) = match key.split_once('[') {
            Some((k, i)) => {
                let i = i
                    .strip_suffix(']')
                    .and_then(|i| i.parse::<usize>().ok())
                    .ok_or_else(|| format!("`{word}` has a bad array index"))?;
                (k.to_string(), Some(i))
            }
            None => (key.to_string(), None),
        };
        return Ok(Filter::Attr {
            key,
            index,
            test: test_of(value)?,
        });
    }
    if let Some(id) = word.strip_prefix("replica:") {
        if id.is_empty() {
            return Err("`replica:` needs a replica ID".into());
        }
        return Ok(Filter::Replica(id.to_string()));
    }
    Ok(Filter::Text(word.to_string()))
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(x)) if x == w)
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.is_word("OR") {
            self.pos += 1;
            let right = self.and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.unary()?;
        loop {
            if self.is_word("AND") {
                self.pos += 1;
            } else if self.peek().is_none()
                || self.is_word("OR")
                || matches!(self.peek(), Some(Token::Close))
            {
                return Ok(left);
            }
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Filter, String> {
        match self.peek().cloned() {
            Some(Token::Minus) => {
                self.pos += 1;
                Ok(Filter::Not(Box::new(self.unary()?)))
            }
            Some(Token::Open) => {
                self.pos += 1;
                let inner = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return Err("a `(` is not closed".into());
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(Token::Close) => Err("a `)` has no `(`".into()),
            Some(Token::Phrase(p)) => {
                self.pos += 1;
                Ok(Filter::Text(p))
            }
            Some(Token::Word(w)) if w == "AND" || w == "OR" => {
                Err(format!("`{w}` needs a term on each side"))
            }
            Some(Token::Word(w)) => {
                self.pos += 1;
                term(&w)
            }
            None => Err("the filter ends where a term was expected".into()),
        }
    }
}

/// Parses a filter; blank is [`Filter::All`].
pub fn parse(input: &str) -> Result<Filter, String> {
    let tokens = tokens(input)?;
    if tokens.is_empty() {
        return Ok(Filter::All);
    }
    let mut p = Parser { tokens, pos: 0 };
    let f = p.or()?;
    if p.pos != p.tokens.len() {
        return Err("a `)` has no `(`".into());
    }
    Ok(f)
}

fn value_test(value: &str, test: &Test) -> bool {
    let num = || value.trim().parse::<f64>().ok();
    match test {
        Test::Eq(v) => value.eq_ignore_ascii_case(v),
        Test::Gt(n) => num().is_some_and(|x| x > *n),
        Test::Ge(n) => num().is_some_and(|x| x >= *n),
        Test::Lt(n) => num().is_some_and(|x| x < *n),
        Test::Le(n) => num().is_some_and(|x| x <= *n),
        Test::Range(lo, hi) => num().is_some_and(|x| x >= *lo && x <= *hi),
    }
}

impl Filter {
    /// Whether a line passes the filter.
    pub fn matches(&self, line: &Line<'_>) -> bool {
        match self {
            Filter::All => true,
            Filter::Text(t) => line.message.to_lowercase().contains(&t.to_lowercase()),
            Filter::Replica(id) => line.replica_id == Some(id.as_str()),
            Filter::Attr { key, index, test } => {
                if key == "service" && index.is_none() {
                    return line.service_id.is_some_and(|s| value_test(s, test));
                }
                line.attributes.iter().any(|(k, v)| {
                    if k != key {
                        return false;
                    }
                    match index {
                        None => value_test(v, test),
                        Some(i) => serde_json::from_str::<serde_json::Value>(v)
                            .ok()
                            .and_then(|a| a.get(*i).cloned())
                            .is_some_and(|e| {
                                let s = e.as_str().map_or_else(|| e.to_string(), str::to_string);
                                value_test(&s, test)
                            }),
                    }
                })
            }
            Filter::Not(f) => !f.matches(line),
            Filter::And(a, b) => a.matches(line) && b.matches(line),
            Filter::Or(a, b) => a.matches(line) || b.matches(line),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line<'a>(message: &'a str, attributes: &'a [(String, String)]) -> Line<'a> {
        Line {
            message,
            attributes,
            service_id: Some("svc-1"),
            replica_id: Some("rep-1"),
        }
    }

    fn attrs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn keeps(filter: &str, message: &str, a: &[(&str, &str)]) -> bool {
        let a = attrs(a);
        parse(filter)
            .unwrap_or_else(|e| panic!("`{filter}`: {e}"))
            .matches(&line(message, &a))
    }

    #[test]
    fn words_phrases_and_attributes() {
        assert!(keeps("request", "GET request done", &[]));
        assert!(keeps("REQUEST", "GET request done", &[]));
        assert!(!keeps("\"POST /api\"", "GET /api", &[]));
        assert!(keeps("\"POST /api\"", "handled POST /api/x", &[]));
        assert!(keeps("@level:error", "x", &[("level", "error")]));
        assert!(!keeps("@level:error", "x", &[("level", "info")]));
        assert!(keeps(
            "@level:error AND \"failed to send batch\"",
            "failed to send batch 7",
            &[("level", "error")]
        ));
    }

    #[test]
    fn numbers_and_ranges() {
        assert!(keeps(
            "@task_duration:>=600",
            "x",
            &[("task_duration", "600")]
        ));
        assert!(!keeps("@batch_size:>100", "x", &[("batch_size", "100")]));
        assert!(keeps("@retries:1..3", "x", &[("retries", "2")]));
        assert!(!keeps("@retries:1..3", "x", &[("retries", "4")]));
        assert!(keeps("@httpStatus:<400", "x", &[("httpStatus", "204")]));
        assert!(keeps(
            "@roles[1]:viewer",
            "x",
            &[("roles", "[\"editor\",\"viewer\"]")]
        ));
    }

    #[test]
    fn boolean_operators_and_grouping() {
        let a = [("httpStatus", "501")];
        assert!(keeps(
            "@path:/x AND (@httpStatus:500 OR @httpStatus:501)",
            "x",
            &[("path", "/x"), ("httpStatus", "501")]
        ));
        assert!(!keeps("-@httpStatus:501", "x", &a));
        assert!(keeps("-@service:svc-2", "x", &[]));
        assert!(!keeps("-@service:svc-1 AND -@service:svc-2", "x", &[]));
        assert!(keeps("@service:svc-2 OR @service:svc-1", "x", &[]));
        assert!(keeps("replica:rep-1", "x", &[]));
        assert!(keeps("a b", "b then a", &[]));
        assert!(!keeps("a b", "only a", &[]));
        assert!(keeps("", "anything", &[]));
    }

    #[test]
    fn bad_filters_are_refused() {
        for bad in [
            "(a", "a)", "@level", "@:x", "\"open", "AND a", "a OR", "@n:3..1", "-",
        ] {
            assert!(parse(bad).is_err(), "`{bad}` parsed");
        }
    }
}
