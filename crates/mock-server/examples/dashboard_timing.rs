//! The dashboard's first load and its call-log pages over 1,000,000 call logs, measured in
//! headless Chromium (Navigation Timing and `performance.mark`/`performance.now` in the page):
//! the figures in `BENCHMARKS.md`. Run with
//! `cargo run -p mock-server --example dashboard_timing` (needs Debian's `chromium` and
//! `chromium-driver`); it prints each round and exits non-zero when the 300 ms goal is missed.

// The dashboard test's browser helpers; this example uses most of them.
#[allow(dead_code)]
#[path = "../tests/it/browser.rs"]
mod browser;

use std::time::Instant;

use fantoccini::Locator;
use mock_server::{Fixtures, MockServer};
use serde_json::{Value, json};
use voice_ai_client::{ClientConfig, Token};

use browser::{browser, number, open_view, start_driver, wait_for, wait_for_text};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let driver = start_driver().expect("chromium and chromedriver (see the line above)");
    let seeding = Instant::now();
    let server = MockServer::builder()
        .fixtures(Fixtures::demo(1))
        .call_logs(1_000_000)
        .start()
        .await;
    println!("seeded 1,000,000 call logs in {:?}", seeding.elapsed());
    let count = server.state().store().call_log_count(server.location_id());
    assert!(count >= 1_000_000, "{count}");
    // A full journal backlog: the stream's first 200 exchanges are part of the first load.
    let client = voice_ai_client::Client::from_config(
        ClientConfig::new(Token::new(server.dev_token())).base_url(server.uri()),
    )
    .expect("a client");
    for _ in 0..500 {
        client
            .list_agents()
            .location_id(server.location_id())
            .send()
            .await
            .expect("listed");
    }
    let page = browser(&driver).await;
    let url = format!("{}/__mock/ui", server.uri());
    let mut loads = Vec::new();
    // Navigation start to the load event, and to the traffic list filled from the stream and
    // live; the state view: navigation start to agents and the first call-log page shown.
    let since_start =
        |mark: &str| format!("return performance.getEntriesByName('{mark}')[0].startTime;");
    for round in 0..6 {
        page.goto(&format!("{url}?round={round}#traffic"))
            .await
            .expect("loaded");
        wait_for(&page, "#live-status[data-state='live']").await;
        let load = number(
            &page,
            "const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime;",
        )
        .await;
        let live = number(&page, &since_start("traffic-live")).await;
        let rows = page
            .find_all(Locator::Css("#traffic-rows tr"))
            .await
            .expect("rows")
            .len();
        println!(
            "first load (traffic), round {round}: load event {load:.1} ms, {rows} rows listed and live at {live:.1} ms"
        );
        page.goto(&format!("{url}?state={round}#state"))
            .await
            .expect("loaded");
        wait_for(&page, "#call-log-table[data-page='1']").await;
        let state = number(&page, &since_start("state-ready")).await;
        println!(
            "first load (state, 1,000,000 logs), round {round}: agents and call-log page 1 shown at {state:.1} ms"
        );
        if round > 0 {
            loads.extend([live, state]);
        }
    }
    let mut pages = Vec::new();
    let views: [(&str, Value); 4] = [
        ("state view, page 1 newest first", json!(null)),
        ("page 2", json!("#cl-next")),
        ("page 3", json!("#cl-next")),
        ("sorted by duration", json!("duration")),
    ];
    open_view(&page, "state").await;
    for round in 0..3 {
        page.refresh().await.expect("reloaded");
        for (name, step) in &views {
            match step.as_str() {
                None => {
                    wait_for(&page, "#call-log-table[data-page='1']").await;
                }
                Some("duration") => {
                    page.find(Locator::Css("#cl-sort-by"))
                        .await
                        .expect("sort")
                        .select_by_value("duration")
                        .await
                        .expect("chosen");
                    page.execute(
                        "document.getElementById('call-log-table').removeAttribute('data-page');",
                        Vec::new(),
                    )
                    .await
                    .expect("ran");
                    page.find(Locator::Css("#call-log-form button"))
                        .await
                        .expect("apply")
                        .click()
                        .await
                        .expect("clicked");
                    wait_for(&page, "#call-log-table[data-page='1']").await;
                }
                Some(css) => {
                    let current = number(
                        &page,
                        "return Number(document.getElementById('call-log-table').dataset.page);",
                    )
                    .await;
                    page.find(Locator::Css(css))
                        .await
                        .expect("next")
                        .click()
                        .await
                        .expect("clicked");
                    wait_for(
                        &page,
                        &format!("#call-log-table[data-page='{}']", current + 1.0),
                    )
                    .await;
                }
            }
            let ms = number(
                &page,
                "return Number(document.getElementById('call-log-table').dataset.renderMs);",
            )
            .await;
            let text = wait_for_text(&page, "#cl-page", "call logs").await;
            println!("call logs, round {round}, {name}: {ms:.1} ms ({text})");
            pages.push(ms);
        }
    }
    page.close().await.expect("closed");
    let worst = |v: &[f64]| v.iter().copied().fold(0.0_f64, f64::max);
    println!(
        "worst first load {:.1} ms; worst call-log page {:.1} ms",
        worst(&loads),
        worst(&pages)
    );
    let met = worst(&loads) < 300.0 && worst(&pages) < 300.0;
    println!(
        "goal (under 300 ms each): {}",
        if met { "met" } else { "NOT met" }
    );
    if !met {
        std::process::exit(1);
    }
}
