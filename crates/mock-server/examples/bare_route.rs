//! A bare axum route serving fixed bytes: the baseline of the `wrk` throughput comparison in
//! `BENCHMARKS.md`. Run with
//! `cargo run --release -p mock-server --example bare_route -- PORT ROUTE_PATH BODY_FILE`
//! (for example `8091 /voice-ai/agents body.json`); it answers `GET ROUTE_PATH` with the file's
//! bytes as `application/json` on `127.0.0.1:PORT`, on a multi-threaded runtime (all cores),
//! until killed.

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::routing::get;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: bare_route PORT ROUTE_PATH BODY_FILE";
    let port: u16 = args.next().ok_or(usage)?.parse()?;
    let path = args.next().ok_or(usage)?;
    let body = Bytes::from(std::fs::read(args.next().ok_or(usage)?)?);
    let app = Router::new().route(
        &path,
        get(move || {
            let body = body.clone();
            async move {
                (
                    [(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    )],
                    body,
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("bare route on http://127.0.0.1:{port}{path}");
    axum::serve(listener, app).await?;
    Ok(())
}
