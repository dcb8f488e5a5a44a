//! Constructors never panic: they succeed or return an `ApiError`.

use voice_ai_client::{Client, ClientConfig, ErrorKind, Token};

#[test]
fn from_token_builds_a_client_without_a_crypto_provider_set_up_by_the_caller() {
    // Arrange / Act
    let client = Client::from_token("pit-0123456789abcdef");
    // Assert
    assert!(client.is_ok(), "{:?}", client.err());
}

#[test]
fn from_token_refuses_an_empty_token_with_an_error() {
    // Arrange / Act
    let error = Client::from_token("").expect_err("an empty token is refused");
    // Assert
    assert_eq!(error.kind(), ErrorKind::Config);
}

#[test]
fn from_config_refuses_a_malformed_base_url_with_an_error() {
    // Arrange
    let config = ClientConfig::new(Token::new("pit-0123456789abcdef")).base_url("not a url");
    // Act
    let error = Client::from_config(config).expect_err("the base URL is malformed");
    // Assert
    assert_eq!(error.kind(), ErrorKind::Config);
}
