//! The JUnit XML report `--report FILE` writes at shutdown, so CI shows drift like failing
//! tests.
//!
//! Two suites. `spec violations`: one test case per operation that passed through the proxy
//! (`classname` the API, `name` the `operationId`), failing with one line per error violation.
//! `drift`: one test case per operation that showed undeclared fields or parameters, failing
//! with one line per drift. A request no operation matches is a case of class `unmatched`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::violations::{Violation, ViolationKind};

/// How many exchanges each operation (`(api, operationId)`) saw.
pub(crate) type Seen = BTreeMap<(String, String), u64>;

/// The report as XML text.
pub(crate) fn junit(seen: &Seen, violations: &[Violation], dropped: u64) -> String {
    let mut errors: BTreeMap<(String, String), Vec<&Violation>> = BTreeMap::new();
    let mut drift: BTreeMap<(String, String), Vec<&Violation>> = BTreeMap::new();
    for v in violations {
        let key = (
            v.api.clone().unwrap_or_else(|| "unmatched".to_owned()),
            v.operation
                .clone()
                .unwrap_or_else(|| "unmatched".to_owned()),
        );
        match v.kind {
            ViolationKind::Error => errors.entry(key).or_default().push(v),
            ViolationKind::Drift => drift.entry(key).or_default().push(v),
        }
    }
    let mut cases: BTreeMap<(String, String), u64> = seen.clone();
    for key in errors.keys() {
        cases.entry(key.clone()).or_insert(0);
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let failures = errors.len() + drift.len();
    let _ = writeln!(
        out,
        "<testsuites name=\"highlevel-mock proxy\" tests=\"{}\" failures=\"{failures}\">",
        cases.len() + drift.len()
    );
    suite(&mut out, "spec violations", &cases, &errors);
    let drift_cases: BTreeMap<(String, String), u64> = drift
        .keys()
        .map(|k| (k.clone(), seen.get(k).copied().unwrap_or(0)))
        .collect();
    suite(&mut out, "drift", &drift_cases, &drift);
    if dropped > 0 {
        let _ = writeln!(
            out,
            "  <!-- {dropped} distinct violations were over the list's budget and are not listed -->"
        );
    }
    out.push_str("</testsuites>\n");
    out
}

fn suite(
    out: &mut String,
    name: &str,
    cases: &BTreeMap<(String, String), u64>,
    failing: &BTreeMap<(String, String), Vec<&Violation>>,
) {
    let _ = writeln!(
        out,
        "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{}\">",
        cases.len(),
        failing.len()
    );
    for (key, exchanges) in cases {
        let (api, operation) = key;
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\"",
            escape(api),
            escape(operation)
        );
        match failing.get(key) {
            None => {
                let _ = writeln!(
                    out,
                    "><system-out>{exchanges} exchanges</system-out></testcase>"
                );
            }
            Some(list) => {
                let _ = writeln!(out, ">");
                let first = list.first().map(|v| line(v)).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "      <failure type=\"{name}\" message=\"{}\">{}</failure>",
                    escape(&format!("{} problem(s); first: {first}", list.len())),
                    escape(&list.iter().map(|v| line(v)).collect::<Vec<_>>().join("\n"))
                );
                let _ = writeln!(out, "    </testcase>");
            }
        }
    }
    let _ = writeln!(out, "  </testsuite>");
}

/// One violation in one line.
fn line(v: &Violation) -> String {
    let direction = match v.direction {
        super::violations::Direction::Request => "request",
        super::violations::Direction::Response => "response",
    };
    format!(
        "{direction} {} {}: expected {}, got {} (x{}; {})",
        v.part,
        if v.pointer.is_empty() {
            "(root)"
        } else {
            &v.pointer
        },
        v.expected,
        v.actual,
        v.count,
        v.request
    )
}

/// Text safe in XML attributes and content.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::violations::Direction;

    #[test]
    fn passing_operations_are_cases_and_each_violation_a_failure_line() {
        let mut seen = Seen::new();
        seen.insert(("voice-ai".into(), "listAgents".into()), 3);
        seen.insert(("voice-ai".into(), "getAgent".into()), 1);
        let wrong = Violation {
            api: Some("voice-ai".into()),
            operation: Some("getAgent".into()),
            direction: Direction::Response,
            kind: ViolationKind::Error,
            part: "body".into(),
            pointer: "/maxCallDuration".into(),
            expected: "must be an integer number".into(),
            actual: "\"<600>\"".into(),
            request: "GET /voice-ai/agents/a1".into(),
            count: 1,
        };
        let xml = junit(&seen, &[wrong], 0);
        assert!(
            xml.contains("<testsuite name=\"spec violations\" tests=\"2\" failures=\"1\">"),
            "{xml}"
        );
        assert!(
            xml.contains("<testsuite name=\"drift\" tests=\"0\" failures=\"0\">"),
            "{xml}"
        );
        assert!(
            xml.contains(
                "/maxCallDuration: expected must be an integer number, got &quot;&lt;600&gt;&quot;"
            ),
            "{xml}"
        );
        assert!(
            xml.contains("name=\"listAgents\"><system-out>3 exchanges</system-out>"),
            "{xml}"
        );
    }
}
