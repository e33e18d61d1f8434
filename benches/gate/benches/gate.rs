//! The instruction-count gate (gungraun under callgrind). Each benchmark id is
//! `<group>::<function>::<case>` in gungraun's output; `cargo xtask bench --check` keys the
//! expected counts and the ratio floors by `<function>.<case>` (see `xtask/src/gate.rs`).
//!
//! Cases named `ours` are ours; every other case of the same function is a baseline on the
//! same input.

use dlspbx_bench_gate as gate;
use dlspbx_benches::{Digest, baseline, ours_report};
use dlspbx_core::request::form;
use dlspbx_core::status::{QueuesRequest, UsersRequest};
use dlspbx_core::{Encoding, Endpoint, Format};
use gungraun::{
    Callgrind, LibraryBenchmarkConfig, library_benchmark, library_benchmark_group, main,
};
use std::hint::black_box;

// Reports: 1,000 rows x 51 columns, every cell read.

#[library_benchmark]
#[bench::ours(gate::report_body(Format::Json))]
fn report_json(body: &'static [u8]) -> Digest {
    black_box(ours_report(Format::Json, black_box(body)))
}

#[library_benchmark]
#[bench::serde_json_owned(gate::report_body(Format::Json))]
fn report_json_baseline(body: &'static [u8]) -> Digest {
    black_box(baseline::serde_json_report(black_box(body)))
}

#[library_benchmark]
#[bench::ours(gate::report_body(Format::Xml))]
fn report_xml(body: &'static [u8]) -> Digest {
    black_box(ours_report(Format::Xml, black_box(body)))
}

#[library_benchmark]
#[bench::quick_xml_serde_owned(gate::report_body(Format::Xml))]
fn report_xml_baseline(body: &'static [u8]) -> Digest {
    black_box(baseline::quick_xml_report(black_box(body)))
}

#[library_benchmark]
#[bench::ours(gate::report_body(Format::Yaml))]
fn report_yaml(body: &'static [u8]) -> Digest {
    black_box(ours_report(Format::Yaml, black_box(body)))
}

#[library_benchmark]
#[bench::serde_yaml_owned(gate::report_body(Format::Yaml))]
fn report_yaml_baseline(body: &'static [u8]) -> Digest {
    black_box(baseline::serde_yaml_report(black_box(body)))
}

#[library_benchmark]
#[bench::ours(gate::report_body(Format::Csv))]
fn report_csv(body: &'static [u8]) -> Digest {
    black_box(ours_report(Format::Csv, black_box(body)))
}

#[library_benchmark]
#[bench::csv_string_record(gate::report_body(Format::Csv))]
fn report_csv_baseline(body: &'static [u8]) -> Digest {
    black_box(baseline::csv_report(black_box(body)))
}

library_benchmark_group!(
    name = reports;
    benchmarks = report_json, report_json_baseline, report_xml, report_xml_baseline,
        report_yaml, report_yaml_baseline, report_csv, report_csv_baseline
);

// Status responses: decode into the typed response.

#[library_benchmark]
#[bench::json(gate::queues_body(Format::Json))]
fn status_queues_json(body: &'static [u8]) -> usize {
    let response = QueuesRequest::decode(Format::Json, black_box(body)).expect("decodes");
    black_box(response.queues.len())
}

#[library_benchmark]
#[bench::xml(gate::queues_body(Format::Xml))]
fn status_queues_xml(body: &'static [u8]) -> usize {
    let response = QueuesRequest::decode(Format::Xml, black_box(body)).expect("decodes");
    black_box(response.queues.len())
}

#[library_benchmark]
#[bench::json(gate::queues_body(Format::Json))]
fn status_queues_json_baseline(body: &'static [u8]) -> usize {
    let owned: baseline::OwnedQueues = serde_json::from_slice(black_box(body)).expect("decodes");
    black_box(owned.queues.len())
}

#[library_benchmark]
#[bench::xml(gate::queues_body(Format::Xml))]
fn status_queues_xml_baseline(body: &'static [u8]) -> usize {
    let text = std::str::from_utf8(black_box(body)).expect("UTF-8");
    let owned: baseline::XmlQueues = quick_xml::de::from_str(text).expect("decodes");
    black_box(std::mem::size_of_val(&owned))
}

#[library_benchmark]
#[bench::json(gate::users_body(Format::Json))]
fn status_users_json(body: &'static [u8]) -> usize {
    let response = UsersRequest::decode(Format::Json, black_box(body)).expect("decodes");
    black_box(response.users.len())
}

