//! Where the value of `mirage secret set|rotate` comes from: a file, the
//! standard input (a pipe), a prompt with hidden input on a terminal, or
//! random characters. Never echoed; an empty value is refused.

use std::io::{IsTerminal as _, Read as _};
use std::path::Path;

use zeroize::Zeroizing;

use crate::secrets::SecretString;

/// The largest value read from standard input (a file goes through the
/// bounded reader of `.mirage` files, 8 MiB).
const MAX_STDIN: u64 = 1024 * 1024;

/// The characters of a generated value: letters and digits, which every
/// consumer of a variable accepts unquoted.
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// The lengths `--generate` accepts.
pub const GENERATED: std::ops::RangeInclusive<usize> = 8..=4096;

/// The value of `name`: the contents of `file` when given, else the
/// standard input (prompting, without echo, on a terminal). One trailing
/// line break is removed. `Err` says what is wrong.
pub fn read_value(name: &str, file: Option<&Path>) -> Result<SecretString, String> {
    let text = match file {
        Some(path) => {
            let bytes = Zeroizing::new(
                crate::resolve::read_source(path).map_err(|error| error.message(path))?,
            );
            utf8(bytes.to_vec(), &format!("`{}`", path.display()))?
        }
        None if std::io::stdin().is_terminal() => prompt(name)?,
        None => {
            let mut bytes = Zeroizing::new(Vec::new());
            std::io::stdin()
                .lock()
                .take(MAX_STDIN + 1)
                .read_to_end(&mut bytes)
                .map_err(|error| format!("cannot read the standard input: {error}"))?;
            if bytes.len() as u64 > MAX_STDIN {
                return Err("the value on the standard input is over 1 MiB".into());
            }
            utf8(bytes.to_vec(), "the standard input")?
        }
    };
    let mut text = text;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    if text.is_empty() {
        return Err(format!("the value given for `{name}` is empty"));
    }
    Ok(SecretString::new(std::mem::take(&mut *text)))
}

fn utf8(bytes: Vec<u8>, what: &str) -> Result<Zeroizing<String>, String> {
    String::from_utf8(bytes).map(Zeroizing::new).map_err(|e| {
        let mut bytes = e.into_bytes();
        zeroize::Zeroize::zeroize(&mut bytes);
        format!(
            "{what} is not UTF-8 text (a Railway variable is text: base64-encode binary secrets)"
        )
    })
}

/// `length` random letters and digits (uniform: bytes past the last
/// whole multiple of the alphabet are drawn again).
pub fn generate(length: usize) -> Result<SecretString, String> {
    let limit = 256 - 256 % ALPHABET.len();
    let mut out = Zeroizing::new(String::with_capacity(length));
    let mut buffer = Zeroizing::new([0u8; 64]);
    while out.len() < length {
        aws_lc_rs::rand::fill(buffer.as_mut())
            .map_err(|_| "the operating system's random source failed".to_owned())?;
        for byte in buffer.iter().map(|b| usize::from(*b)) {
            if byte < limit && out.len() < length {
                out.push(char::from(ALPHABET[byte % ALPHABET.len()]));
            }
        }
    }
    Ok(SecretString::new(std::mem::take(&mut *out)))
}

/// Asks for the value on the terminal, echo off.
fn prompt(name: &str) -> Result<Zeroizing<String>, String> {
    super::report::write_stderr(&format!("value of `{name}` (not shown): "));
    let line = hidden_line().map_err(|error| format!("cannot read from the terminal: {error}"));
    super::report::write_stderr("\n");
    line
}

/// One line of the terminal on standard input, with echo turned off while
/// it is typed (and restored however the read ends).
#[cfg(unix)]
fn hidden_line() -> std::io::Result<Zeroizing<String>> {
    use std::io::BufRead as _;
    struct Restore(libc::termios);
    impl Drop for Restore {
        fn drop(&mut self) {
            // SAFETY: a termios read from this descriptor by tcgetattr.
            unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &self.0) };
        }
    }
    // SAFETY: termios is plain data; tcgetattr fills it or fails.
    let mut term: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: a valid descriptor and a pointer to the struct above.
    if unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut term) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let _restore = Restore(term);
    term.c_lflag &= !libc::ECHO;
    // SAFETY: as above, with the struct modified.
    if unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &term) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let mut line = Zeroizing::new(String::new());
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line)
}

#[cfg(not(unix))]
fn hidden_line() -> std::io::Result<Zeroizing<String>> {
    Err(std::io::Error::other(
        "hidden input is not supported here: pipe the value in or use `--from-file`",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_values_have_the_length_and_alphabet_asked_for() {
        let a = generate(40).unwrap();
        assert_eq!(a.expose().len(), 40);
        assert!(a.expose().bytes().all(|b| ALPHABET.contains(&b)));
        assert_ne!(a, generate(40).unwrap());
        assert_eq!(generate(4096).unwrap().expose().len(), 4096);
    }
}
