//! The dashboard's static files, embedded in the binary and served under
//! names carrying a hash of their content (`app.3f9c0a1b2c.css`): a
//! browser may keep them forever (`immutable`), and a new build's files
//! have new names, so nobody runs yesterday's script against today's
//! pages. A name that is not the current one is `404`.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::Digest as _;

/// One embedded file.
pub struct Asset {
    /// The name pages link to, with its hash.
    pub name: String,
    /// Its `Content-Type`.
    content_type: &'static str,
    /// Its bytes.
    body: &'static [u8],
}

impl Asset {
    fn new(stem: &str, extension: &str, content_type: &'static str, body: &'static str) -> Asset {
        let digest = sha2::Sha256::digest(body.as_bytes());
        let hash: String = digest[..5].iter().map(|b| format!("{b:02x}")).collect();
        Asset {
            name: format!("{stem}.{hash}.{extension}"),
            content_type,
            body: body.as_bytes(),
        }
    }

    /// The path pages link to.
    pub fn path(&self) -> String {
        format!("/assets/{}", self.name)
    }

    /// Its size in bytes (for the page-weight budget).
    pub fn len(&self) -> usize {
        self.body.len()
    }

    /// Whether it is empty (never, for the files shipped).
    pub fn is_empty(&self) -> bool {
        self.body.is_empty()
    }
}

/// The style sheet.
pub static CSS: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "app",
        "css",
        "text/css; charset=utf-8",
        include_str!("assets/app.css"),
    )
});

/// The script.
pub static JS: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "app",
        "js",
        "text/javascript; charset=utf-8",
        include_str!("assets/app.js"),
    )
});

/// The icon.
pub static ICON: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "icon",
        "svg",
        "image/svg+xml",
        include_str!("assets/icon.svg"),
    )
});

/// The wizard's script (only on its pages).
pub static WIZARD_JS: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "wizard",
        "js",
        "text/javascript; charset=utf-8",
        include_str!("assets/wizard.js"),
    )
});

/// `GET /assets/{name}`.
pub async fn serve(Path(name): Path<String>) -> Response {
    for asset in [&*CSS, &*JS, &*ICON, &*WIZARD_JS] {
        if asset.name == name {
            let mut response = (
                StatusCode::OK,
                [(header::CONTENT_TYPE, asset.content_type)],
                asset.body,
            )
                .into_response();
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            response.headers_mut().insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            return response;
        }
    }
    (StatusCode::NOT_FOUND, "no such asset").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_a_hash_of_the_content() {
        let css = &*CSS;
        assert!(css.name.starts_with("app.") && css.name.ends_with(".css"));
        assert_eq!(css.name.len(), "app..css".len() + 10);
        // Another content, another name.
        let other = Asset::new("app", "css", "text/css", "body{}");
        assert_ne!(other.name, css.name);
    }
}
