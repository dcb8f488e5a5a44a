//! The admin API's guard: the one middleware every `/__mock/` request passes before its handler,
//! so a web page in the user's browser cannot drive the admin API.
//!
//! In order (a refused request changes nothing):
//!
//! 1. **Cross-site → 403.** A browser names the page that sent a request in `Origin` (and, in
//!    recent browsers, `Sec-Fetch-Site`). A request is refused when `Sec-Fetch-Site` is
//!    `cross-site`, or when it has an `Origin` that is neither a loopback origin (`localhost`,
//!    `*.localhost`, `127.0.0.0/8`, `[::1]`, any port) nor the server's own origin: the same
//!    host and port as the `Host` header, where that host is an IP address (a DNS name that
//!    matches `Host` is what a DNS-rebinding page looks like, so names other than loopback ones
//!    are not trusted). `Origin: null` (sandboxed frames, some redirects) is cross-site. A
//!    request without `Origin` comes from a non-browser client (curl, a test, a service) and
//!    passes.
//! 2. **Admin token → 401.** With [`crate::MockServerBuilder::admin_token`] (`--admin-token`),
//!    every admin route needs `Authorization: Bearer <admin token>`, compared in constant time.
//! 3. **Non-JSON body → 415.** On any method but `GET`/`HEAD`, a declared `Content-Type` other
//!    than `application/json` or `*/*+json`, or a non-blank body with no `Content-Type`, is
//!    refused: `text/plain`, form and multipart bodies are what a page can send without a CORS
//!    preflight. An empty body without `Content-Type` still reads as `{}`.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::ApiError;

/// The most an admin body may be; the handlers' own extractor refuses more anyway.
const ADMIN_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The middleware: cross-site check, admin token, then the body's media type.
pub(crate) async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    if let Err(refusal) = check_site(headers, request.uri()) {
        return ApiError::forbidden(refusal).into_response();
    }
    if let Some(expected) = state.admin_token()
        && !bearer_matches(headers, expected)
    {
        let mut response = ApiError::unauthorized(
            "The admin API needs Authorization: Bearer <admin token> (set with --admin-token)",
        )
        .into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer realm=\"__mock\""),
        );
        return response;
    }
    let request = match check_media_type(request).await {
        Ok(request) => request,
        Err(refusal) => return refusal.into_response(),
    };
    next.run(request).await
}

/// `Err(message)` when the request comes from another site's page.
fn check_site(headers: &HeaderMap, uri: &axum::http::Uri) -> Result<(), String> {
    let fetch_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if fetch_site.eq_ignore_ascii_case("cross-site") {
        return Err(
            "The admin API refuses cross-site requests (Sec-Fetch-Site: cross-site)".to_owned(),
        );
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("null");
    // HTTP/2 names the server in the URI's authority instead of `Host`.
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .unwrap_or_default();
    if origin_allowed(origin, host) {
        Ok(())
    } else {
        Err(format!(
            "The admin API refuses cross-site requests (Origin: {origin}); only loopback origins \
             and the server's own address are allowed"
        ))
    }
}

/// Whether a browser page at `origin` may use the admin API of a server reached as `host`.
fn origin_allowed(origin: &str, host: &str) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false; // "null" and anything unparsable
    };
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => 80,
        "https" => 443,
        _ => return false,
    };
    let Some((origin_host, origin_port)) = split_authority(authority, default_port) else {
        return false;
    };
    if is_loopback_name(&origin_host) {
        return true;
    }
    let Some((own_host, own_port)) = split_authority(host, 80) else {
        return false;
    };
    origin_host == own_host
        && origin_port == own_port
        && origin_host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok()
}

/// `host[:port]` (IPv6 in brackets) as its lower-cased host and port.
fn split_authority(authority: &str, default_port: u16) -> Option<(String, u16)> {
    let authority = authority.trim().to_ascii_lowercase();
    if authority.is_empty() || authority.contains(['/', '@', '?', '#']) {
        return None;
    }
    let (host, port) = match authority.rfind(':') {
        Some(colon) if !authority[colon..].contains(']') => {
            let port = authority[colon + 1..].parse::<u16>().ok()?;
            (authority[..colon].to_owned(), port)
        }
        _ => (authority.clone(), default_port),
    };
    if host.is_empty() {
        return None;
    }
    Some((host, port))
}

