//! The baselines: what a user gets without this crate (an OpenAPI-style generator's owned
//! structs with `String` fields, decoded with the usual crate for each format).

use crate::Digest;
use dlspbx_core::reports::ReportRequest;
use dlspbx_core::{Endpoint, Node};
use serde::{Deserialize, Serialize};

/// A report as owned structs (JSON and YAML).
#[derive(Debug, Deserialize)]
pub struct OwnedReport {
    /// `success`.
    pub result: String,
    /// Empty on success.
    #[serde(default)]
    pub error: String,
    /// The number of matching calls: a JSON number, as in the reference's sample (YAML's
    /// writer quotes it).
    #[serde(default)]
    pub total_results: Option<Total>,
    /// The report's title.
    #[serde(default)]
    pub title: Option<String>,
    /// Column names.
    pub columns: Vec<String>,
    /// One list of cells per call.
    pub results: Vec<Vec<String>>,
}

/// `total_results` as a user's struct takes it: a number, or its text.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Total {
    /// A JSON number (`3`).
    Number(i64),
    /// The text (`"3"`).
    Text(String),
}

impl OwnedReport {
    /// Reads every cell.
    pub fn digest(&self) -> Digest {
        let mut d = Digest::default();
        for c in &self.columns {
            d.cell(c);
        }
        for row in &self.results {
            d.rows += 1;
            for c in row {
                d.cell(c);
            }
        }
        d
    }
}

/// `serde_json` into owned structs.
pub fn serde_json_report(body: &[u8]) -> Digest {
    let r: OwnedReport = serde_json::from_slice(body).expect("serde_json decodes the report");
    r.digest()
}

/// `serde_json::Value`, then every cell read from the tree.
pub fn json_value_report(body: &[u8]) -> Digest {
    let v: serde_json::Value = serde_json::from_slice(body).expect("serde_json decodes the report");
    let mut d = Digest::default();
    for c in v["columns"].as_array().expect("columns") {
        d.cell(c.as_str().unwrap_or(""));
    }
    for row in v["results"].as_array().expect("results") {
        d.rows += 1;
        for c in row.as_array().expect("a row") {
            d.cell(c.as_str().unwrap_or(""));
        }
    }
    d
}

/// The deprecated `serde_yaml` 0.9 into owned structs.
pub fn serde_yaml_report(body: &[u8]) -> Digest {
    let r: OwnedReport = serde_yaml::from_slice(body).expect("serde_yaml decodes the report");
    r.digest()
}

/// A list of `<value>` elements.
#[derive(Debug, Deserialize)]
pub struct XmlValues {
    /// The values.
    #[serde(default)]
    pub value: Vec<String>,
}

/// The rows: a list of `<value>` elements (the server's documentation shows `<array>`).
#[derive(Debug, Deserialize)]
pub struct XmlRows {
    /// The rows.
    #[serde(default, alias = "array")]
    pub value: Vec<XmlValues>,
}

/// A report as owned structs, shaped for `quick-xml`'s serde support.
#[derive(Debug, Deserialize)]
pub struct XmlReport {
    /// `success`.
    pub result: String,
    /// Empty on success.
    #[serde(default)]
    pub error: String,
    /// The number of matching calls.
    #[serde(default)]
    pub total_results: Option<String>,
    /// The report's title.
    #[serde(default)]
    pub title: Option<String>,
    /// Column names.
    pub columns: XmlValues,
    /// Rows.
    pub results: XmlRows,
}

/// `quick-xml`'s serde support into owned structs.
pub fn quick_xml_report(body: &[u8]) -> Digest {
    let text = std::str::from_utf8(body).expect("UTF-8");
    let r: XmlReport = quick_xml::de::from_str(text).expect("quick-xml decodes the report");
    let mut d = Digest::default();
    for c in &r.columns.value {
        d.cell(c);
    }
    for row in &r.results.value {
        d.rows += 1;
        for c in &row.value {
            d.cell(c);
        }
    }
    d
}

