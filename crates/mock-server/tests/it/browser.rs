//! A headless Chromium session driven through chromedriver, and waits on what a page shows:
//! shared by the dashboard test (`dashboard.rs`) and the `dashboard_timing` example.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`CHROMEDRIVER` and `CHROMIUM` name other
//! binaries). Without them, [`start_driver`] fails under CI (`CI` set: `.ci/run` installs
//! them, so their absence is a broken set-up) and elsewhere reports the test as skipped in one
//! line saying how to install them, so a newcomer's `cargo test --workspace` needs nothing else.

use std::net::{SocketAddr, TcpListener as StdListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// How long one condition in the page may take to appear.
pub(crate) const PATIENCE: Duration = Duration::from_secs(15);

/// chromedriver, stopped when dropped.
pub(crate) struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first of `candidates` (or the named environment variable) that exists, else what to do
/// to install it.
fn find_program(variable: &str, candidates: &[&str]) -> Result<PathBuf, String> {
    let advice = format!(
        "the dashboard test needs {} (or {variable}=/path/to/it): install Debian's browser and \
         driver with `apt-get update && apt-get install -y chromium chromium-driver` (as root; \
         .ci/run does this when they are missing)",
        candidates[0]
    );
    if let Some(path) = std::env::var_os(variable) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("{} does not exist; {advice}", path.display()))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in candidates {
        for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/bin")]) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(advice)
}

fn chromium() -> Result<PathBuf, String> {
    find_program(
        "CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    )
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Starts chromedriver on a free loopback port and waits until it listens; `None` (after one
/// "skipped" line) when chromedriver or Chromium is missing outside CI.
pub(crate) fn start_driver() -> Option<Driver> {
    let found = find_program("CHROMEDRIVER", &["chromedriver"])
        .and_then(|driver| chromium().map(|_| driver));
    let program = match found {
        Ok(program) => program,
        Err(advice) if std::env::var_os("CI").is_some() => panic!("{advice}"),
        Err(advice) => {
            println!("skipped: {advice}");
            return None;
        }
    };
    let port = free_port();
    let child = Command::new(&program)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {} failed: {e}", program.display()));
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not listen on {address} within 20 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(driver)
}

/// A headless Chromium session at 1280×800 (the flags a root container needs included).
pub(crate) async fn browser(driver: &Driver) -> Client {
    let chromium = chromium().unwrap_or_else(|advice| panic!("{advice}"));
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,800", "--hide-scrollbars", "--force-device-scale-factor=1",
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a Chromium session through chromedriver")
}

/// The element matching `css`, waiting for it.
pub(crate) async fn wait_for(page: &Client, css: &str) -> Element {
    match page
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(css))
        .await
    {
        Ok(element) => element,
        Err(error) => {
            let notice = match page.find(Locator::Css("#notice")).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            panic!("{css} did not appear within {PATIENCE:?} ({error}); the page says {notice:?}")
        }
    }
}

/// Waits until the text of `css` contains `needle`; the text.
pub(crate) async fn wait_for_text(page: &Client, css: &str, needle: &str) -> String {
    let started = Instant::now();
    loop {
        let text = match page.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains(needle) {
            return text;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "{css} never contained {needle:?}; last text: {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Switches the page to a view (as a click on its navigation link does).
pub(crate) async fn open_view(page: &Client, view: &str) {
    click(page, &format!("nav a[data-view='{view}']")).await;
    wait_for(page, &format!("#view-{view}:not([hidden])")).await;
}

/// Clicks the element `css` selects (it must be there).
pub(crate) async fn click(page: &Client, css: &str) {
    page.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{css} could not be clicked: {e}"));
}

/// Picks the option with `value` in the `<select>` that `css` selects (it must be there).
pub(crate) async fn choose(page: &Client, css: &str, value: &str) {
    page.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("{css} has no option {value:?}: {e}"));
}

/// How many elements `css` selects now.
pub(crate) async fn count(page: &Client, css: &str) -> usize {
    page.find_all(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} could not be looked up: {e}"))
        .len()
}

/// Types `text` into the field `css` selects (it must be there).
pub(crate) async fn type_into(page: &Client, css: &str, text: &str) {
    page.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("{css} could not be typed into: {e}"));
}

/// With `UPDATE_SCREENSHOTS=1`, the page as it looks now, into `docs/ui-<name>.png`.
pub(crate) async fn screenshot(page: &Client, name: &str) {
    if std::env::var_os("UPDATE_SCREENSHOTS").is_none() {
        return;
    }
    let png = page.screenshot().await.expect("a screenshot");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    std::fs::create_dir_all(&dir).expect("the docs folder");
    std::fs::write(dir.join(format!("ui-{name}.png")), png).expect("the screenshot written");
}

/// Reads a number the page computed.
pub(crate) async fn number(page: &Client, script: &str) -> f64 {
    page.execute(script, Vec::new())
        .await
        .expect("the script ran")
        .as_f64()
        .unwrap_or_else(|| panic!("{script} gave no number"))
}