/// `localhost`, `*.localhost`, `127.0.0.0/8` or `[::1]`.
fn is_loopback_name(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    host.trim_matches(['[', ']'])
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// Whether `Authorization` is `Bearer <expected>` (the comparison takes the same time wherever
/// the first difference is).
fn bearer_matches(headers: &HeaderMap, expected: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
    else {
        return false;
    };
    let (given, expected) = (given.as_bytes(), expected.as_bytes());
    let mut difference = given.len() ^ expected.len();
    for (i, byte) in expected.iter().enumerate() {
        difference |= usize::from(byte ^ given.get(i).copied().unwrap_or(!byte));
    }
    difference == 0
}

/// Whether a `Content-Type` value names JSON (`application/json`, `application/*+json`).
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn unsupported_media_type() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "Content-Type must be application/json",
    )
}

/// The request back when its body may be read as JSON; 415 otherwise.
async fn check_media_type(request: Request) -> Result<Request, Response> {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return Ok(request);
    }
    if let Some(content_type) = request.headers().get(header::CONTENT_TYPE) {
        return if content_type.to_str().is_ok_and(is_json) {
            Ok(request)
        } else {
            Err(unsupported_media_type().into_response())
        };
    }
    // No Content-Type: fine only for a blank body.
    let (parts, body) = request.into_parts();
    if axum::body::HttpBody::size_hint(&body).exact() == Some(0) {
        return Ok(Request::from_parts(parts, body));
    }
    let bytes: Bytes = axum::body::to_bytes(body, ADMIN_BODY_LIMIT)
        .await
        .map_err(|_| ApiError::payload_too_large().into_response())?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        Ok(Request::from_parts(parts, Body::from(bytes)))
    } else {
        Err(unsupported_media_type().into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_own_ip_origins_are_allowed_and_others_are_not() {
        let cases = [
            ("http://localhost:3000", "127.0.0.1:8080", true),
            ("http://app.localhost", "127.0.0.1:8080", true),
            ("http://127.0.0.2:1", "127.0.0.1:8080", true),
            ("http://[::1]:5173", "[::1]:8080", true),
            ("http://10.0.0.7:8080", "10.0.0.7:8080", true),
            ("http://10.0.0.7", "10.0.0.7:80", true),
            ("http://10.0.0.7:8081", "10.0.0.7:8080", false),
            ("https://10.0.0.7:8080", "10.0.0.8:8080", false),
            ("http://evil.example:8080", "evil.example:8080", false),
            ("http://localhost.evil.example", "127.0.0.1:8080", false),
            ("null", "127.0.0.1:8080", false),
            ("file://", "127.0.0.1:8080", false),
            ("http://user@localhost", "127.0.0.1:8080", false),
        ];
        for (origin, host, allowed) in cases {
            assert_eq!(origin_allowed(origin, host), allowed, "{origin} at {host}");
        }
    }

    #[test]
    fn only_the_exact_admin_token_matches() {
        let headers = |value: &str| {
            let mut map = HeaderMap::new();
            map.insert(
                header::AUTHORIZATION,
                value.parse().expect("a header value"),
            );
            map
        };
        assert!(bearer_matches(&headers("Bearer adm-1"), "adm-1"));
        assert!(bearer_matches(&headers("bearer  adm-1"), "adm-1"));
        assert!(!bearer_matches(&headers("Bearer adm-12"), "adm-1"));
        assert!(!bearer_matches(&headers("Bearer adm-"), "adm-1"));
        assert!(!bearer_matches(&headers("Basic adm-1"), "adm-1"));
        assert!(!bearer_matches(&HeaderMap::new(), "adm-1"));
    }

    #[test]
    fn json_media_types_are_recognised() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/x-www-form-urlencoded"));
        assert!(!is_json("text/json+json"));
    }
}
