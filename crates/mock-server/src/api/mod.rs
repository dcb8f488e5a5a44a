//! The HTTP surface: the request pipeline every handler runs, and the per-API handlers.
//!
//! Handlers are thin: they name their `operationId`, run [`begin`] (or [`begin_with`]), call the
//! store and shape the response. The pipeline, in order:
//!
//! 1. [`ApiRequest`] reads the request: headers, query pairs, path parameters and the body
//!    (over [`BODY_LIMIT`] → 413; an unreadable query string → 400), never with axum's
//!    plain-text rejections. (The journal middleware has recorded it already.)
//! 2. `Version` header and bearer token, class and scopes ([`crate::auth::authenticate`]), with
//!    the scopes taken from the operation's spec `security` entry.
//! 3. The JSON body, for operations that take one: a body that is not `application/json` or
//!    not valid JSON → 400; an empty body reads as `{}`; a non-object → 400.
//! 4. Voice AI only: a `locationId` in the query or body that the token may not use → 403.
//!    4b. With a rate limit on, the request now spends its location's budget (429 when none is
//!    left; see [`crate::rate_limit`]): only requests that passed steps 2 and 4 count.
//! 5. Spec validation of query and path parameters, then of the body (all problems together,
//!    422), plus any operation-specific rules the handler passes in.
//!
//! A request refused at any step changes nothing: the store is only called after step 5.

pub(crate) mod conversation_ai;
pub(crate) mod oauth;
pub(crate) mod render_cache;
pub(crate) mod routing;
pub(crate) mod voice_ai;

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use std::borrow::Cow;

use crate::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::spec::{self, Api, Operation, ParamIn, Shape};
use crate::validation::{Validator, coerce_param};

/// The largest request body accepted (1 MiB); larger bodies get 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Marks a request whose body the journal found over [`BODY_LIMIT`] (declared or read) and
/// dropped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyOverLimit;

/// Everything a handler needs from the raw request. The query string and the path parameters
/// are kept as received and decoded where they are read ([`query_pairs`], [`PathParams`]),
/// without copies.
pub(crate) struct ApiRequest {
    headers: HeaderMap,
    uri: Uri,
    path: PathParams,
    body: Bytes,
    /// The operation the request was routed to (none for the OAuth endpoints).
    op: Option<&'static Operation>,
    /// The rate limiter's slot, when a limit is on (see [`crate::rate_limit`]).
    spend: Option<crate::rate_limit::Spend>,
}

impl ApiRequest {
    /// Reads `request`, routed to `op` with its path parameters at `path`: 413 for a body over
    /// [`BODY_LIMIT`] (the journal has buffered it already, or marked it [`BodyOverLimit`]), 400
    /// for a path parameter that does not decode to UTF-8 (axum's rule).
    pub(crate) async fn read(
        request: Request,
        op: Option<&'static Operation>,
        path: PathParams,
    ) -> Result<Self, ApiError> {
        let (parts, body) = request.into_parts();
        let body = if parts.extensions.get::<BodyOverLimit>().is_some() {
            None
        } else if axum::body::HttpBody::size_hint(&body).exact() == Some(0) {
            // Known to be empty (a GET): nothing to collect.
            Some(Bytes::new())
        } else {
            axum::body::to_bytes(body, BODY_LIMIT).await.ok()
        };
        let Some(body) = body else {
            return Err(ApiError::payload_too_large());
        };
        if !path.decodes(parts.uri.path()) {
            return Err(ApiError::bad_request("Invalid path parameter encoding"));
        }
        let spend = parts.extensions.get::<crate::rate_limit::Spend>().cloned();
        Ok(Self {
            headers: parts.headers,
            uri: parts.uri,
            path,
            body,
            op,
            spend,
        })
    }

    /// Path parameter `name`, percent-decoded (borrowed unless it had escapes).
    fn path_param(&self, name: &str) -> Option<Cow<'_, str>> {
        self.path.get(self.uri.path(), name)
    }
}

