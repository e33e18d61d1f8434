//! What each fuzz target runs, shared with the replay test (`tests/tests/fuzz_corpus.rs`,
//! which includes this file with `#[path]`). Every function takes arbitrary bytes and must
//! return normally: a panic, an abort, a hang or unbounded memory is a bug. The assertions are
//! the round-trip promises the code documents.

use dlspbx_core::params::Validate;
use dlspbx_core::reports::{FilterGroup, ReportRequest};
use dlspbx_core::request::body::{encode_json, parse_json, parse_xml, try_encode_xml};
use dlspbx_core::request::form::{self, FormLimits};
use dlspbx_core::{
    Endpoint, Format, IntoOwned, Node, dialer, http, report, sms, status, subscribers,
};
use std::fmt::Display;

/// Every response decoder for `format`: a few representative actions through
/// `Endpoint::decode` (and then `to_json`, `Debug`, the server-style encoder and `into_owned`),
/// the report decoder with every row and every cell typed, and the error path of a non-2xx
/// status.
pub fn decode(format: Format, data: &[u8]) {
    action::<status::QueuesRequest>(format, data);
    action::<status::UsersRequest>(format, data);
    action::<sms::QuerySmsRequest>(format, data);
    action::<dialer::AddContactRequest>(format, data);
    action::<subscribers::QueryListsRequest>(format, data);
    report_rows(format, data);
    let _ = http::decode::<status::QueuesRequest>(format, 500, data);
    let _ = http::decode::<ReportRequest>(format, 404, data);
    // What comes before a streamed body, decided on a prefix as the export decoder does.
    for n in [data.len() / 2, data.len()] {
        let _ = dlspbx_core::wire::preamble::scan(format, &data[..n], false);
    }
}

fn action<A: Endpoint>(format: Format, data: &[u8]) {
    let Ok(response) = A::decode(format, data) else {
        return;
    };
    let _ = A::to_json(&response);
    let _ = format!("{response:?}");
    for out in [
        Format::Json,
        Format::Xml,
        Format::Yaml,
        Format::Csv,
        Format::Plain,
    ] {
        if let Ok(bytes) = A::encode(out, &response) {
            let _ = A::decode(out, &bytes);
        }
    }
    let _ = A::into_owned(response);
}

fn report_rows(format: Format, data: &[u8]) {
    let Ok(table) = report::decode(format, data) else {
        return;
    };
    walk_rows(&table);
    if format == Format::Csv {
        // A CSV report has no `total_results`: it is unknown, never the page's row count.
        assert_eq!(table.total_results(), None, "a CSV total is unknown");
    }
    let _ = report::to_json(&table);
    for out in [Format::Json, Format::Xml, Format::Yaml, Format::Csv] {
        if let Ok(bytes) = report::encode(out, &table)
            && let Ok(back) = report::decode(out, &bytes)
        {
            walk_rows(&back);
        }
    }
    let owned = table.into_owned();
    walk_rows(&owned);
}

fn walk_rows(table: &report::ReportTable<'_>) {
    let types: Vec<report::CellType> = table
        .typed_columns()
        .into_iter()
        .map(|c| c.map_or(report::CellType::Text, |c| c.cell()))
        .collect();
    for row in table.rows() {
        let Ok(row) = row else { break };
        for i in 0..row.cells.len() {
            let cell = types.get(i).copied().unwrap_or(report::CellType::Text);
            let _ = row.typed(i, cell);
            // Every cell type on every cell: the cell parsers never panic.
            for t in [
                report::CellType::Int,
                report::CellType::Duration,
                report::CellType::YesNo,
                report::CellType::Datetime,
                report::CellType::List,
            ] {
                let _ = row.typed(i, t);
            }
        }
    }
}

/// The simulator's reader: the form body as PHP fills `$_POST` (default and tiny limits), then
/// `from_params` and `validate` of actions with every kind of field.
pub fn form_parse(data: &[u8]) {
    let tiny = FormLimits {
        max_input_vars: 4,
        max_nesting: 2,
    };
    let _ = form::parse_with_limits(data, &tiny);
    let Ok(params) = form::parse(data) else {
        return;
    };
    from_params(&params);
}

/// `from_params` then `validate` (the simulator's order) for actions covering every field
/// type: strings with rules, lists, records, enums, options and custom fields.
pub fn from_params(params: &Node<'_>) {
    fn one<A: Endpoint>(params: &Node<'_>) {
        if let Ok(request) = A::from_params(params) {
            let _ = request.validate();
            let _ = request.to_params();
        }
    }
    one::<dialer::AddContactRequest>(params);
    one::<dialer::AddContactListRequest>(params);
    one::<ReportRequest>(params);
    one::<sms::SendSmsRequest>(params);
    one::<sms::QuerySmsRequest>(params);
    one::<subscribers::AddSubscriberRequest>(params);
    one::<subscribers::AddUnsubscriberRequest>(params);
}

