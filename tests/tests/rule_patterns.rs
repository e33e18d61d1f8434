//! The `pattern` of each rule in `spec/rules.toml` (what `docs/openapi.json` gives tools) is an
//! approximation of the rule in the core, so that tools generate values the server takes. It
//! must not drift from the rule: every example the rule's own doc gives (a backticked value
//! the rule accepts) matches the pattern.

use dlspbx_core::rules;

#[test]
fn every_rule_pattern_matches_the_rules_own_examples() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/rules.toml");
    let spec: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut checked = 0;
    for rule in spec["rule"].as_array().unwrap() {
        let name = rule["name"].as_str().unwrap();
        let Some(pattern) = rule.get("pattern").and_then(|p| p.as_str()) else {
            continue;
        };
        let re = regex::Regex::new(pattern)
            .unwrap_or_else(|e| panic!("rule {name}: pattern {pattern:?}: {e}"));
        let doc = rule["doc"].as_str().unwrap();
        // The doc's backticked values that the rule accepts: its examples.
        let examples: Vec<&str> = doc
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|v| rules::check(name, v) == Some(Ok(())))
            .collect();
        // A doc that quotes values quotes at least one the rule takes (`non_empty` quotes none).
        assert!(
            !examples.is_empty() || !doc.contains('`'),
            "rule {name}: no example in its doc"
        );
        for v in examples {
            assert!(
                re.is_match(v),
                "rule {name}: its example {v:?} does not match its pattern {pattern:?}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 12, "{checked} examples checked");
}
