//! Runtime shared by the generated HighLevel clients.

/// State every generated client carries (progenitor's "inner type").
#[derive(Clone, Debug, Default)]
pub struct Runtime {}
