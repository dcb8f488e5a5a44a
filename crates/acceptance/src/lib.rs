//! Consumer acceptance suite for `voice-ai-client` and `conversation-ai-client`: the tests in
//! `tests/it/` do, one module per task, what another team does with the two clients against
//! `mock_server::MockServer`. The library itself is empty.

/// The workspace README, whose example runs here as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct WorkspaceReadme;