/// Where a request's path parameters sit in its path, by their spec names: a route match
/// copies nothing ([`routing`]), and a parameter is percent-decoded where it is read.
#[derive(Debug, Default)]
pub(crate) struct PathParams(Vec<(&'static str, std::ops::Range<usize>)>);

impl PathParams {
    /// The parameters `matchit` found in `path` (slices of it), under the names in `names`.
    fn locate(path: &str, found: &matchit::Params<'_, '_>, names: &[&'static str]) -> Self {
        let base = path.as_ptr() as usize;
        Self(
            found
                .iter()
                .filter_map(|(key, value)| {
                    let name = names.iter().find(|name| **name == key)?;
                    let start = (value.as_ptr() as usize).checked_sub(base)?;
                    path.get(start..start + value.len())?;
                    Some((*name, start..start + value.len()))
                })
                .collect(),
        )
    }

    fn get<'a>(&self, path: &'a str, name: &str) -> Option<Cow<'a, str>> {
        let (_, range) = self.0.iter().find(|(n, _)| *n == name)?;
        let raw = path.get(range.clone())?;
        if !raw.contains('%') {
            return Some(Cow::Borrowed(raw));
        }
        Some(percent_encoding::percent_decode_str(raw).decode_utf8_lossy())
    }

    /// Whether every parameter decodes to UTF-8.
    fn decodes(&self, path: &str) -> bool {
        self.0.iter().all(|(_, range)| {
            path.get(range.clone()).is_some_and(|raw| {
                !raw.contains('%')
                    || percent_encoding::percent_decode_str(raw)
                        .decode_utf8()
                        .is_ok()
            })
        })
    }
}

/// A request that passed the pipeline: who called, and the validated, cleaned inputs.
pub(crate) struct Call {
    /// The operation (its precomputed success response shape renders the answer).
    pub(crate) op: &'static Operation,
    pub(crate) principal: Principal,
    /// Query and path parameters, coerced to their schema types, defaults filled in.
    pub(crate) params: Params,
    /// The cleaned JSON body (`{}` for operations without one).
    pub(crate) body: Map<String, Value>,
}

/// A request's query and path parameters by their spec names, which live as long as the
/// embedded specs (a handful per operation: a list beats a map, and no name is copied).
#[derive(Debug, Default)]
pub(crate) struct Params(Vec<(&'static str, Value)>);

impl Params {
    /// The members of JSON object `object` as parameters (tests name them in `json!`; the
    /// names are leaked, which a test can afford).
    #[cfg(test)]
    pub(crate) fn from_json(object: Value) -> Self {
        let Value::Object(map) = object else {
            panic!("parameters come from a JSON object: {object}");
        };
        let mut params = Self::default();
        for (name, value) in map {
            params.insert(Box::leak(name.into_boxed_str()), value);
        }
        params
    }

    /// The value of parameter `name`, if the request has one (or its spec default).
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    fn insert(&mut self, name: &'static str, value: Value) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }
}

impl Call {
    /// A string parameter.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).and_then(Value::as_str)
    }

    /// A whole-number parameter (validated, so integral when present).
    pub(crate) fn number(&self, name: &str) -> Option<u64> {
        self.params
            .get(name)
            .and_then(Value::as_f64)
            .map(|n| n.max(0.0) as u64)
    }

    /// A string field of the body.
    pub(crate) fn body_str(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }
}

/// Runs the pipeline for operation `op_id` with no extra rules and no spec defaults.
pub(crate) fn begin(
    state: &AppState,
    api: Api,
    op_id: &str,
    req: ApiRequest,
) -> Result<Call, ApiError> {
    begin_with(state, api, op_id, req, false, |_, _| Vec::new())
}

/// Runs the pipeline; `defaults` fills spec `default`s into the body (create operations) and
/// `rules` adds operation-specific problems, checked on the cleaned inputs.
pub(crate) fn begin_with(
    state: &AppState,
    api: Api,
    op_id: &str,
    req: ApiRequest,
    defaults: bool,
    rules: impl FnOnce(&Params, &Map<String, Value>) -> Vec<String>,
) -> Result<Call, ApiError> {
    let spec = spec::spec(api);
    // The route knows its operation; the lookup is for a handler called some other way.
    let op = match req.op {
        Some(op) if op.id == op_id => op,
        _ => spec::operation(api, op_id),
    };
    let principal = state.authenticate(&req.headers, &op.scopes)?;

    let raw_body = match &op.body {
        None => Map::new(),
        Some(_) => parse_body(&req)?,
    };

    let query = query_pairs(req.uri.query().unwrap_or_default());
    if api == Api::VoiceAi {
        let from_query = query
            .iter()
            .find(|(k, _)| k == "locationId")
            .map(|(_, v)| v.as_ref());
        let from_body = raw_body.get("locationId").and_then(Value::as_str);
        for location in from_query.into_iter().chain(from_body) {
            principal.check_location(location)?;
        }
    }
    // Step 4b: authenticated, so the request spends rate-limit budget (429 when none is left).
    crate::rate_limit::spend(state, req.spend.as_ref(), &principal.location_id)?;

    let mut validator = Validator::new(spec, defaults);
    let mut params = Params(Vec::with_capacity(op.params.len()));
    for location in [ParamIn::Query, ParamIn::Path] {
        for param in op.params.iter().filter(|p| p.location == location) {
            let raw = if location == ParamIn::Query {
                query
                    .iter()
                    .find(|(k, _)| *k == param.name)
                    .map(|(_, v)| Cow::Borrowed(v.as_ref()))
            } else {
                req.path_param(&param.name)
            };
            let raw = raw.as_deref();
            // Values their schema is known to take as they are skip the validator.
            match raw.map(|text| (text, plain_value(param, text))) {
                Some((_, Some(value))) => params.insert(&param.name, value),
                Some((text, None)) => {
                    let value = coerce_param(spec, &param.schema, text);
                    let cleaned = validator.check(&param.schema, &value, &param.name);
                    params.insert(&param.name, cleaned);
                }
                None if param.required => validator.missing(&param.name),
                None => {
                    if let Some(default) = &param.default {
                        params.insert(&param.name, default.clone());
                    }
                }
            }
        }
    }
    let body = match &op.body {
        None => Map::new(),
        Some(schema) => match validator.check(schema, &Value::Object(raw_body), "") {
            Value::Object(map) => map,
            _ => Map::new(),
        },
    };
    let mut errors = validator.into_errors();
    if errors.is_empty() {
        errors.extend(rules(&params, &body));
    }
    if !errors.is_empty() {
        let mut unique: Vec<String> = Vec::with_capacity(errors.len());
        for e in errors {
            if !unique.contains(&e) {
                unique.push(e);
            }
        }
        return Err(ApiError::unprocessable(unique));
    }
    Ok(Call {
        op,
        principal,
        params,
        body,
    })
}

/// A parameter's value when its schema takes it as it is: any string for an unconstrained
/// string ([`crate::spec::Param::any_string`]), a plain decimal within a plain integer
/// schema's range ([`crate::spec::Param::integer_range`]); `None` when it must be validated.
fn plain_value(param: &crate::spec::Param, text: &str) -> Option<Value> {
    if param.any_string {
        return Some(Value::String(text.to_owned()));
    }
    let (low, high) = param.integer_range?;
    text.parse::<i64>()
        .ok()
        .filter(|n| (low..=high).contains(n))
        .map(Value::from)
}

fn parse_body(req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let content_type = req
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if essence != "application/json" && !essence.ends_with("+json") {
        return Err(ApiError::bad_request(
            "Content-Type must be application/json",
        ));
    }
    json_object(&req.body).map_err(ApiError::bad_request)
}

/// A request body as a JSON object (empty when the body is blank), or the vendor's 400 message;
/// the one body parser of the vendor and admin APIs.
pub(crate) fn json_object(body: &[u8]) -> Result<Map<String, Value>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("Request body must be a JSON object".to_owned()),
        Err(e) => Err(format!("Unexpected token in JSON: {e}")),
    }
}

/// The success answer of `op`: `body` serialized through the operation's declared response
/// shape (fields the spec does not declare are left out, at every depth; stored records keep
/// them), straight to bytes without copying the value.
pub(crate) fn respond(op: &Operation, status: StatusCode, body: Value) -> Response {
    match serde_json::to_vec(&op.success_shape.view(&body)) {
        Ok(bytes) => (
            status,
            [(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        Err(_) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
            .into_response(),
    }
}

/// The NestJS-style 404 for a route (or method) the API does not have.
pub(crate) async fn route_not_found(req: Request) -> ApiError {
    ApiError::not_found(format!("Cannot {} {}", req.method(), req.uri().path()))
}

/// A JSON object from owned entries (moved in, never deep-copied as `json!` would).
pub(crate) fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

/// A JSON answer from bytes already rendered through the operation's shape.
pub(crate) fn bytes_response(status: StatusCode, bytes: Bytes) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json"),
        )],
        bytes,
    )
        .into_response()
}

