//! The API's routing table: every operation of both specs (and the two OAuth endpoints) by
//! method and path, matched with `matchit`, the matcher axum's own router uses, and run behind
//! the request pipeline.
//!
//! Why not one axum route per operation: axum copies each path parameter into a fresh `Arc<str>`
//! and stores them in a new extensions map on every request, about 1,600 instructions and five
//! allocations per request with an id in its path (BENCHMARKS.md, "The routing table"). A match
//! keeps only where each parameter sits in the request's own path; [`ApiRequest`] decodes it
//! where it is read. The answers are axum's: a `GET` route answers `HEAD` (axum strips the
//! body), and a known path asked with a method it lacks gets the API's 404 with an `Allow`
//! header listing the methods it has.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};

use super::{ApiRequest, PathParams};
use crate::AppState;
use crate::spec::Operation;

/// A route's handler behind the pipeline: takes the request and where its path parameters are.
type Run = Box<
    dyn Fn(AppState, Request, PathParams) -> Pin<Box<dyn Future<Output = Response> + Send>>
        + Send
        + Sync,
>;

/// One method of one path.
struct Route {
    method: Method,
    /// The names of the operation's path parameters.
    params: Vec<&'static str>,
    run: Run,
}

/// The routes of one path template, and its `Allow` header.
struct PathRoutes {
    routes: Vec<Route>,
    allow: HeaderValue,
}

/// The routing table, built once per router ([`crate::router`]).
#[derive(Default)]
pub(crate) struct Routes {
    matcher: matchit::Router<usize>,
    paths: Vec<(String, PathRoutes)>,
}

impl Routes {
    /// Adds `handler` for spec operation `op`, on the spec's method and path.
    pub(crate) fn operation<H, Fut, R>(&mut self, op: &'static Operation, handler: H)
    where
        H: Fn(AppState, ApiRequest) -> Fut + Copy + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoResponse,
    {
        // The specs are embedded, and every test builds this table: a method or path the table
        // cannot take fails them all, as axum's router panics on a route it cannot take.
        let method = Method::from_bytes(op.method.as_bytes())
            .unwrap_or_else(|_| panic!("{}: not an HTTP method: {}", op.id, op.method));
        self.add(method, &op.path, Some(op), handler);
    }

    /// Adds `handler` for `method` on `path` (a route that is not in the specs).
    pub(crate) fn route<H, Fut, R>(&mut self, method: Method, path: &'static str, handler: H)
    where
        H: Fn(AppState, ApiRequest) -> Fut + Copy + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoResponse,
    {
        self.add(method, path, None, handler);
    }

    fn add<H, Fut, R>(
        &mut self,
        method: Method,
        path: &str,
        op: Option<&'static Operation>,
        handler: H,
    ) where
        H: Fn(AppState, ApiRequest) -> Fut + Copy + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoResponse,
    {
        // The names live as long as the embedded specs; the OAuth paths have none.
        let params = op
            .iter()
            .flat_map(|op| op.params.iter())
            .filter(|p| p.location == crate::spec::ParamIn::Path)
            .map(|p| p.name.as_str())
            .collect();
        let run: Run = Box::new(move |state, request, path| {
            Box::pin(crate::middleware::pipeline(
                state,
                request,
                move |request, state| async move {
                    match ApiRequest::read(request, op, path).await {
                        Ok(req) => handler(state, req).await.into_response(),
                        Err(error) => error.into_response(),
                    }
                },
            ))
        });
        let index = match self.paths.iter().position(|(p, _)| p == path) {
            Some(index) => index,
            None => {
                if let Err(error) = self.matcher.insert(path, self.paths.len()) {
                    panic!("the route {path} cannot be added: {error}");
                }
                self.paths.push((
                    path.to_owned(),
                    PathRoutes {
                        routes: Vec::new(),
                        allow: HeaderValue::from_static(""),
                    },
                ));
                self.paths.len() - 1
            }
        };
        let entry = &mut self.paths[index].1;
        entry.routes.push(Route {
            method,
            params,
            run,
        });
        // As axum lists them: in the order the methods were added, `HEAD` after `GET`.
        let allow = entry
            .routes
            .iter()
            .flat_map(|route| match route.method {
                Method::GET => vec!["GET", "HEAD"],
                ref other => vec![other.as_str()],
            })
            .collect::<Vec<_>>()
            .join(",");
        if let Ok(allow) = HeaderValue::from_str(&allow) {
            entry.allow = allow;
        }
    }

    /// Answers `request`: its route behind the pipeline, or the pipeline's 404.
    pub(crate) fn dispatch(
        &self,
        state: AppState,
        request: Request,
    ) -> Pin<Box<dyn Future<Output = Response> + Send>> {
        let target = request.uri().path();
        let Ok(found) = self.matcher.at(target) else {
            return not_found(state, request, None);
        };
        let Some((_, path)) = self.paths.get(*found.value) else {
            return not_found(state, request, None);
        };
        let method = request.method();
        let route = path
            .routes
            .iter()
            .find(|route| route.method == method)
            .or_else(|| {
                (method == Method::HEAD)
                    .then(|| path.routes.iter().find(|route| route.method == Method::GET))
                    .flatten()
            });
        match route {
            Some(route) => {
                let params = PathParams::locate(target, &found.params, &route.params);
                (route.run)(state, request, params)
            }
            None => not_found(state, request, Some(path.allow.clone())),
        }
    }
}

/// The API's 404 behind the pipeline; with the methods the path has when only the method missed.
fn not_found(
    state: AppState,
    request: Request,
    allow: Option<HeaderValue>,
) -> Pin<Box<dyn Future<Output = Response> + Send>> {
    Box::pin(crate::middleware::pipeline(
        state,
        request,
        move |request, _| async move {
            let mut response = super::route_not_found(request).await.into_response();
            if let Some(allow) = allow {
                response.headers_mut().insert(header::ALLOW, allow);
            }
            response
        },
    ))
}

/// The routing table as the router's fallback handler.
pub(crate) fn handler(
    routes: Arc<Routes>,
) -> impl Fn(axum::extract::State<AppState>, Request) -> Pin<Box<dyn Future<Output = Response> + Send>>
+ Clone
+ Send
+ Sync
+ 'static {
    move |axum::extract::State(state), request| routes.dispatch(state, request)
}
