//! Golden snapshots of every example of the vendor reference, in every format.
//!
//! `tests/fixtures/<module>.<action>/` holds the reference's examples (and the formats the
//! reference leaves out, written by PHP's own encoders; see `tests/fixtures/NOTES.md`).
//! For every response file we snapshot the decoded value as canonical JSON, check that every
//! format of the same example decodes to the same value, and snapshot what our writer emits
//! for it; for every request file we check that form, JSON and XML bodies parse into the same
//! typed request, and snapshot our own form encoding of it. The reference's own malformed
//! samples (`filters[]` as a JSON key and as an XML element name) are kept as `request.raw.*`
//! and must be understood too.

use dlspbx_core::generated::{ActionVisitor, visit_action};
use dlspbx_core::request::{body, form};
use dlspbx_core::{Endpoint, Error, Format};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// `(module, action, dir)` for every fixture directory.
fn example_dirs() -> Vec<(String, String, PathBuf)> {
    let mut out: Vec<_> = std::fs::read_dir(fixtures())
        .expect("tests/fixtures exists")
        .flatten()
        .filter(|e| e.path().is_dir())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let (m, a) = name.split_once('.')?;
            Some((m.to_owned(), a.to_owned(), e.path()))
        })
        .collect();
    out.sort();
    out
}

fn files(dir: &Path, prefix: &str) -> Vec<(String, PathBuf)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .filter(|(n, _)| n.starts_with(prefix))
        .collect();
    out.sort();
    out
}

/// `response.crlf.csv` -> (`crlf`, Csv); `response.json` -> (``, Json).
fn variant_and_format(file: &str) -> Option<(String, Format)> {
    let parts: Vec<&str> = file.split('.').collect();
    let format: Format = parts.last()?.parse().ok()?;
    let variant = parts[1..parts.len() - 1].join(".");
    Some((variant, format))
}

/// What CSV carries of a response: everything for key-path actions; only the rows (and the
/// report's column names) for table actions (see spec/README.md, "CSV").
fn csv_view<A: Endpoint>(value: &Value) -> Value {
    match A::INFO.csv {
        dlspbx_core::wire::CsvLayout::Keys => value.clone(),
        dlspbx_core::wire::CsvLayout::Table { rows, row } => {
            let mut out = serde_json::Map::new();
            out.insert(rows.to_owned(), value[rows].clone());
            if row == dlspbx_core::wire::RowKind::List {
                out.insert("columns".to_owned(), value["columns"].clone());
            }
            Value::Object(out)
        }
    }
}

/// Variants that carry exactly the main example's data.
/// `notice`, `deprecated` and `bomblank` are the main example after what a PHP server prints
/// before a body (issue 16): a diagnostic in the HTML and the text form, a byte order mark
/// and blank lines.
const SAME_AS_MAIN: &[&str] = &[
    "",
    "bom",
    "crlf",
    "numbers",
    "extra",
    "noroot",
    "notice",
    "deprecated",
    "bomblank",
];

struct DecodeAll<'p> {
    dir: &'p Path,
    name: &'p str,
}