/// The declared shape of the items of list field `key` of `op`'s success answer; when it is the
/// same shape as `same_as`'s answer, that one (so cached renderings are shared).
pub(crate) fn item_shape(
    op: &'static Operation,
    key: &str,
    same_as: &'static Operation,
) -> &'static Shape {
    static ANY: Shape = Shape::Any;
    let item = match &op.success_shape {
        Shape::Object(props) => match props.get(key) {
            Some(Shape::Array(item)) => item.as_ref(),
            _ => &ANY,
        },
        _ => &ANY,
    };
    if *item == same_as.success_shape {
        &same_as.success_shape
    } else {
        item
    }
}

/// A page answer `{…scalars, key: [items]}` written from pre-rendered items, with only the
/// fields `op`'s success answer declares, in the order `serde_json` writes objects (sorted).
pub(crate) fn page_bytes(
    op: &Operation,
    key: &str,
    items: &[Bytes],
    scalars: &[(&str, Value)],
) -> Bytes {
    let declared = |name: &str| match &op.success_shape {
        Shape::Object(props) => props.contains_key(name),
        _ => true,
    };
    let mut fields: Vec<(&str, Option<&Value>)> = scalars
        .iter()
        .map(|(name, value)| (*name, Some(value)))
        .chain(std::iter::once((key, None)))
        .filter(|(name, _)| declared(name))
        .collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = Vec::with_capacity(64 + items.iter().map(|b| b.len() + 1).sum::<usize>());
    out.push(b'{');
    for (i, (name, value)) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let _ = serde_json::to_writer(&mut out, name);
        out.push(b':');
        match value {
            Some(value) => {
                let _ = serde_json::to_writer(&mut out, value);
            }
            None => {
                out.push(b'[');
                for (j, item) in items.iter().enumerate() {
                    if j > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(item);
                }
                out.push(b']');
            }
        }
    }
    out.push(b'}');
    Bytes::from(out)
}

