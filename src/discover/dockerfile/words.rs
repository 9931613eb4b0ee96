//! Shell-ish word splitting and `$VAR` expansion as BuildKit applies them to
//! instruction arguments (`FROM`, `ENV`, `EXPOSE`, `ARG`, `USER`, …).

/// Split on unquoted whitespace; quotes are removed and the escape character
/// keeps the next character literally.
pub fn split_words(text: &str, escape: char) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some('"') if c == escape => {
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            Some(_) => word.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_word = true;
            }
            None if c == escape => {
                if let Some(n) = chars.next() {
                    word.push(n);
                }
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            None => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Expand `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`,
/// `${NAME:+alt}` and `${NAME+alt}` using `lookup`. Unknown names expand to
/// the empty string, as in BuildKit. Text inside single quotes is kept.
pub fn expand(text: &str, escape: char, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut single = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            single = !single;
            out.push(c);
            i += 1;
            continue;
        }
        if c == escape && !single && i + 1 < chars.len() && chars[i + 1] == '$' {
            out.push('$');
            i += 2;
            continue;
        }
        if c != '$' || single || i + 1 >= chars.len() {
            out.push(c);
            i += 1;
            continue;
        }
        if chars[i + 1] == '{' {
            let Some(close) = chars[i + 2..].iter().position(|&c| c == '}') else {
                out.extend(&chars[i..]);
                break;
            };
            let inner: String = chars[i + 2..i + 2 + close].iter().collect();
            out.push_str(&expand_braced(&inner, escape, lookup));
            i += close + 3;
        } else {
            let start = i + 1;
            let mut j = start;
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            if j == start {
                out.push('$');
                i += 1;
                continue;
            }
            let name: String = chars[start..j].iter().collect();
            out.push_str(&lookup(&name).unwrap_or_default());
            i = j;
        }
    }
    out
}

fn expand_braced(inner: &str, escape: char, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let name_len = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let (name, modifier) = inner.split_at(name_len);
    let value = lookup(name);
    let (colon, op, word) = if let Some(m) = modifier.strip_prefix(':') {
        (true, m.chars().next(), m.get(1..).unwrap_or(""))
    } else {
        (
            false,
            modifier.chars().next(),
            modifier.get(1..).unwrap_or(""),
        )
    };
    // With a colon, an empty value counts as unset.
    let set = match &value {
        Some(v) => !(colon && v.is_empty()),
        None => false,
    };
    match op {
        Some('-') if !set => expand(word, escape, lookup),
        Some('+') if set => expand(word, escape, lookup),
        Some('+') => String::new(),
        _ => value.unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "A" => Some("1".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn splits_quotes_and_escapes() {
        assert_eq!(
            split_words(r#"a "b c" 'd e' f\ g"#, '\\'),
            ["a", "b c", "d e", "f g"]
        );
        assert_eq!(split_words("a` b c", '`'), ["a b", "c"]);
        assert_eq!(split_words(r#"x="" y"#, '\\'), ["x=", "y"]);
    }

    #[test]
    fn expands_forms() {
        assert_eq!(
            expand(
                "$A-${A}-${B:-d}-${EMPTY:-e}-${EMPTY-f}-${A:+g}-${B:+h}",
                '\\',
                &env
            ),
            "1-1-d-e--g-"
        );
        assert_eq!(expand("'$A' \\$A $", '\\', &env), "'$A' $A $");
    }
}
