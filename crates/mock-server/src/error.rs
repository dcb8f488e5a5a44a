//! The one HTTP-facing error type.
//!
//! Every refusal the mock produces is an [`ApiError`]: a status plus a message, rendered as the
//! vendor's NestJS body `{"statusCode": …, "message": …, "error": …}`. `error` is the reason
//! phrase of the status (`"Bad Request"`, `"Unauthorized"`, …). For 422 the `message` is a list
//! of strings (one per validation problem, as class-validator reports them), and so is it for a
//! state document refused on import (400, one per problem); otherwise it is a single string. Handlers build errors with the named constructors below, so the
//! wire shape is decided in exactly one place and no internal detail reaches a client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The message of an [`ApiError`]: one string, or a list (422, and 400 for a refused import).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorMessage {
    /// A single message, as in `{"message": "Agent not found"}`.
    One(String),
    /// A list of messages, as in `{"message": ["name must be a string"]}`.
    Many(Vec<String>),
}

/// A refusal rendered in the vendor's error shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    message: ErrorMessage,
}

impl ApiError {
    /// Any status with a single message.
    /// ```
    /// use axum::http::StatusCode;
    /// use mock_server::{ApiError, ErrorMessage};
    /// // Arrange / Act
    /// let error = ApiError::new(StatusCode::CONFLICT, "taken");
    /// // Assert
    /// assert_eq!(error.body()["error"], "Conflict");
    /// ```
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: ErrorMessage::One(message.into()),
        }
    }

    /// 400 Bad Request.
    /// ```
    /// use axum::http::StatusCode;
    /// use mock_server::{ApiError, ErrorMessage};
    /// // Arrange / Act
    /// let error = ApiError::bad_request("No Agent found for the id: x");
    /// // Assert
    /// assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    /// ```
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 400 Bad Request with one message per problem (a refused state document).
    /// ```
    /// use axum::http::StatusCode;
    /// use mock_server::{ApiError, ErrorMessage};
    /// // Arrange / Act
    /// let error = ApiError::bad_request_listing(vec!["tokens.0: scopes must be an array".into()]);
    /// // Assert
    /// assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    /// assert_eq!(error.body()["message"][0], "tokens.0: scopes must be an array");
    /// ```
    pub fn bad_request_listing(messages: Vec<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: ErrorMessage::Many(messages),
        }
    }

    /// 401 Unauthorized.
    /// ```
    /// use axum::http::StatusCode;
    /// use mock_server::{ApiError, ErrorMessage};
    /// // Arrange / Act
    /// let error = ApiError::unauthorized("The token is not authorized for this scope.");
    /// // Assert
    /// assert_eq!(error.status(), StatusCode::UNAUTHORIZED);
    /// ```
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 403 Forbidden.
    /// ```
    /// use axum::http::StatusCode;
    /// use mock_server::{ApiError, ErrorMessage};
    /// // Arrange / Act
    /// let error = ApiError::forbidden("The token does not have access to this location.");
    /// // Assert
    /// assert_eq!(error.body()["error"], "Forbidden");
    /// ```
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// 404 Not Found.
    /// ```
    /// use axum::http::StatusCode;
    /// use mock_server::{ApiError, ErrorMessage};
    /// // Arrange / Act
    /// let error = ApiError::not_found("Agent not found");
    /// // Assert
    /// assert_eq!(error.body()["statusCode"], 404);
    /// ```
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 413 Payload Too Large.
    /// ```
    /// use axum::http::StatusCode;
    /// use mock_server::{ApiError, ErrorMessage};
    /// // Arrange / Act
    /// let error = ApiError::payload_too_large();
    /// // Assert
    /// assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
    /// ```
    pub fn payload_too_large() -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "request entity too large")
    }

    /// 422 Unprocessable Entity with one message per validation problem.
    /// ```
    /// use axum::http::StatusCode;
    /// use mock_server::{ApiError, ErrorMessage};
    /// // Arrange / Act
    /// let error = ApiError::unprocessable(vec!["name must be a string".into()]);
    /// // Assert
    /// assert_eq!(error.body()["message"][0], "name must be a string");
    /// ```
    pub fn unprocessable(messages: Vec<String>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: ErrorMessage::Many(messages),
        }
    }

    /// The HTTP status.
    /// ```
    /// use axum::http::StatusCode;
    /// use mock_server::{ApiError, ErrorMessage};
    /// // Arrange
    /// let error = ApiError::not_found("Voice not found");
    /// // Act
    /// let status = error.status();
    /// // Assert
    /// assert_eq!(status, StatusCode::NOT_FOUND);
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message.
    /// ```
    /// use axum::http::StatusCode;
    /// use mock_server::{ApiError, ErrorMessage};
    /// // Arrange
    /// let error = ApiError::not_found("Voice not found");
    /// // Act
    /// let message = error.message();
    /// // Assert
    /// assert_eq!(message, &ErrorMessage::One("Voice not found".into()));
    /// ```
    pub fn message(&self) -> &ErrorMessage {
        &self.message
    }

    /// The wire body: `{"statusCode", "message", "error"}`.
    /// ```
    /// use axum::http::StatusCode;
    /// use mock_server::{ApiError, ErrorMessage};
    /// # use serde_json::json;
    /// // Arrange
    /// let error = ApiError::forbidden("no");
    /// // Act
    /// let body = error.body();
    /// // Assert
    /// assert_eq!(body, json!({"statusCode": 403, "message": "no", "error": "Forbidden"}));
    /// ```
    pub fn body(&self) -> Value {
        let message = match &self.message {
            ErrorMessage::One(m) => json!(m),
            ErrorMessage::Many(ms) => json!(ms),
        };
        json!({
            "statusCode": self.status.as_u16(),
            "message": message,
            "error": self.status.canonical_reason().unwrap_or("Error"),
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_422_carries_a_list_of_messages() {
        let body = ApiError::unprocessable(vec!["name must be a string".into()]).body();
        assert_eq!(
            body,
            json!({"statusCode": 422, "message": ["name must be a string"], "error": "Unprocessable Entity"})
        );
    }

    #[test]
    fn a_401_carries_one_message_and_the_reason_phrase() {
        let body = ApiError::unauthorized("Invalid token: access token is invalid").body();
        assert_eq!(
            body,
            json!({"statusCode": 401, "message": "Invalid token: access token is invalid", "error": "Unauthorized"})
        );
    }
}
