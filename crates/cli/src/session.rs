//! Who the CLI is and where it talks: the credentials (HIGHLEVEL_TOKEN, or a named profile of
//! the config file: a token, or OAuth through the clients' refreshing token source), the base
//! URL, and the two generated clients built from them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use voice_ai_client::{
    ClientConfig, OAuthCredentials, OAuthTokenSource, RetryPolicy, Token, TokenSource, UserType,
};

use crate::error::{Class, CliError};

/// The environment variable holding a token; read from the environment only, never a flag, so
/// it stays out of process listings and shell history.
pub(crate) const TOKEN_ENV: &str = "HIGHLEVEL_TOKEN";

/// The config file: named profiles and the default one.
#[derive(Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ConfigFile {
    /// The profile used when neither `--profile` nor HIGHLEVEL_TOKEN says otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) default_profile: Option<String>,
    /// The profiles by name.
    #[serde(default)]
    pub(crate) profiles: BTreeMap<String, Profile>,
}

/// One set of credentials and defaults.
#[derive(Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Profile {
    /// The API base URL (HighLevel's by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) base_url: Option<String>,
    /// The location commands use when they are given none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) location_id: Option<String>,
    /// A Sub-Account Private Integration Token or access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) token: Option<String>,
    /// The environment variable holding the token instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) token_env: Option<String>,
    /// An OAuth app installation, renewed through the clients' token source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) oauth: Option<OAuthProfile>,
}

/// An OAuth installation: the app's credentials and a refresh token (or the authorization code
/// of a fresh install). Rotated refresh tokens are written back to the config file.
#[derive(Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct OAuthProfile {
    /// The app's client id.
    pub(crate) client_id: String,
    /// The app's client secret.
    pub(crate) client_secret: String,
    /// The current refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) refresh_token: Option<String>,
    /// A single-use authorization code, exchanged on first use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) authorization_code: Option<String>,
    /// `company` for an Agency install, which mints a token per location; `location` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) user_type: Option<String>,
    /// The agency's company id (Agency installs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) company_id: Option<String>,
}

impl Profile {
    /// What kind of credentials the profile holds, for listings (never the secret itself).
    pub(crate) fn kind(&self) -> &'static str {
        match (&self.oauth, &self.token, &self.token_env) {
            (Some(oauth), _, _) if oauth.is_agency() => "oauth (agency)",
            (Some(_), _, _) => "oauth",
            (None, Some(_), _) => "token",
            (None, None, Some(_)) => "token (env)",
            (None, None, None) => "none",
        }
    }
}

impl OAuthProfile {
    fn is_agency(&self) -> bool {
        self.user_type
            .as_deref()
            .is_some_and(|kind| kind.eq_ignore_ascii_case("company"))
    }
}

/// The config file and where it lives.
#[derive(Clone)]
pub(crate) struct Config {
    path: PathBuf,
    file: ConfigFile,
}

impl Config {
    /// The file at `path` (`--config`/HIGHLEVEL_CONFIG), else the default location
    /// (`$XDG_CONFIG_HOME/highlevel/config.yaml`, `~/.config/highlevel/config.yaml`); an
    /// absent file is an empty config.
    pub(crate) fn load(path: Option<&Path>) -> Result<Self, CliError> {
        let path = match path {
            Some(path) => path.to_owned(),
            None => default_path(),
        };
        let file = match std::fs::read_to_string(&path) {
            Ok(text) => serde_norway::from_str(&text).map_err(|error| {
                CliError::invalid(format!(
                    "the config file {} is invalid: {}",
                    path.display(),
                    without_quoted_values(&error.to_string())
                ))
            })?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => ConfigFile::default(),
            Err(error) => {
                return Err(CliError::general(format!(
                    "cannot read the config file {}: {error}",
                    path.display()
                )));
            }
        };
        Ok(Self { path, file })
    }

    /// The file's contents.
    pub(crate) fn file(&self) -> &ConfigFile {
        &self.file
    }
}

