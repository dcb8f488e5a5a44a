//! The reference models of both APIs on the live server: the same machine and postconditions
//! as `model_voice` and `model_conversation`, each sequence scoped to its own prefix (see
//! [`crate::model::Target`]), through the generated clients.
//!
//! A live server answers slowly and within a rate limit, so a test runs few sequences:
//! [`ENV_CASES`] (default [`DEFAULT_CASES`]), shrinking a failure at most
//! [`SHRINK_ITERS`] times unless `PROPTEST_MAX_SHRINK_ITERS` says otherwise; `PROPTEST_CASES`
//! does not apply here. After the sequences, the test's whole scope is searched once more: a
//! record a sequence's clean-up missed fails the test (and is deleted).

use std::time::Instant;

use crate::live::server::{self, connect, in_scope};
use crate::model::{Flavor, LiveTarget, Target, run_model};
use crate::model_conversation::Conversation;
use crate::model_voice::Voice;
use crate::support::{Transport, block_on, config};

/// How many sequences each live model runs.
pub(crate) const ENV_CASES: &str = "HIGHLEVEL_CONTRACT_CASES";
/// The sequences per live model when [`ENV_CASES`] is unset.
pub(crate) const DEFAULT_CASES: u32 = 4;
/// Shrinking steps of a failed live sequence (each one is a sequence run again).
const SHRINK_ITERS: u32 = 16;

/// Runs the model of `F` on the live server, if one is configured.
fn run_live<F: Flavor>(regressions: &'static str) {
    let Some(server) = connect() else {
        return;
    };
    let cases = match std::env::var(ENV_CASES) {
        Err(_) => DEFAULT_CASES,
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{ENV_CASES} is a number of sequences, not {text:?}")),
    };
    let mut config = config(regressions, cases);
    config.cases = cases;
    if std::env::var_os("PROPTEST_MAX_SHRINK_ITERS").is_none() {
        config.max_shrink_iters = SHRINK_ITERS;
    }
    let target = LiveTarget::new(server.clone());
    let started = Instant::now();
    // After a failure only the counts and the clean-up's findings are read, which a panic
    // cannot leave half-written.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_model::<F>(
            Target::Live(Box::new(target.clone())),
            Transport::Client,
            config,
        );
    }));
    // Every sequence swept its prefix when it ended; whatever the scope still holds was missed.
    let (missed, mut left) = block_on(async {
        let found = server::find(&target.http, &server.location, F::API, &target.scope).await;
        match found {
            Ok(found) => {
                let missed = in_scope(&found, &target.scope);
                let left =
                    server::delete_all(&target.http, &server.location, F::API, &missed).await;
                (missed, left)
            }
            Err(problem) => (Vec::new(), vec![problem]),
        }
    });
    left.extend(target.left());
    println!(
        "live model {}: {cases} cases, {} sequences run (shrinking included), {} requests, \
         {:.1} s, {}, scope {}",
        F::API.label(),
        target.sequences(),
        target
            .http
            .meter()
            .map_or(0, crate::live::pacer::Meter::sent),
        started.elapsed().as_secs_f64(),
        if outcome.is_ok() { "passed" } else { "failed" },
        target.scope
    );
    if let Err(failure) = outcome {
        let api = F::API.label();
        for agent in &missed {
            println!("live model {api}: agent {agent} missed by its sequence, deleted now");
        }
        for problem in &left {
            println!("live model {api}: could not be deleted: {problem}");
        }
        std::panic::resume_unwind(failure);
    }
    assert!(
        missed.is_empty(),
        "the sequences' clean-ups left these agents, now deleted: {missed:?}"
    );
    assert!(
        left.is_empty(),
        "records of this test could not be deleted: {left:?}"
    );
}

#[test]
fn voice_ai_agents_and_actions_behave_like_the_model_on_the_live_server_when_one_is_configured() {
    run_live::<Voice>(crate::regressions!("live_model_voice"));
}

#[test]
fn conversation_ai_agents_and_actions_behave_like_the_model_on_the_live_server_when_one_is_configured()
 {
    run_live::<Conversation>(crate::regressions!("live_model_conversation"));
}
