//! `--verbose`: one line on stderr per HTTP request the clients make, read from the
//! `highlevel.request` tracing span their runtime records for every attempt (method, path
//! template, status, time). The span carries no token, so neither does the line.

use std::fmt::{self, Write as _};

use tracing::Subscriber;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;

/// The name of the span the clients' runtime records per request attempt.
const REQUEST_SPAN: &str = "highlevel.request";

/// Installs the request log for the rest of the process.
pub(crate) fn install() {
    // Fails only if a subscriber is already set, which leaves logging as it was.
    let _ = tracing_subscriber::registry().with(RequestLog).try_init();
}

/// The fields of one request span.
#[derive(Default)]
struct RequestFields {
    method: String,
    path: String,
    attempt: u64,
    status: Option<u64>,
    duration_ms: Option<u64>,
    error: Option<String>,
}

impl Visit for RequestFields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "attempt" => self.attempt = value,
            "status" => self.status = Some(value),
            "duration_ms" => self.duration_ms = Some(value),
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if let Ok(value) = u64::try_from(value) {
            self.record_u64(field, value);
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.record_text(field, value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.record_text(field, format!("{value:?}"));
    }
}

impl RequestFields {
    fn record_text(&mut self, field: &Field, value: String) {
        match field.name() {
            "method" => self.method = value,
            "path" => self.path = value,
            "error" => self.error = Some(value),
            _ => {}
        }
    }

    fn line(&self) -> String {
        let mut line = format!("{} {}", self.method, self.path);
        match (&self.status, &self.error) {
            (Some(status), _) => {
                let _ = write!(line, " {status}");
            }
            (None, Some(error)) => {
                let _ = write!(line, " failed ({error})");
            }
            (None, None) => line.push_str(" (no answer)"),
        }
        if let Some(duration) = self.duration_ms {
            let _ = write!(line, " {duration}ms");
        }
        if self.attempt > 1 {
            let _ = write!(line, " (attempt {})", self.attempt);
        }
        line
    }
}

/// The layer printing a line as each request span closes.
struct RequestLog;

impl<S> Layer<S> for RequestLog
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, context: Context<'_, S>) {
        if attributes.metadata().name() != REQUEST_SPAN {
            return;
        }
        let mut fields = RequestFields::default();
        attributes.record(&mut fields);
        if let Some(span) = context.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, context: Context<'_, S>) {
        if let Some(span) = context.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<RequestFields>()
        {
            values.record(fields);
        }
    }

    fn on_close(&self, id: Id, context: Context<'_, S>) {
        if let Some(span) = context.span(&id)
            && let Some(fields) = span.extensions().get::<RequestFields>()
        {
            eprintln!("{}", fields.line());
        }
    }
}
