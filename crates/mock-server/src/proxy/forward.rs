//! Forwarding one request to the upstream server as an HTTP proxy must: hop-by-hop headers
//! removed in both directions, `Via` added, redirects passed back rather than followed.
//!
//! The client is reqwest over rustls with the ring provider and the platform's certificate
//! verifier, the TLS setup the generated clients use. The request's `Accept-Encoding` is not
//! forwarded, so the upstream answers in plain bytes that the proxy can check; everything else
//! the client sent (its `Authorization` and `Version` included) goes upstream unchanged, and
//! the answer's status, headers (the `X-RateLimit-*` ones included) and body come back
//! unchanged.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};

/// The headers a proxy never forwards (RFC 9110 §7.6.1), besides those `Connection` names.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The `Via` entry the proxy adds in both directions.
pub(crate) const VIA: &str = "1.1 highlevel-mock";

/// The largest upstream answer the proxy reads (32 MiB); a larger one is refused with 502.
pub(crate) const RESPONSE_LIMIT: usize = 32 * 1024 * 1024;

/// The upstream's answer, read whole.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// The HTTP client for the upstream: rustls (ring, platform verifier), no redirects followed.
pub(crate) fn client() -> Result<reqwest::Client, String> {
    use rustls_platform_verifier::BuilderVerifierExt as _;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .with_platform_verifier()
        .map_err(|e| format!("TLS certificate verifier setup failed: {e}"))?
        .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| format!("HTTP client setup failed: {e}"))
}

/// `headers` without hop-by-hop headers (and those the `Connection` header names).
pub(crate) fn end_to_end(headers: &HeaderMap) -> HeaderMap {
    let named: Vec<String> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect();
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let lower = name.as_str();
        if HOP_BY_HOP.contains(&lower) || named.iter().any(|n| n == lower) {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    out
}

/// Adds the proxy's `Via` entry after any earlier ones.
pub(crate) fn add_via(headers: &mut HeaderMap) {
    headers.append(header::VIA, HeaderValue::from_static(VIA));
}

/// Sends the request upstream and reads the answer (at most [`RESPONSE_LIMIT`] bytes).
pub(crate) async fn send(
    client: &reqwest::Client,
    url: &str,
    method: Method,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Answer, String> {
    let mut outgoing = end_to_end(headers);
    for name in [
        header::HOST,
        header::CONTENT_LENGTH,
        header::ACCEPT_ENCODING,
    ] {
        outgoing.remove(name);
    }
    add_via(&mut outgoing);
    let mut response = client
        .request(method, url)
        .headers(outgoing)
        .body(body)
        .send()
        .await
        .map_err(|e| describe(&e.without_url()))?;
    let status = response.status();
    let mut headers = end_to_end(response.headers());
    headers.remove(header::CONTENT_LENGTH);
    add_via(&mut headers);
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| describe(&e.without_url()))?
    {
        if body.len() + chunk.len() > RESPONSE_LIMIT {
            return Err(format!(
                "the upstream answer is larger than {RESPONSE_LIMIT} bytes"
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer {
        status,
        headers,
        body: Bytes::from(body),
    })
}

/// An upstream failure in one line, with its causes (no URL, no header).
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_are_not_forwarded() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONNECTION,
            HeaderValue::from_static("keep-alive, x-private"),
        );
        headers.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        headers.insert("x-private", HeaderValue::from_static("1"));
        headers.insert(header::TE, HeaderValue::from_static("trailers"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer t"));
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static("99"));
        let kept = end_to_end(&headers);
        assert_eq!(kept.len(), 2, "{kept:?}");
        assert!(kept.contains_key(header::AUTHORIZATION));
        assert!(kept.contains_key("x-ratelimit-remaining"));
        assert!(kept.keys().all(|name| !HOP_BY_HOP.contains(&name.as_str())));
    }
}
