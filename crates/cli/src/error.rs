//! The CLI's one error type: a message that says what went wrong and what to do, and an error
//! class whose exit code scripts can branch on.

use std::fmt;
use std::process::ExitCode;

use voice_ai_client::{ApiError, ErrorKind};

/// What kind of failure ended the command; each has its own exit code (README: "Exit codes").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// 1: anything not listed below (a file that cannot be read, an unexpected answer).
    General,
    /// 3: no usable credentials, or HighLevel refused them (401/403).
    Auth,
    /// 4: the agent, action, call or voice does not exist (404).
    NotFound,
    /// 5: the request or a file is invalid (400/422, or refused before sending).
    Validation,
    /// 6: rate limited (429), after the clients' own retries.
    RateLimit,
    /// 7: HighLevel failed (5xx), after the clients' own retries.
    Server,
    /// 8: HighLevel could not be reached (connection, TLS, timeout).
    Connection,
}

impl Class {
    /// The process exit code of the class (2 is clap's, for usage errors).
    pub(crate) fn exit_code(self) -> u8 {
        match self {
            Class::General => 1,
            Class::Auth => 3,
            Class::NotFound => 4,
            Class::Validation => 5,
            Class::RateLimit => 6,
            Class::Server => 7,
            Class::Connection => 8,
        }
    }

    /// The class of an error of the clients.
    pub(crate) fn of(error: &ApiError) -> Self {
        match error.kind() {
            ErrorKind::InvalidToken
            | ErrorKind::MissingScope
            | ErrorKind::WrongTokenType
            | ErrorKind::MissingVersion
            | ErrorKind::Unauthorized
            | ErrorKind::WrongLocation
            | ErrorKind::Forbidden => Class::Auth,
            ErrorKind::NotFound => Class::NotFound,
            ErrorKind::BadRequest
            | ErrorKind::InvalidVersion
            | ErrorKind::Validation
            | ErrorKind::InvalidRequest => Class::Validation,
            ErrorKind::RateLimited => Class::RateLimit,
            ErrorKind::Server => Class::Server,
            ErrorKind::Transport => Class::Connection,
            _ => Class::General,
        }
    }

    /// What to do about an error of this class, from the command line's point of view.
    fn advice(self) -> Option<&'static str> {
        match self {
            Class::Auth => Some(
                "check HIGHLEVEL_TOKEN or the profile in use (`highlevel profiles list`): it needs a \
                 Sub-Account token of this location with the operation's scope",
            ),
            Class::Connection => Some("check the network and --base-url"),
            // The clients' own message already says what to do about these.
            Class::General
            | Class::NotFound
            | Class::Validation
            | Class::RateLimit
            | Class::Server => None,
        }
    }
}

/// An error that ends a command.
#[derive(Debug)]
pub(crate) struct CliError {
    class: Class,
    message: String,
}

impl CliError {
    /// An error of `class` saying `message`.
    pub(crate) fn new(class: Class, message: impl Into<String>) -> Self {
        Self {
            class,
            message: message.into(),
        }
    }

    /// Bad input: a flag, a body or a file that cannot be used.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(Class::Validation, message)
    }

    /// Any other failure.
    pub(crate) fn general(message: impl Into<String>) -> Self {
        Self::new(Class::General, message)
    }

    /// The same error with `context` in front of its message.
    pub(crate) fn context(self, context: impl fmt::Display) -> Self {
        Self {
            class: self.class,
            message: format!("{context}: {}", self.message),
        }
    }

    /// The exit code of the error's class.
    pub(crate) fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.class.exit_code())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(advice) = self.class.advice() {
            write!(f, "\nhint: {advice}")?;
        }
        Ok(())
    }
}

impl From<ApiError> for CliError {
    fn from(error: ApiError) -> Self {
        // The clients' message already quotes the vendor and says what to do; it never holds
        // a token.
        Self::new(Class::of(&error), error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_has_its_own_exit_code_and_none_is_clap_s_usage_code() {
        let classes = [
            Class::General,
            Class::Auth,
            Class::NotFound,
            Class::Validation,
            Class::RateLimit,
            Class::Server,
            Class::Connection,
        ];
        let mut codes: Vec<u8> = classes.iter().map(|class| class.exit_code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), classes.len());
        assert!(!codes.contains(&0) && !codes.contains(&2));
    }
}
