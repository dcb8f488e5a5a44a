//! The request journal: what clients sent, for assertions in tests (like wiremock's
//! `received_requests`).
//!
//! Every request that reaches the router is recorded, refused ones included, in arrival order:
//! method, path, raw query, headers and body (empty when the body was over the size limit). The
//! journal keeps the most recent [`JOURNAL_CAPACITY`] requests so a long-running server does not
//! grow without bound; `reset` empties it.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use axum::http::{HeaderMap, Method, Uri};
use serde_json::Value;

/// How many requests the journal keeps (the oldest are dropped first).
pub const JOURNAL_CAPACITY: usize = 10_000;

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// The path, e.g. `/voice-ai/agents`.
    pub path: String,
    /// The raw query string without `?`, if any.
    pub query: Option<String>,
    /// Header names (lower case) and values, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl ReceivedRequest {
    /// The first value of a header, by case-insensitive name.
    ///
    /// ```
    /// use mock_server::journal::ReceivedRequest;
    /// // Arrange
    /// let request = ReceivedRequest {
    ///     method: "GET".into(),
    ///     path: "/".into(),
    ///     query: None,
    ///     headers: vec![("version".into(), "2021-04-15".into())],
    ///     body: Vec::new(),
    /// };
    /// // Act
    /// let version = request.header("Version");
    /// // Assert
    /// assert_eq!(version, Some("2021-04-15"));
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    ///
    /// ```
    /// use mock_server::journal::ReceivedRequest;
    /// // Arrange
    /// let request = ReceivedRequest {
    ///     method: "POST".into(),
    ///     path: "/voice-ai/agents".into(),
    ///     query: None,
    ///     headers: Vec::new(),
    ///     body: br#"{"agentName":"A"}"#.to_vec(),
    /// };
    /// // Act
    /// let body = request.body_json();
    /// // Assert
    /// assert_eq!(body.expect("JSON")["agentName"], "A");
    /// ```
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// The bounded, shared list of received requests.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    entries: Mutex<VecDeque<ReceivedRequest>>,
}

impl Journal {
    pub(crate) fn record(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) {
        let entry = ReceivedRequest {
            method: method.as_str().to_owned(),
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            headers: headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: body.to_vec(),
        };
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() == JOURNAL_CAPACITY {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    pub(crate) fn snapshot(&self) -> Vec<ReceivedRequest> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    pub(crate) fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}
