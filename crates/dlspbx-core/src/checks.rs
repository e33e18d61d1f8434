//! Cross-field checks named by `check = "..."` on a spec `[[type]]`.

use crate::error::InvalidRequest;
use crate::generated::reports::FilterRule;
use crate::report::FilterKind;

/// A filter rule's operator and values must fit its filter type: flags take neither, `between`
/// and `!between` take `lower_value` and `upper_value`, other operators take `value`.
pub fn filter_rule(rule: &FilterRule) -> Result<(), InvalidRequest> {
    let kind = rule.kind.kind();
    let has_value = !rule.value.is_empty();
    let has_range = rule.lower_value.is_some() || rule.upper_value.is_some();
    match (kind, rule.operator) {
        (FilterKind::Flag, Some(op)) => Err(InvalidRequest::new(
            "operator",
            op.as_str(),
            "filter_rule",
            format!("filter `{}` is a flag and takes no operator", rule.kind),
        )),
        (FilterKind::Flag, None) if has_value || has_range => Err(InvalidRequest::new(
            "value",
            rule.value.first().map(String::as_str).unwrap_or(""),
            "filter_rule",
            format!("filter `{}` is a flag and takes no value", rule.kind),
        )),
        (FilterKind::Flag, None) => Ok(()),
        (_, Some(op)) if op.arity() == 2 => {
            if rule.lower_value.is_none() || rule.upper_value.is_none() {
                return Err(InvalidRequest::new(
                    "lower_value",
                    "",
                    "filter_rule",
                    format!("operator `{op}` needs both lower_value and upper_value"),
                ));
            }
            if let (FilterKind::Numeric, Some(lo), Some(hi)) =
                (kind, &rule.lower_value, &rule.upper_value)
            {
                for (name, v) in [("lower_value", lo), ("upper_value", hi)] {
                    if v.trim().parse::<f64>().is_err() {
                        return Err(InvalidRequest::new(
                            name,
                            v,
                            "filter_rule",
                            format!("filter `{}` compares numbers", rule.kind),
                        ));
                    }
                }
            }
            Ok(())
        }
        (kind, op) => {
            if !has_value {
                return Err(InvalidRequest::new(
                    "value",
                    "",
                    "filter_rule",
                    format!("filter `{}` needs a value", rule.kind),
                ));
            }
            if kind == FilterKind::Numeric {
                for v in &rule.value {
                    if v.trim().parse::<f64>().is_err() {
                        return Err(InvalidRequest::new(
                            "value",
                            v,
                            "filter_rule",
                            format!("filter `{}` compares numbers", rule.kind),
                        ));
                    }
                }
            } else if let Some(bad) = rule.value.iter().find(|v| {
                let allowed = rule.kind.allowed_values();
                !allowed.is_empty() && !allowed.contains(&v.trim())
            }) {
                return Err(InvalidRequest::new(
                    "value",
                    bad,
                    "filter_rule",
                    format!(
                        "is not a value of filter `{}`; it takes {}",
                        rule.kind,
                        rule.kind.allowed_values().join(", ")
                    ),
                ));
            } else if op.is_some_and(|o| o.as_str() != "=" && o.as_str() != "!=") {
                return Err(InvalidRequest::new(
                    "operator",
                    op.map(|o| o.as_str()).unwrap_or(""),
                    "filter_rule",
                    format!(
                        "filter `{}` takes a list of values; only = and != apply",
                        rule.kind
                    ),
                ));
            }
            Ok(())
        }
    }
}
