//! Typed report rows (issue 17, section 1): the generated `Cdr` record of the documented
//! report example and of a formatted report (`formatted_dates`, `formatted_durations`,
//! `formatted_tns`, `formatted_columns_names`, all 51 columns), in every format that has
//! rows, snapshotted and compared across formats; and the same rows through the streaming
//! export decoder.

use dlspbx::export::{ExportDecoder, ExportRow};
use dlspbx_core::Format;
use dlspbx_core::report::{self, CellType, ColumnIndex};
use dlspbx_core::reports::{Cdr, Column};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reports.report")
}

const FORMATS: [Format; 4] = [Format::Json, Format::Xml, Format::Yaml, Format::Csv];

fn file(variant: &str, format: Format) -> String {
    match variant {
        "" => format!("response.{}", format.as_str()),
        v => format!("response.{v}.{}", format.as_str()),
    }
}

/// The `Cdr` rows of one fixture, as their `Debug` text (a `Cdr` borrows its body).
fn cdrs(variant: &str, format: Format) -> Vec<String> {
    let name = file(variant, format);
    let body = std::fs::read(dir().join(&name)).unwrap();
    let table = report::decode(format, &body).unwrap_or_else(|e| panic!("{name}: {e}"));
    let rows: Vec<Cdr<'_>> = table
        .rows_as()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    insta::assert_debug_snapshot!(format!("cdr__{name}"), rows);
    rows.iter().map(|c| format!("{c:?}")).collect()
}

#[test]
fn the_documented_example_reads_into_typed_cdrs_in_every_format() {
    let json = cdrs("", Format::Json);
    assert_eq!(json.len(), 3);
    for format in FORMATS {
        assert_eq!(cdrs("", format), json, "{format} and JSON type differently");
    }
}

#[test]
fn a_formatted_report_reads_every_column_type_in_every_format() {
    let json = cdrs("formatted", Format::Json);
    for format in FORMATS {
        let name = file("formatted", format);
        let body = std::fs::read(dir().join(&name)).unwrap();
        let table = report::decode(format, &body).unwrap();
        // Every header entry is a label of a spec column, and all 51 are there.
        let index = table.index();
        let columns: Vec<Column> = (0..index.len())
            .map(|i| {
                index
                    .column(i)
                    .unwrap_or_else(|| panic!("{name}: header {i}"))
            })
            .collect();
        assert_eq!(columns, Column::ALL, "{name}");
        // Every cell type has a column with a value in some row, read by its type.
        let mut seen = BTreeSet::new();
        for row in table.rows() {
            let row = row.unwrap();
            for &c in Column::ALL {
                let typed = match c.cell() {
                    CellType::Int => row.read::<i64>(&index, c).unwrap().is_some(),
                    CellType::Duration => row.read::<u64>(&index, c).unwrap().is_some(),
                    CellType::YesNo => row.read::<bool>(&index, c).unwrap().is_some(),
                    CellType::List => row
                        .read::<Vec<&str>>(&index, c)
                        .unwrap()
                        .is_some_and(|l| l.len() > 1),
                    CellType::Datetime => row
                        .read::<dlspbx_core::scalar::DateTime>(&index, c)
                        .unwrap()
                        .is_some(),
                    CellType::Text | CellType::Phone | CellType::Url => {
                        row.read::<&str>(&index, c).unwrap().is_some()
                    }
                };
                if typed {
                    seen.insert(format!("{:?}", c.cell()));
                }
            }
        }
        assert_eq!(
            seen.into_iter().collect::<Vec<_>>(),
            [
                "Datetime", "Duration", "Int", "List", "Phone", "Text", "Url", "YesNo"
            ],
            "{name}"
        );
        assert_eq!(
            cdrs("formatted", format),
            json,
            "{format} and JSON type differently"
        );
    }
}

/// The export decoder hands the same typed rows, fed in small chunks.
#[test]
fn the_streaming_export_deserializes_the_same_cdrs() {
    for variant in ["", "formatted"] {
        for format in [Format::Json, Format::Csv] {
            let name = file(variant, format);
            let body = std::fs::read(dir().join(&name)).unwrap();
            let table = report::decode(format, &body).unwrap();
            let want: Vec<String> = table
                .rows_as::<Cdr<'_>>()
                .map(|c| format!("{:?}", c.unwrap()))
                .collect();
            let mut got = Vec::new();
            let mut durations = Vec::new();
            let mut on_row = |row: ExportRow<'_>| {
                durations.push(row.read::<u64>(Column::BillableDuration)?);
                let cdr: Cdr<'_> = row.deserialize()?;
                got.push(format!("{cdr:?}"));
                Ok::<(), dlspbx::Error>(())
            };
            let mut decoder = ExportDecoder::new(format);
            for chunk in body.chunks(61) {
                decoder.feed(chunk, &mut on_row).unwrap();
            }
            decoder.finish(&mut on_row).unwrap();
            assert_eq!(got, want, "{name}");
            assert!(
                durations.iter().all(Option::is_some),
                "{name}: {durations:?}"
            );
        }
    }
}

/// A bad cell is a typed error naming its column, never a default.
#[test]
fn a_bad_cell_is_an_error_naming_its_column() {
    let body =
        br#"{"columns":["unique_id","Bridged","Date"],"results":[["1.2","Yes","10/13/16 9:54"]]}"#;
    let table = report::decode(Format::Json, body).unwrap();
    let err = table.rows_as::<Cdr<'_>>().next().unwrap().unwrap_err();
    match &err {
        dlspbx_core::Error::Cell(e) => assert_eq!(e.column(), Some("date")),
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string().starts_with("report column `date`: "),
        "{err}"
    );
    let index = ColumnIndex::new(&table.columns);
    let row = table.rows().next().unwrap().unwrap();
    assert_eq!(
        row.read::<bool>(&index, Column::Bridged).unwrap(),
        Some(true)
    );
}