/// The `csv` crate, one `StringRecord` per row (its `records()` iterator).
pub fn csv_report(body: &[u8]) -> Digest {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(body);
    let mut d = Digest::default();
    for c in reader.headers().expect("a header") {
        d.cell(c);
    }
    for record in reader.records() {
        let record = record.expect("a record");
        d.rows += 1;
        for c in &record {
            d.cell(c);
        }
    }
    d
}

/// The `csv` crate at its fastest: one reused `StringRecord`.
pub fn csv_reused_record_report(body: &[u8]) -> Digest {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(body);
    let mut d = Digest::default();
    for c in reader.headers().expect("a header") {
        d.cell(c);
    }
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).expect("a record") {
        d.rows += 1;
        for c in &record {
            d.cell(c);
        }
    }
    d
}

/// `simd-csv`'s zero-copy reader, every cell unquoted and unescaped: the fastest CSV reader we
/// know of, as a reference point rather than a baseline (its cells are bytes, not checked to be
/// UTF-8, and it reads RFC 4180, not PHP's backslash escapes).
pub fn simd_csv_report(body: &[u8]) -> Digest {
    let mut reader = simd_csv::ZeroCopyReaderBuilder::new()
        .has_headers(false)
        .from_reader(body);
    let mut d = Digest::default();
    let mut header = true;
    while let Some(record) = reader.read_byte_record().expect("a record") {
        if !std::mem::take(&mut header) {
            d.rows += 1;
        }
        for c in record.unescaped_iter() {
            d.cells += 1;
            d.bytes += c.len();
        }
    }
    d
}

// ---------------------------------------------------------------------------------------------
// Status responses and SMS pages: owned structs for serde_json.
// ---------------------------------------------------------------------------------------------

/// `status.users`.
#[derive(Debug, Deserialize)]
pub struct OwnedUsers {
    /// The registrations.
    pub users: Vec<std::collections::HashMap<String, String>>,
}

/// An agent of a queue.
#[derive(Debug, Deserialize)]
pub struct OwnedAgent {
    /// Display name.
    pub name: String,
    /// Tenant.
    pub tenant: String,
    /// Status text.
    pub status: String,
    /// Calls taken.
    pub callcount: String,
    /// Paused flag.
    pub paused: String,
}

/// A queue.
#[derive(Debug, Deserialize)]
pub struct OwnedQueue {
    /// Queue name.
    pub queue: String,
    /// Callers waiting.
    pub waiting: String,
    /// The agents, keyed by auth ID (`[]` when there are none: the baseline needs a helper).
    #[serde(default, deserialize_with = "map_or_empty_list")]
    pub agents: std::collections::HashMap<String, OwnedAgent>,
    /// Waiting calls.
    #[serde(default)]
    pub calls_waiting: Vec<std::collections::HashMap<String, String>>,
}

fn map_or_empty_list<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<std::collections::HashMap<String, OwnedAgent>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Map(std::collections::HashMap<String, OwnedAgent>),
        #[allow(dead_code)]
        List(Vec<serde::de::IgnoredAny>),
    }
    Ok(match Either::deserialize(d)? {
        Either::Map(m) => m,
        Either::List(_) => Default::default(),
    })
}

/// `status.queues`.
#[derive(Debug, Deserialize)]
pub struct OwnedQueues {
    /// Queues by name.
    pub queues: std::collections::HashMap<String, OwnedQueue>,
}

/// `status.provisioning`.
#[derive(Debug, Deserialize)]
pub struct OwnedProvisioning {
    /// The devices.
    pub provisioning: Vec<std::collections::HashMap<String, String>>,
}

/// `sms.query_sms`.
#[derive(Debug, Deserialize)]
pub struct OwnedSmsPage {
    /// Total matching records.
    pub total_results: String,
    /// The page.
    pub results: Vec<std::collections::HashMap<String, String>>,
}

// ---------------------------------------------------------------------------------------------
// Status responses and SMS pages: owned structs for quick-xml's serde support (PHP's XML puts
// list items in `<array>` elements).
// ---------------------------------------------------------------------------------------------

/// A list of records as PHP writes it in XML: `<array>` items.
#[derive(Debug, Default, Deserialize)]
pub struct XmlRecords {
    /// The records.
    #[serde(rename = "array", default)]
    pub items: Vec<std::collections::HashMap<String, String>>,
}

