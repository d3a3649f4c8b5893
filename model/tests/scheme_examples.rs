//! The example traces of `spec/flow/*.json`: each conforms, or deviates at the line (and with
//! the rule) its entry names.

use hanko_model::scheme::conformance;
use hanko_model::trace::parse_trace;
use serde_json::Value;

#[test]
fn spec_example_traces_get_their_stated_verdict() {
    let root = xtask::repo_root();
    let spec = xtask::spec::Spec::load(&root.join("spec")).expect("spec loads");
    let mut checked = 0;
    for flow in xtask::flow::flows(&spec) {
        for t in flow.traces {
            let text: String = t.lines.iter().map(|l: &Value| format!("{l}\n")).collect();
            let lines = parse_trace(&text).unwrap_or_else(|e| panic!("{}: {e}", t.id));
            let verdict = conformance::check(flow.flow.scheme, &lines);
            match (&t.deviation, verdict) {
                (None, Ok(_)) => {}
                (Some(want), Err(d)) => {
                    assert_eq!(d.line, want.line, "{}: {d}", t.id);
                    if let Some(rule) = &want.rule {
                        assert_eq!(d.rule, Some(rule.as_str()), "{}: {d}", t.id);
                    }
                }
                (None, Err(d)) => panic!("{} should conform: {d}", t.id),
                (Some(want), Ok(_)) => panic!("{} should deviate at line {}", t.id, want.line),
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked} example traces");
}
