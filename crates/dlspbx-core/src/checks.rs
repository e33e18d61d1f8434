//! Cross-field checks named by `check = "..."` on a spec `[[type]]`.

use crate::error::InvalidRequest;
use crate::generated::reports::{FilterRule, ReportOption, ReportRequest};
use crate::generated::sms::SmsFilters;
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

/// The `page` and `page_offset` options exclude each other: the reference says `page_offset`
/// "should not be specified at the same time as 'page'".
pub fn report_paging(req: &ReportRequest) -> Result<(), InvalidRequest> {
    let page = req
        .options
        .iter()
        .any(|o| matches!(o, ReportOption::Page(_)));
    let offset = req.options.iter().find_map(|o| match o {
        ReportOption::PageOffset(n) => Some(*n),
        _ => None,
    });
    match offset {
        Some(n) if page => Err(InvalidRequest::new(
            "options[page_offset]",
            &n.to_string(),
            "report_paging",
            "cannot be combined with `options[page]`; give one of them",
        )
        .with_other("options[page]")),
        _ => Ok(()),
    }
}

/// A CDR ID range takes both ends, the end larger than the start: the reference says of
/// `start_cdr_id` "A larger end_cdr_id value must also be provided" and of `end_cdr_id` "A
/// smaller start_cdr_id value must also be provided".
pub fn cdr_range(f: &SmsFilters) -> Result<(), InvalidRequest> {
    match (f.start_cdr_id, f.end_cdr_id) {
        (None, None) => Ok(()),
        (Some(start), Some(end)) if start < end => Ok(()),
        (Some(start), Some(end)) => Err(InvalidRequest::new(
            "end_cdr_id",
            &end.to_string(),
            "cdr_range",
            format!("must be larger than `start_cdr_id` ({start})"),
        )
        .with_other("start_cdr_id")),
        (Some(start), None) => Err(InvalidRequest::new(
            "start_cdr_id",
            &start.to_string(),
            "cdr_range",
            "needs a larger `end_cdr_id` too",
        )
        .with_other("end_cdr_id")),
        (None, Some(end)) => Err(InvalidRequest::new(
            "end_cdr_id",
            &end.to_string(),
            "cdr_range",
            "needs a smaller `start_cdr_id` too",
        )
        .with_other("start_cdr_id")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::reports::Column;
    use crate::generated::sms::QuerySmsRequest;
    use crate::params::Validate;
    use crate::report::Page;

    fn report(options: Vec<ReportOption>) -> ReportRequest {
        let mut r = ReportRequest::new(vec![Column::Date]);
        r.options = options;
        r
    }

    #[test]
    fn page_and_page_offset_exclude_each_other() {
        let both = report(vec![
            ReportOption::Page(Page::Number(1)),
            ReportOption::PageOffset(30),
        ]);
        let e = both.validate().unwrap_err();
        assert_eq!(e.field, "options[page_offset]");
        assert_eq!(e.value, "30");
        assert_eq!(e.rule, "report_paging");
        assert_eq!(e.other.as_deref(), Some("options[page]"));
        assert!(e.reason.contains("`options[page]`"), "{e}");
        let all = report(vec![
            ReportOption::Page(Page::All),
            ReportOption::PageOffset(0),
        ]);
        assert_eq!(all.validate().unwrap_err().rule, "report_paging");
        for alone in [
            vec![ReportOption::Page(Page::Number(2))],
            vec![ReportOption::PageOffset(10)],
            vec![],
        ] {
            assert_eq!(report(alone).validate(), Ok(()));
        }
    }

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let mut f = SmsFilters::new();
        f.src = vec!["a b".into()];
        f.dst = vec!["ok".into(), "c;d".into()];
        f.start_cdr_id = Some(5);
        let mut r = QuerySmsRequest::new();
        r.filters = Some(f);
        let e = r.validate().unwrap_err();
        let fields: Vec<&str> = e.all().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["filters.src[0]", "filters.dst[1]", "filters.start_cdr_id"]
        );
        assert_eq!(e.field, "filters.src[0]", "the first is the error itself");
        assert_eq!(e.others().len(), 2);
        assert_eq!(
            e.others()[1].other.as_deref(),
            Some("filters.end_cdr_id"),
            "`within` reaches the others"
        );
        let text = e.to_string();
        assert_eq!(text.matches("invalid `").count(), 3, "{text}");
        let mut ok = SmsFilters::new();
        ok.src = vec!["100".into()];
        assert_eq!(ok.validate(), Ok(()));
    }

    fn sms(start: Option<i64>, end: Option<i64>) -> Result<(), InvalidRequest> {
        let mut f = SmsFilters::new();
        f.start_cdr_id = start;
        f.end_cdr_id = end;
        let mut r = QuerySmsRequest::new();
        r.filters = Some(f);
        r.validate()
    }

    #[test]
    fn a_cdr_range_takes_both_ends_in_order() {
        assert_eq!(sms(None, None), Ok(()));
        assert_eq!(sms(Some(5), Some(6)), Ok(()));
        let e = sms(Some(5), None).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.value.as_str(), e.rule),
            ("filters.start_cdr_id", "5", "cdr_range")
        );
        assert_eq!(e.other.as_deref(), Some("filters.end_cdr_id"));
        assert_eq!(e.reason, "needs a larger `filters.end_cdr_id` too");
        let e = sms(None, Some(9)).unwrap_err();
        assert_eq!(e.field, "filters.end_cdr_id");
        assert_eq!(e.other.as_deref(), Some("filters.start_cdr_id"));
        assert_eq!(e.reason, "needs a smaller `filters.start_cdr_id` too");
        for (start, end) in [(7, 7), (8, 3)] {
            let e = sms(Some(start), Some(end)).unwrap_err();
            assert_eq!(e.field, "filters.end_cdr_id");
            assert_eq!(
                e.reason,
                format!("must be larger than `filters.start_cdr_id` ({start})")
            );
        }
    }
}