#[library_benchmark]
#[bench::xml(gate::users_body(Format::Xml))]
fn status_users_xml(body: &'static [u8]) -> usize {
    let response = UsersRequest::decode(Format::Xml, black_box(body)).expect("decodes");
    black_box(response.users.len())
}

#[library_benchmark]
#[bench::json(gate::users_body(Format::Json))]
fn status_users_json_baseline(body: &'static [u8]) -> usize {
    let owned: baseline::OwnedUsers = serde_json::from_slice(black_box(body)).expect("decodes");
    black_box(owned.users.len())
}

#[library_benchmark]
#[bench::xml(gate::users_body(Format::Xml))]
fn status_users_xml_baseline(body: &'static [u8]) -> usize {
    let text = std::str::from_utf8(black_box(body)).expect("UTF-8");
    let owned: baseline::XmlUsers = quick_xml::de::from_str(text).expect("decodes");
    black_box(std::mem::size_of_val(&owned))
}

library_benchmark_group!(
    name = status;
    benchmarks = status_queues_json, status_queues_xml, status_queues_json_baseline,
        status_queues_xml_baseline, status_users_json, status_users_xml,
        status_users_json_baseline, status_users_xml_baseline
);

// Form encoding of the 100-group x 10-rule report request, from the typed request.

#[library_benchmark]
#[bench::ours(gate::filter_request())]
fn form_encode(req: &'static dlspbx_core::reports::ReportRequest) -> usize {
    black_box(
        form::encode_record(black_box(req), &gate::UNLIMITED)
            .expect("encodes")
            .len(),
    )
}

#[library_benchmark]
#[bench::serde_qs(gate::qs_request())]
fn form_encode_baseline(req: &'static baseline::QsRequest) -> usize {
    black_box(baseline::serde_qs_encode(black_box(req)).len())
}

library_benchmark_group!(
    name = form_encoding;
    benchmarks = form_encode, form_encode_baseline
);

// What the restructuring rewrites, gated on its own counts: the streaming export decoder in
// 16 KiB chunks, the simulator's request-body parsers and the wire writers.

#[library_benchmark]
#[bench::json(gate::report_body(Format::Json))]
fn export_json(body: &'static [u8]) -> Digest {
    black_box(gate::export(Format::Json, black_box(body)))
}

#[library_benchmark]
#[bench::csv(gate::report_body(Format::Csv))]
fn export_csv(body: &'static [u8]) -> Digest {
    black_box(gate::export(Format::Csv, black_box(body)))
}

#[library_benchmark]
#[bench::form(gate::request_body(Encoding::Form))]
fn request_parse_form(body: &'static [u8]) -> usize {
    black_box(gate::parse_request(Encoding::Form, black_box(body)))
}

#[library_benchmark]
#[bench::json(gate::request_body(Encoding::Json))]
fn request_parse_json(body: &'static [u8]) -> usize {
    black_box(gate::parse_request(Encoding::Json, black_box(body)))
}

#[library_benchmark]
#[bench::xml(gate::request_body(Encoding::Xml))]
fn request_parse_xml(body: &'static [u8]) -> usize {
    black_box(gate::parse_request(Encoding::Xml, black_box(body)))
}

#[library_benchmark]
#[bench::json(gate::queues_response(Format::Json))]
#[bench::xml(gate::queues_response(Format::Xml))]
#[bench::yaml(gate::queues_response(Format::Yaml))]
#[bench::csv(gate::queues_response(Format::Csv))]
fn write_queues(input: (Format, &'static gate::Queues)) -> usize {
    let (format, response) = input;
    black_box(
        QueuesRequest::encode(black_box(format), black_box(response))
            .expect("encodes")
            .len(),
    )
}

#[library_benchmark]
#[bench::json(gate::users_response(Format::Json))]
#[bench::xml(gate::users_response(Format::Xml))]
#[bench::yaml(gate::users_response(Format::Yaml))]
#[bench::csv(gate::users_response(Format::Csv))]
fn write_users(input: (Format, &'static gate::Users)) -> usize {
    let (format, response) = input;
    black_box(
        UsersRequest::encode(black_box(format), black_box(response))
            .expect("encodes")
            .len(),
    )
}

library_benchmark_group!(
    name = rewritten;
    benchmarks = export_json, export_csv, request_parse_form, request_parse_json,
        request_parse_xml, write_queues, write_users
);

// Instructions are what the gate compares; the cache simulation would only slow the run.
main!(
    config = LibraryBenchmarkConfig::default().tool(Callgrind::with_args(["--cache-sim=no"]));
    library_benchmark_groups = reports, status, form_encoding, rewritten
);