/// A parse error's message with every quoted value replaced by `"…"`: the values of a config
/// file may be secrets, and serde quotes the value it could not use.
fn without_quoted_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut quoted = false;
    for character in message.chars() {
        if character == '"' {
            if !quoted {
                out.push_str("\"…\"");
            }
            quoted = !quoted;
        } else if !quoted {
            out.push(character);
        }
    }
    out
}

fn default_path() -> PathBuf {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("highlevel").join("config.yaml")
}

/// Writes the refresh token HighLevel rotated to into `profile` of the file at `path`.
fn save_refresh_token(path: &Path, profile: &str, token: &Token) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|error| error.to_string())?;
    let mut file: ConfigFile = serde_norway::from_str(&text).map_err(|error| error.to_string())?;
    let oauth = file
        .profiles
        .get_mut(profile)
        .and_then(|profile| profile.oauth.as_mut())
        .ok_or("the profile is gone")?;
    oauth.refresh_token = Some(token.expose_secret().to_owned());
    oauth.authorization_code = None;
    let text = serde_norway::to_string(&file).map_err(|error| error.to_string())?;
    let temporary = path.with_extension(format!("tmp-{}", std::process::id()));
    write_private(&temporary, &text).map_err(|error| error.to_string())?;
    std::fs::rename(&temporary, path).map_err(|error| error.to_string())
}

/// Writes a file only its owner can read (it holds secrets).
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    use std::io::Write as _;
    options.open(path)?.write_all(text.as_bytes())
}

/// Where requests go and with which credentials.
#[derive(Clone)]
pub(crate) struct Session {
    config: Config,
    /// The profile chosen with `--profile` (or the default one when no HIGHLEVEL_TOKEN is set).
    profile: Option<String>,
    env_token: Option<String>,
    base_url: Option<String>,
    location: Option<String>,
    retries: Option<u32>,
    /// Agency token sources, shared by every location they mint for.
    agency: Arc<std::sync::Mutex<BTreeMap<String, Arc<dyn TokenSource>>>>,
}

/// The two generated clients, for one location's credentials.
pub(crate) struct Clients {
    /// The Voice AI client.
    pub(crate) voice: voice_ai_client::Client,
    /// The Conversation AI client.
    pub(crate) conversation: conversation_ai_client::Client,
}

/// The credentials one client pair uses.
enum Credentials {
    Static(Token),
    Source(Arc<dyn TokenSource>),
}

impl Session {
    /// The session the global options describe.
    pub(crate) fn new(
        config: Config,
        profile: Option<String>,
        base_url: Option<String>,
        location: Option<String>,
        retries: Option<u32>,
    ) -> Result<Self, CliError> {
        let env_token = std::env::var(TOKEN_ENV)
            .ok()
            .filter(|token| !token.trim().is_empty());
        if let Some(name) = &profile
            && !config.file.profiles.contains_key(name)
        {
            return Err(CliError::new(
                Class::Auth,
                format!(
                    "no profile named {name:?} in {} (profiles: {})",
                    config.path.display(),
                    names(&config.file)
                ),
            ));
        }
        let profile = profile.or_else(|| {
            if env_token.is_some() {
                None
            } else {
                config.file.default_profile.clone().or_else(|| {
                    (config.file.profiles.len() == 1)
                        .then(|| config.file.profiles.keys().next().cloned())
                        .flatten()
                })
            }
        });
        Ok(Self {
            config,
            profile,
            env_token,
            base_url,
            location,
            retries,
            agency: Arc::default(),
        })
    }

    fn active_profile(&self) -> Option<(&str, &Profile)> {
        let name = self.profile.as_deref()?;
        self.config
            .file
            .profiles
            .get_key_value(name)
            .map(|(name, profile)| (name.as_str(), profile))
    }

    /// The location commands use when given none: `--location`, HIGHLEVEL_LOCATION_ID, or
    /// the profile's.
    pub(crate) fn default_location(&self) -> Option<String> {
        self.location.clone().or_else(|| {
            self.active_profile()
                .and_then(|(_, profile)| profile.location_id.clone())
        })
    }