impl ActionVisitor for DecodeAll<'_> {
    type Output = ();
    fn visit<A: Endpoint>(self) -> Self::Output {
        let mut decoded: BTreeMap<String, Value> = BTreeMap::new();
        for (file, path) in files(self.dir, "response.") {
            let Some((_, format)) = variant_and_format(&file) else {
                continue;
            };
            let bytes = std::fs::read(&path).unwrap();
            let value = match A::decode(format, &bytes) {
                Ok(r) => A::to_json(&r)
                    .unwrap_or_else(|e| panic!("{}/{file}: canonical JSON: {e}", self.name)),
                // Plain text carries only `0`: a data action says which formats carry its data.
                Err(Error::Decode(e))
                    if format == Format::Plain
                        && A::INFO.plain == dlspbx_core::PlainKind::Status =>
                {
                    assert!(
                        e.message.contains("0 (success)")
                            && e.message.contains("ask for json, xml, yaml or csv"),
                        "{}/{file}: {e}",
                        self.name
                    );
                    assert_eq!(bytes.trim_ascii(), b"0", "{}/{file}", self.name);
                    serde_json::json!({ "plain_status_only": e.message })
                }
                Err(e) => panic!("{}/{file}: {e}", self.name),
            };
            insta::assert_json_snapshot!(format!("response__{}__{file}", self.name), value);
            decoded.insert(file, value);
        }
        let main = decoded
            .get("response.json")
            .unwrap_or_else(|| panic!("{}: no response.json", self.name))
            .clone();
        for (file, value) in &decoded {
            let (variant, format) = variant_and_format(file).unwrap();
            let expected = if format == Format::Plain {
                // Plain carries only the ID (or a bare status).
                match A::INFO.plain {
                    dlspbx_core::PlainKind::Id => serde_json::json!({ "id": main["id"] }),
                    dlspbx_core::PlainKind::Status => continue,
                }
            } else if SAME_AS_MAIN.contains(&variant.as_str()) {
                main.clone()
            } else if let Some(v) = decoded.get(&format!("response.{variant}.json")) {
                v.clone()
            } else {
                continue;
            };
            let (value, expected) = if format == Format::Csv {
                (csv_view::<A>(value), csv_view::<A>(&expected))
            } else {
                (value.clone(), expected)
            };
            assert_eq!(
                value, expected,
                "{}/{file} decodes to different data than its JSON twin",
                self.name
            );
        }
        // Our writer: every format of the main example, snapshotted and decoded back.
        let json = std::fs::read(self.dir.join("response.json")).unwrap();
        let response = A::decode(Format::Json, &json).unwrap();
        for format in Format::ALL {
            let written = A::encode(format, &response)
                .unwrap_or_else(|e| panic!("{}: encode {format}: {e}", self.name));
            let text = String::from_utf8(written.clone()).expect("writers emit UTF-8");
            insta::assert_snapshot!(format!("written__{}__{}", self.name, format.as_str()), text);
            if format == Format::Plain {
                assert!(
                    text.trim().parse::<i64>().is_ok_and(|n| n >= 0),
                    "{}: plain must be an ID or 0: {text}",
                    self.name
                );
                continue;
            }
            let back = A::decode(format, &written)
                .unwrap_or_else(|e| panic!("{}: decode our {format}: {e}\n{text}", self.name));
            let back = A::to_json(&back)
                .unwrap_or_else(|e| panic!("{}: canonical JSON of our {format}: {e}", self.name));
            let (got, want) = if format == Format::Csv {
                (csv_view::<A>(&back), csv_view::<A>(&main))
            } else {
                (back, main.clone())
            };
            assert_eq!(
                got, want,
                "{}: {format} written by us does not decode to the same data",
                self.name
            );
        }
    }
}

#[test]
fn every_response_example_decodes_identically_in_every_format() {
    let dirs = example_dirs();
    assert_eq!(
        dirs.len(),
        19,
        "one fixture directory per documented action"
    );
    for (module, action, dir) in &dirs {
        let name = format!("{module}.{action}");
        visit_action(module, action, DecodeAll { dir, name: &name })
            .unwrap_or_else(|| panic!("unknown action {name}"));
    }
}

#[test]
fn the_error_shape_is_a_server_error_in_every_format() {
    let dir = fixtures().join("example.test");
    let errors = files(&dir, "error.");
    assert_eq!(errors.len(), 5);
    for (file, path) in errors {
        let (_, format) = variant_and_format(&file).unwrap();
        let bytes = std::fs::read(path).unwrap();
        match dlspbx_core::example::TestRequest::decode(format, &bytes) {
            Err(Error::Server { message }) => {
                let expected = if format == Format::Plain {
                    ""
                } else {
                    "Error details here"
                };
                assert_eq!(message, expected, "{file}");
            }
            other => panic!("{file}: expected a server error, got {other:?}"),
        }
    }
}

struct ParseRequests<'p> {
    dir: &'p Path,
    name: &'p str,
}

