//! Named profiles: a token profile, and an OAuth profile whose tokens come from the clients'
//! refreshing token source, with the rotated refresh token written back to the config file.

use serde_json::json;

use crate::support::{LOCATION, Mock};

#[test]
fn an_oauth_profile_exchanges_its_code_and_keeps_the_rotated_refresh_token() {
    let mock = Mock::start();
    let app = mock.admin("GET", "/__mock/oauth/apps", None)["apps"][0].clone();
    let code = mock.admin(
        "POST",
        "/__mock/oauth/codes",
        Some(&json!({"locationId": LOCATION})),
    )["code"]
        .as_str()
        .expect("a code")
        .to_owned();
    let secret = app["clientSecret"].as_str().expect("a secret").to_owned();
    let config = mock.dir.join("config.yaml");
    std::fs::write(
        &config,
        format!(
            "defaultProfile: app\nprofiles:\n  app:\n    locationId: {LOCATION}\n    oauth:\n      clientId: {}\n      clientSecret: {secret}\n      authorizationCode: {code}\n",
            app["clientId"].as_str().expect("a client id")
        ),
    )
    .expect("the config is written");
    let config_path = config.to_str().expect("a UTF-8 path");
    // No HIGHLEVEL_TOKEN: the default profile is used.
    let env = [("HIGHLEVEL_CONFIG", config_path), ("HIGHLEVEL_TOKEN", "")];

    let first = mock.run_with(&["--verbose", "voice-ai", "agents", "list"], &env, None);
    assert_eq!(first.json()["total"], 3);
    let saved = std::fs::read_to_string(&config).expect("the config");
    assert!(
        !saved.contains("authorizationCode"),
        "the used code is gone:\n{saved}"
    );
    let refresh = saved
        .lines()
        .find_map(|line| line.trim().strip_prefix("refreshToken: "))
        .expect("the refresh token was saved")
        .to_owned();

    // The next run renews with the saved refresh token, which HighLevel rotates.
    let second = mock.run_with(&["conversation-ai", "agents", "search"], &env, None);
    assert_eq!(second.json()["agents"].as_array().map(Vec::len), Some(2));
    let rotated = std::fs::read_to_string(&config).expect("the config");
    assert!(
        !rotated.contains(&refresh),
        "the rotated token replaced the used one"
    );

    let listed = mock.run_with(&["profiles", "list"], &env, None);
    let profiles = listed.json();
    assert_eq!(profiles[0]["name"], "app");
    assert_eq!(profiles[0]["kind"], "oauth");
    assert_eq!(profiles[0]["default"], true);
    for run in [&first, &second, &listed] {
        for secret in [secret.as_str(), refresh.as_str(), code.as_str()] {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "a secret was printed"
            );
        }
    }
}

#[test]
fn an_unknown_profile_is_an_auth_error_naming_the_known_ones() {
    let mock = Mock::start_with(&["--empty"]);
    let config = mock.add_second_location();
    let run = mock.run_with(
        &["--profile", "third", "voice-ai", "agents", "list"],
        &[("HIGHLEVEL_CONFIG", config.to_str().expect("a UTF-8 path"))],
        None,
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("\"third\"") && run.stderr.contains("second"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_agency_oauth_profile_mints_a_token_for_the_location_it_is_given() {
    let mock = Mock::start();
    let app = mock.admin("GET", "/__mock/oauth/apps", None)["apps"][0].clone();
    let company = "cliTestCompany000001";
    let code = mock.admin(
        "POST",
        "/__mock/oauth/codes",
        Some(
            &json!({"userType": "Company", "companyId": company, "approvedLocations": [LOCATION]}),
        ),
    )["code"]
        .as_str()
        .expect("a code")
        .to_owned();
    let config = mock.dir.join("config.yaml");
    std::fs::write(
        &config,
        format!(
            "profiles:\n  agency:\n    oauth:\n      clientId: {}\n      clientSecret: {}\n      authorizationCode: {code}\n      userType: company\n      companyId: {company}\n",
            app["clientId"].as_str().expect("a client id"),
            app["clientSecret"].as_str().expect("a secret"),
        ),
    )
    .expect("the config is written");
    let env = [
        ("HIGHLEVEL_CONFIG", config.to_str().expect("a UTF-8 path")),
        ("HIGHLEVEL_TOKEN", ""),
    ];
    let agents = mock.run_with(
        &["--profile", "agency", "conversation-ai", "agents", "search"],
        &env,
        None,
    );
    assert_eq!(agents.json()["agents"].as_array().map(Vec::len), Some(2));
    let minted = mock
        .requests()
        .iter()
        .filter(|(method, path, _)| method == "POST" && path == "/oauth/locationToken")
        .count();
    assert_eq!(minted, 1, "{:?}", mock.requests());
    let saved = std::fs::read_to_string(&config).expect("the config");
    assert!(
        saved.contains("refreshToken:") && !saved.contains("authorizationCode"),
        "{saved}"
    );
}