/// The form encoder's promise: a tree it accepts is read back by PHP (our `parse`) unchanged.
/// Trees come from the form parser itself (so keys hold every byte PHP lets through) and from
/// the JSON body parser (any shape).
pub fn form_roundtrip(data: &[u8]) {
    let limits = FormLimits::default();
    let Ok(parsed) = form::parse(data) else {
        return;
    };
    assert_unique_keys(&parsed);
    // A typed request read from the form is written the same straight from the request as
    // from its parameter tree.
    if let Ok(req) = ReportRequest::from_params(&parsed) {
        same_form(&req, &limits);
    }
    if let Ok(req) = dialer::AddContactRequest::from_params(&parsed) {
        same_form(&req, &limits);
    }
    if let Ok(body) = form::encode(&parsed, &limits) {
        let back =
            form::parse(body.as_bytes()).expect("a body the encoder wrote is UTF-8, so it parses");
        assert_eq!(back, parsed, "form body {body:?} reads back differently");
    }
    if let Ok(tree) = parse_json(data)
        && let Ok(body) = form::encode(&tree, &limits)
    {
        let read =
            form::parse(body.as_bytes()).expect("a body the encoder wrote is UTF-8, so it parses");
        // What PHP read is a fixed point: encoding it again gives the same tree.
        let again = form::encode(&read, &limits).unwrap_or_else(|e| {
            panic!("{body:?} was encoded, but what PHP reads of it is refused: {e}")
        });
        let back =
            form::parse(again.as_bytes()).expect("a body the encoder wrote is UTF-8, so it parses");
        assert_eq!(back, read, "form body {again:?} reads back differently");
    }
}

fn same_form<A: Endpoint>(req: &A, limits: &FormLimits) {
    let direct = form::encode_record(req, limits).map_err(|e| e.to_string());
    let tree = form::encode(&req.to_params(), limits).map_err(|e| e.to_string());
    assert_eq!(direct, tree, "encode_record and encode(to_params) differ");
}

/// PHP's arrays have unique keys, so a parsed form never has two equal keys in one map (a
/// body with invalid UTF-8 is refused, so every key is text).
fn assert_unique_keys(node: &Node<'_>) {
    match node {
        Node::Map(entries) => {
            let mut seen = std::collections::HashSet::new();
            for (k, v) in entries {
                assert!(
                    seen.insert(k.as_ref()),
                    "form::parse gave the key {k:?} twice in {node:?}"
                );
                assert_unique_keys(v);
            }
        }
        Node::Seq(items) => items.iter().for_each(assert_unique_keys),
        _ => {}
    }
}

/// The JSON request body reader, the writer's round trip (`parse_json(encode_json(t)) == t`),
/// and the same tree through the XML writer and reader and the simulator's `from_params`.
pub fn request_json(data: &[u8]) {
    let Ok(tree) = parse_json(data) else {
        return;
    };
    let written = encode_json(&tree);
    let back = parse_json(&written).unwrap_or_else(|e| {
        panic!(
            "encode_json wrote what parse_json refuses ({e}): {}",
            String::from_utf8_lossy(&written)
        )
    });
    assert_eq!(back, tree, "JSON round trip");
    if let Ok(xml) = try_encode_xml(&tree) {
        let _ = parse_xml(&xml);
    }
    from_params(&tree);
}

/// The XML request body reader (DOCTYPE refused, entities never expanded), and the writer's
/// output read back.
pub fn request_xml(data: &[u8]) {
    let Ok(tree) = parse_xml(data) else {
        return;
    };
    if let Ok(xml) = try_encode_xml(&tree) {
        parse_xml(&xml).unwrap_or_else(|e| {
            panic!(
                "try_encode_xml wrote what parse_xml refuses ({e}): {}",
                String::from_utf8_lossy(&xml)
            )
        });
    }
    let _ = encode_json(&tree);
    from_params(&tree);
}

/// The CLI filter language: `parse`, the error's `Display` (a caret under the offending
/// character), and `parse(format(g)) == g` for every group it accepts. `parse` and `format`
/// are passed in so that the fuzz build (the source file compiled into this crate) and the
/// replay test (`dlspbx_cli::filter_lang`) run the same check.
pub fn filter_lang<E: Display>(
    data: &[u8],
    parse: fn(&str) -> Result<FilterGroup, E>,
    format: fn(&FilterGroup) -> String,
) {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match parse(input) {
        Err(e) => {
            let _ = e.to_string();
        }
        Ok(group) => {
            let _ = group.validate();
            let text = format(&group);
            match parse(&text) {
                Ok(back) => assert_eq!(back, group, "format wrote {text:?}"),
                Err(e) => panic!("format wrote {text:?}, which parse refuses: {e}"),
            }
        }
    }
}