impl ActionVisitor for ParseRequests<'_> {
    type Output = usize;
    fn visit<A: Endpoint>(self) -> usize {
        let mut by_variant: BTreeMap<String, Vec<(String, A)>> = BTreeMap::new();
        let mut count = 0;
        for (file, path) in files(self.dir, "request.") {
            let parts: Vec<&str> = file.split('.').collect();
            let ext = *parts.last().unwrap();
            let variant = parts[1..parts.len() - 1].join(".");
            let bytes = std::fs::read(&path).unwrap();
            let params = match ext {
                "form" => form::parse(&bytes),
                "json" => body::parse_json(&bytes),
                "xml" => body::parse_xml(&bytes),
                _ => continue,
            }
            .unwrap_or_else(|e| panic!("{}/{file}: {e}", self.name));
            let request =
                A::from_params(&params).unwrap_or_else(|e| panic!("{}/{file}: {e}", self.name));
            let encoded = form::encode(&request.to_params(), &form::FormLimits::default()).unwrap();
            insta::assert_snapshot!(format!("request__{}__{file}", self.name), encoded);
            count += 1;
            by_variant.entry(variant).or_default().push((file, request));
        }
        for (variant, requests) in by_variant {
            if variant == "raw" {
                // The reference's own samples: its JSON and XML carry different data.
                continue;
            }
            let (first_file, first) = &requests[0];
            for (file, r) in &requests[1..] {
                assert_eq!(
                    r, first,
                    "{}: {file} and {first_file} (variant `{variant}`) parse differently",
                    self.name
                );
            }
        }
        count
    }
}

#[test]
fn request_examples_parse_into_the_same_request_in_every_encoding() {
    let mut total = 0;
    for (module, action, dir) in example_dirs() {
        let name = format!("{module}.{action}");
        total += visit_action(
            &module,
            &action,
            ParseRequests {
                dir: &dir,
                name: &name,
            },
        )
        .unwrap();
    }
    assert!(
        total >= 40,
        "expected the reference's request examples, found {total}"
    );
}

/// Issue 16: what a PHP server prints instead of a body. `php.fatal.*` (HTML form) and
/// `php.fatal-text.*` are a fatal error, `php.bad-gateway.*` a proxy's 502 page, in every
/// format's file; and the diagnostics before `response.notice.*` and `response.deprecated.*`
/// are read as warnings.
#[test]
fn php_fatal_errors_and_html_pages_are_typed_errors_in_every_format() {
    use dlspbx_core::dialer::AddContactListRequest;
    use dlspbx_core::wire::preamble::{PhpLevel, split};
    let dir = fixtures().join("dialer.add_contact_list");
    let mut seen = BTreeMap::<String, usize>::new();
    for (file, path) in files(&dir, "php.") {
        let (kind, format) = variant_and_format(&file).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let e = AddContactListRequest::decode(format, &bytes).unwrap_err();
        match (kind.as_str(), &e) {
            ("fatal" | "fatal-text", Error::PhpFatal(d)) => {
                assert_eq!(d.level, PhpLevel::FatalError, "{file}");
                assert_eq!(
                    d.message,
                    "Uncaught PDOException: SQLSTATE[HY000] [2002] Connection refused in \
                     /var/www/api/v1/dialer.php:12 Stack trace: #0 {main} thrown in \
                     /var/www/api/v1/dialer.php on line 12",
                    "{file}"
                );
            }
            ("bad-gateway", Error::HtmlPage { format: f, title }) => {
                assert_eq!((f, title.as_deref()), (&format, Some("502 Bad Gateway")));
            }
            _ => panic!("{file}: {e:?}"),
        }
        insta::assert_snapshot!(format!("php__{file}"), e.to_string());
        *seen.entry(kind).or_default() += 1;
    }
    assert_eq!(
        seen,
        BTreeMap::from([
            ("bad-gateway".to_owned(), 5),
            ("fatal".to_owned(), 5),
            ("fatal-text".to_owned(), 5)
        ])
    );
    for (file, path) in files(&dir, "response.") {
        let (variant, format) = variant_and_format(&file).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let levels: Vec<PhpLevel> = split(format, &bytes)
            .unwrap()
            .diagnostics
            .iter()
            .map(|d| d.level)
            .collect();
        let expected: &[PhpLevel] = match variant.as_str() {
            "notice" => &[PhpLevel::Notice],
            "deprecated" => &[PhpLevel::Deprecated],
            _ => &[],
        };
        assert_eq!(levels, expected, "{file}");
    }
}