/// `status.users` in XML.
#[derive(Debug, Deserialize)]
pub struct XmlUsers {
    /// The registrations.
    pub users: XmlRecords,
}

/// `status.provisioning` in XML.
#[derive(Debug, Deserialize)]
pub struct XmlProvisioning {
    /// The devices.
    pub provisioning: XmlRecords,
}

/// `sms.query_sms` in XML.
#[derive(Debug, Deserialize)]
pub struct XmlSmsPage {
    /// Total matching records.
    pub total_results: String,
    /// The page.
    #[serde(default)]
    pub results: XmlRecords,
}

/// A queue in XML (`<agents></agents>` when there are none).
#[derive(Debug, Deserialize)]
pub struct XmlQueue {
    /// Queue name.
    pub queue: String,
    /// Callers waiting.
    pub waiting: String,
    /// The agents, keyed by auth ID.
    #[serde(default)]
    pub agents: Option<std::collections::HashMap<String, OwnedAgent>>,
    /// Waiting calls.
    #[serde(default)]
    pub calls_waiting: XmlRecords,
}

/// `status.queues` in XML.
#[derive(Debug, Deserialize)]
pub struct XmlQueues {
    /// Queues by name.
    pub queues: std::collections::HashMap<String, XmlQueue>,
}

// ---------------------------------------------------------------------------------------------
// Form encoding: serde_qs on the same structure.
// ---------------------------------------------------------------------------------------------

/// A report request as a user's own serde struct.
#[derive(Debug, Serialize)]
pub struct QsRequest {
    /// `detail_table`.
    pub report_type: String,
    /// Column names.
    pub columns: Vec<String>,
    /// Filter groups.
    pub filter_groups: Vec<QsGroup>,
    /// `key=value` options.
    pub options: Vec<String>,
}

/// A filter group.
#[derive(Debug, Serialize)]
pub struct QsGroup {
    /// `include` / `exclude`.
    pub exclusivity: String,
    /// `and` / `or`.
    pub logical_operator: String,
    /// The rules.
    pub rules: Vec<QsRule>,
}

/// One value or several (the API takes a single `value` or a list).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum QsValue {
    /// `value=x`.
    One(String),
    /// `value[0]=x&value[1]=y`.
    Many(Vec<String>),
}

/// A filter rule.
#[derive(Debug, Serialize)]
pub struct QsRule {
    /// The filter type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The operator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// The value(s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<QsValue>,
    /// Range start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lower_value: Option<String>,
    /// Range end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upper_value: Option<String>,
}

/// The same request as [`QsRequest`], for the serde_qs baseline.
pub fn qs_request(req: &ReportRequest) -> QsRequest {
    QsRequest {
        report_type: req.report_type.as_str().to_owned(),
        columns: req.columns.iter().map(|c| c.as_str().to_owned()).collect(),
        filter_groups: req
            .filter_groups
            .iter()
            .map(|g| QsGroup {
                exclusivity: g.exclusivity.as_str().to_owned(),
                logical_operator: g.logical_operator.as_str().to_owned(),
                rules: g
                    .rules
                    .iter()
                    .map(|r| QsRule {
                        kind: r.kind.as_str().to_owned(),
                        operator: r.operator.map(|o| o.as_str().to_owned()),
                        value: match r.value.as_slice() {
                            [] => None,
                            [one] => Some(QsValue::One(one.clone())),
                            many => Some(QsValue::Many(many.to_vec())),
                        },
                        lower_value: r.lower_value.clone(),
                        upper_value: r.upper_value.clone(),
                    })
                    .collect(),
            })
            .collect(),
        options: req.options.iter().map(|o| o.to_string()).collect(),
    }
}

/// serde_qs's encoding of the request.
pub fn serde_qs_encode(req: &QsRequest) -> String {
    serde_qs::to_string(req).expect("serde_qs encodes the request")
}

/// The request's parameters as the clients send them.
pub fn params(req: &ReportRequest) -> Node<'_> {
    req.to_params()
}