    fn base_url_for(&self, profile: Option<&Profile>) -> Option<String> {
        self.base_url
            .clone()
            .or_else(|| profile.and_then(|profile| profile.base_url.clone()))
    }

    /// The clients for the session's own credentials.
    pub(crate) fn clients(&self) -> Result<Clients, CliError> {
        self.clients_for(None)
    }

    /// The clients for `location`: a profile of that location if the config has one, a token
    /// minted for it when the active profile is an Agency OAuth install, else the session's own
    /// credentials.
    pub(crate) fn clients_for(&self, location: Option<&str>) -> Result<Clients, CliError> {
        let active = self.active_profile();
        if let Some(location) = location {
            let active_is_for_it =
                active.is_some_and(|(_, profile)| profile.location_id.as_deref() == Some(location));
            let active_is_agency = active.is_some_and(|(_, profile)| {
                profile.oauth.as_ref().is_some_and(OAuthProfile::is_agency)
            });
            if !active_is_for_it && !active_is_agency {
                let own = self
                    .config
                    .file
                    .profiles
                    .iter()
                    .find(|(_, profile)| profile.location_id.as_deref() == Some(location));
                if let Some((name, profile)) = own {
                    return self.build(self.credentials(name, profile, None)?, Some(profile));
                }
            }
            if let Some((name, profile)) = active
                && active_is_agency
            {
                return self.build(
                    self.credentials(name, profile, Some(location))?,
                    Some(profile),
                );
            }
        }
        match active {
            Some((name, profile)) => {
                self.build(self.credentials(name, profile, None)?, Some(profile))
            }
            None => match &self.env_token {
                Some(token) => self.build(Credentials::Static(Token::new(token)), None),
                None => Err(CliError::new(
                    Class::Auth,
                    format!(
                        "no credentials: set {TOKEN_ENV} to a Sub-Account token, or add a profile \
                         to {} and pass --profile NAME",
                        self.config.path.display()
                    ),
                )),
            },
        }
    }

    fn credentials(
        &self,
        name: &str,
        profile: &Profile,
        location: Option<&str>,
    ) -> Result<Credentials, CliError> {
        if let Some(oauth) = &profile.oauth {
            return self.oauth_credentials(name, profile, oauth, location);
        }
        if let Some(token) = &profile.token {
            return Ok(Credentials::Static(Token::new(token)));
        }
        if let Some(variable) = &profile.token_env {
            return match std::env::var(variable) {
                Ok(token) if !token.trim().is_empty() => Ok(Credentials::Static(Token::new(token))),
                _ => Err(CliError::new(
                    Class::Auth,
                    format!("profile {name:?} reads its token from {variable}, which is not set"),
                )),
            };
        }
        Err(CliError::new(
            Class::Auth,
            format!("profile {name:?} has no token, tokenEnv or oauth"),
        ))
    }

    fn oauth_credentials(
        &self,
        name: &str,
        profile: &Profile,
        oauth: &OAuthProfile,
        location: Option<&str>,
    ) -> Result<Credentials, CliError> {
        let base_url = self.base_url_for(Some(profile));
        let agency = if oauth.is_agency() {
            let mut cache = self
                .agency
                .lock()
                .expect("the agency cache lock is never poisoned");
            match cache.get(name) {
                Some(source) => Some(source.clone()),
                None => {
                    let source: Arc<dyn TokenSource> = Arc::new(
                        self.oauth_source(name, oauth, base_url.clone())?
                            .user_type(UserType::Company)
                            .build()?,
                    );
                    cache.insert(name.to_owned(), source.clone());
                    Some(source)
                }
            }
        } else {
            None
        };
        let Some(agency) = agency else {
            let source = self.oauth_source(name, oauth, base_url)?.build()?;
            return Ok(Credentials::Source(Arc::new(source)));
        };
        let location = location
            .map(str::to_owned)
            .or_else(|| self.default_location())
            .ok_or_else(|| {
                CliError::new(
                    Class::Auth,
                    format!(
                        "profile {name:?} is an Agency install: name the location (--location) to \
                         mint a Sub-Account token for"
                    ),
                )
            })?;
        let company = oauth.company_id.clone().ok_or_else(|| {
            CliError::new(
                Class::Auth,
                format!("profile {name:?} is an Agency install but has no companyId"),
            )
        })?;
        let mut builder = OAuthTokenSource::location_from_agency(agency, company, location);
        if let Some(base_url) = base_url {
            builder = builder.base_url(base_url);
        }
        Ok(Credentials::Source(Arc::new(builder.build()?)))
    }

