//! The blocking client against a fixture server.

#![cfg(feature = "blocking")]

#[macro_use]
mod support;

use dlspbx::{Caller, Client, ExportRow, Modules, RetryPolicy};

/// Every page of a pagination.
fn all<I: IntoIterator>(pages: I) -> Vec<I::Item> {
    pages.into_iter().collect()
}

client_tests!(#[test],);

#[test]
fn report_export_streams_csv_and_json() {
    let server = Server::start(|request, _| {
        assert!(
            request.body_text().contains("page%3DALL"),
            "{}",
            request.body_text()
        );
        assert!(
            !request.body_text().contains("per_page"),
            "{}",
            request.body_text()
        );
        Reply::fixture(request)
    });
    let client = client(&server);
    for format in [Format::Csv, Format::Json, Format::Xml] {
        let mut ids = Vec::new();
        let request = ReportRequest::new([Column::UniqueId]).option(ReportOption::PerPage(1));
        let summary = client
            .with_format(format)
            .report_export(request, |row: ExportRow<'_>| {
                assert_eq!(row.columns[0], "unique_id");
                ids.push(row.row.get(0).unwrap().to_owned());
                Ok::<(), Error>(())
            })
            .unwrap();
        assert_eq!(
            ids,
            ["1476370446.2", "1476370384.0", "1476370358.2"],
            "{format}"
        );
        assert_eq!(summary.rows, 3);
        let asked = server.requests().pop().unwrap();
        let expected = if format == Format::Csv { "csv" } else { "json" };
        assert_eq!(asked.query("api_format"), Some(expected));
    }
}

#[test]
fn report_export_reports_server_errors() {
    let server = Server::start(|_, _| {
        Reply::new(
            500,
            "application/json",
            "{\"result\":\"error\",\"error\":\"Database busy\"}",
        )
    });
    let client = client_with(&server, |b| b.max_attempts(1));
    let error = client
        .report_export(ReportRequest::new([Column::UniqueId]), |_| {
            Ok::<(), Error>(())
        })
        .unwrap_err();
    assert!(
        matches!(error, Error::Server { ref message } if message == "Database busy"),
        "{error}"
    );
}
