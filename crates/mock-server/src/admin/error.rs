//! [`AdminError`]: every refusal of the admin API, converted in one place into the vendor's
//! error shape (`{"statusCode", "message", "error"}`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::oauth::OAuthError;

/// Why an admin request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AdminError {
    /// The body is not a JSON object (400).
    BadBody(String),
    /// The request cannot be carried out as asked (400), e.g. no state file configured.
    BadRequest(String),
    /// The body is JSON but its fields are wrong (422, one message per problem).
    Invalid(Vec<String>),
    /// The route or the named thing does not exist (404).
    NotFound(String),
    /// The server failed to do it (500), e.g. writing the state file.
    Failed(String),
    /// A refusal an [`crate::AppState`] method decided, already in the vendor shape.
    Api(ApiError),
}

impl From<ApiError> for AdminError {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

impl From<OAuthError> for AdminError {
    fn from(error: OAuthError) -> Self {
        match error {
            OAuthError::InvalidClient => Self::NotFound("OAuth app not found".to_owned()),
            other => Self::Invalid(vec![other.to_string()]),
        }
    }
}

impl From<AdminError> for ApiError {
    fn from(error: AdminError) -> Self {
        match error {
            AdminError::BadBody(m) | AdminError::BadRequest(m) => ApiError::bad_request(m),
            AdminError::Invalid(problems) => ApiError::unprocessable(problems),
            AdminError::NotFound(m) => ApiError::not_found(m),
            AdminError::Failed(m) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, m),
            AdminError::Api(e) => e,
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        ApiError::from(self).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_gets_its_status_in_the_vendor_shape() {
        let cases = [
            (AdminError::BadBody("x".into()), 400),
            (AdminError::Invalid(vec!["x".into()]), 422),
            (AdminError::NotFound("x".into()), 404),
            (AdminError::Failed("x".into()), 500),
            (AdminError::from(OAuthError::InvalidClient), 404),
        ];
        for (error, status) in cases {
            let api = ApiError::from(error);
            assert_eq!(api.status().as_u16(), status);
            assert_eq!(api.body()["statusCode"], status);
        }
    }
}