    fn oauth_source(
        &self,
        name: &str,
        oauth: &OAuthProfile,
        base_url: Option<String>,
    ) -> Result<voice_ai_client::OAuthTokenSourceBuilder, CliError> {
        let credentials = OAuthCredentials::new(&oauth.client_id, &oauth.client_secret);
        let mut builder = match (&oauth.refresh_token, &oauth.authorization_code) {
            (Some(refresh), _) => OAuthTokenSource::builder(credentials, Token::new(refresh)),
            (None, Some(code)) => {
                OAuthTokenSource::from_authorization_code(credentials, code, None)
            }
            (None, None) => {
                return Err(CliError::new(
                    Class::Auth,
                    format!("profile {name:?} has neither a refreshToken nor an authorizationCode"),
                ));
            }
        };
        if let Some(base_url) = base_url {
            builder = builder.base_url(base_url);
        }
        let path = self.config.path.clone();
        let profile = name.to_owned();
        Ok(builder.on_refresh_token(move |token| {
            if let Err(why) = save_refresh_token(&path, &profile, token) {
                eprintln!(
                    "warning: HighLevel rotated the refresh token of profile {profile:?}, but it \
                     could not be saved to {} ({why}); the old one no longer works",
                    path.display()
                );
            }
        }))
    }

    fn build(
        &self,
        credentials: Credentials,
        profile: Option<&Profile>,
    ) -> Result<Clients, CliError> {
        let mut config = match credentials {
            Credentials::Static(token) => ClientConfig::new(token),
            Credentials::Source(source) => ClientConfig::with_token_source(source),
        };
        config = config.user_agent(concat!("highlevel-cli/", env!("CARGO_PKG_VERSION")));
        if let Some(base_url) = self.base_url_for(profile) {
            config = config.base_url(base_url);
        }
        if let Some(retries) = self.retries {
            config =
                config.retry_policy(RetryPolicy::default().max_attempts(retries.saturating_add(1)));
        }
        Ok(Clients {
            voice: voice_ai_client::Client::from_config(config.clone())?,
            conversation: conversation_ai_client::Client::from_config(config)?,
        })
    }
}

fn names(file: &ConfigFile) -> String {
    if file.profiles.is_empty() {
        return "none".to_owned();
    }
    file.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_error_never_repeats_the_value_it_could_not_use() {
        let error = serde_norway::from_str::<ConfigFile>(
            "profiles:\n  a:\n    oauth: \"pit-secret-value\"\n",
        )
        .map(drop)
        .expect_err("oauth is not a string");
        let message = without_quoted_values(&error.to_string());
        assert!(
            error.to_string().contains("pit-secret-value"),
            "serde quotes it: {error}"
        );
        assert!(!message.contains("pit-secret-value"), "{message}");
        assert!(message.contains("invalid type"), "{message}");
    }

    #[test]
    fn profiles_describe_their_kind_without_their_secret() {
        let file: ConfigFile = serde_norway::from_str(
            "profiles:\n  a:\n    token: pit-x\n  b:\n    tokenEnv: B_TOKEN\n  c:\n    oauth: {clientId: i, clientSecret: s, refreshToken: r, userType: company}\n",
        )
        .expect("a valid config");
        let kinds: Vec<&str> = file.profiles.values().map(Profile::kind).collect();
        assert_eq!(kinds, ["token", "token (env)", "oauth (agency)"]);
    }
}
