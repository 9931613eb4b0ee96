//! The `Link` header of paginated answers (RFC 8288 as GitHub writes it:
//! `<URL>; rel="next", <URL>; rel="last"`).

/// The URL of the `rel="next"` link, if the header has one.
pub fn next_link(header: &str) -> Option<&str> {
    let mut rest = header;
    loop {
        let start = rest.find('<')?;
        let end = start + rest[start..].find('>')?;
        let url = &rest[start + 1..end];
        rest = &rest[end + 1..];
        // Parameters run to the next link (a `,` outside quotes).
        let mut params_end = rest.len();
        let mut quoted = false;
        for (index, c) in rest.char_indices() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => {
                    params_end = index;
                    break;
                }
                _ => {}
            }
        }
        let params = &rest[..params_end];
        let is_next = params.split(';').any(|param| {
            let Some((name, value)) = param.split_once('=') else {
                return false;
            };
            name.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|rel| rel.eq_ignore_ascii_case("next"))
        });
        if is_next {
            return Some(url.trim());
        }
        rest = &rest[params_end..];
    }
}

#[cfg(test)]
mod tests {
    use super::next_link;

    #[test]
    fn finds_next_among_githubs_links() {
        let header = r#"<https://api.github.com/repositories/1300192/issues?page=2>; rel="prev", <https://api.github.com/repositories/1300192/issues?page=4>; rel="next", <https://api.github.com/repositories/1300192/issues?page=515>; rel="last", <https://api.github.com/repositories/1300192/issues?page=1>; rel="first""#;
        assert_eq!(
            next_link(header),
            Some("https://api.github.com/repositories/1300192/issues?page=4")
        );
    }

    #[test]
    fn the_last_page_has_no_next() {
        let header = r#"<https://api.github.com/x?page=1>; rel="first", <https://api.github.com/x?page=2>; rel="prev""#;
        assert_eq!(next_link(header), None);
        assert_eq!(next_link(""), None);
        assert_eq!(next_link("garbage <unclosed"), None);
        assert_eq!(next_link(r#"<a>; rel="prev next""#), Some("a"));
    }
}