/// `application/x-www-form-urlencoded` pairs as axum's `Query` reads them (`form_urlencoded`:
/// split on `&`, empty parts skipped, name and value split at the first `=`, `+` is a space,
/// `%XX` is a byte, invalid UTF-8 replaced), borrowed from `text` unless a pair needs decoding.
/// A pair with neither `+` nor `%` (every pair of the usual `?locationId=…&page=2`) is split in
/// place; only the others go through `form_urlencoded`, which costs about 400 instructions a
/// pair even when it has nothing to decode.
pub(crate) fn query_pairs(text: &str) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
    text.split('&')
        .filter(|part| !part.is_empty())
        .filter_map(|part| {
            if part.bytes().any(|b| b == b'+' || b == b'%') {
                return form_urlencoded::parse(part.as_bytes()).next();
            }
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            Some((Cow::Borrowed(name), Cow::Borrowed(value)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_decode_like_form_urlencoded() {
        let pairs = query_pairs("a=1&&b=x+y%2Cz&c&d=%zz&e=%C3%A9&=v&f=a=b");
        let expected = [
            ("a", "1"),
            ("b", "x y,z"),
            ("c", ""),
            ("d", "%zz"),
            ("e", "é"),
            ("", "v"),
            ("f", "a=b"),
        ];
        assert_eq!(pairs.len(), expected.len());
        for ((name, value), (n, v)) in pairs.iter().zip(expected) {
            assert_eq!((name.as_ref(), value.as_ref()), (n, v));
        }
        assert_eq!(query_pairs("x=%FF")[0].1, "\u{FFFD}");
        assert!(
            matches!(
                query_pairs("plain=text")[0],
                (Cow::Borrowed(_), Cow::Borrowed(_))
            ),
            "a pair without escapes is read in place"
        );
    }

    proptest::proptest! {
        /// The in-place split reads every query string exactly as `form_urlencoded` does.
        #[test]
        fn query_pairs_match_form_urlencoded(text in "[a-zA-Z0-9=&+%._~é-]{0,40}") {
            let ours = query_pairs(&text);
            let theirs: Vec<_> = form_urlencoded::parse(text.as_bytes()).collect();
            proptest::prop_assert_eq!(ours, theirs);
        }
    }
}
