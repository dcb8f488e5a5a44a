//! Fails when an operation of `openapi/*.yaml` has no contract test, or when a test claims an
//! operation the specs do not declare. The covered set is read from the registries the tests
//! themselves run ([`crate::operations::CASES`]), so deleting a test uncovers its operation.

use std::collections::BTreeSet;

use contract_tests::spec::{Api, openapi_dir, spec};

use crate::operations::CASES;

#[test]
fn every_spec_operation_has_a_contract_test() {
    let declared: BTreeSet<(Api, String)> = Api::ALL
        .iter()
        .flat_map(|api| spec(*api).operations.values().map(|op| op.key()))
        .collect();
    let covered: BTreeSet<(Api, String)> = CASES
        .iter()
        .map(|c| (c.api, c.operation_id.to_owned()))
        .collect();
    let missing: Vec<_> = declared.difference(&covered).collect();
    let unknown: Vec<_> = covered.difference(&declared).collect();
    assert!(
        missing.is_empty(),
        "operations without a contract test: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "tests for operations the specs do not declare: {unknown:?}"
    );
    assert_eq!(
        CASES.len(),
        covered.len(),
        "an operation is registered twice"
    );
}

#[test]
fn every_spec_file_in_openapi_is_one_of_the_checked_apis() {
    let known: BTreeSet<&str> = Api::ALL.iter().map(|a| a.file_name()).collect();
    let entries = std::fs::read_dir(openapi_dir()).expect("openapi/ is readable");
    for entry in entries {
        let name = entry
            .expect("a directory entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json") {
            assert!(
                known.contains(name.as_str()),
                "openapi/{name} has no contract tests"
            );
        }
    }
}
