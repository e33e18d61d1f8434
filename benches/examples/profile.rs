//! Decodes a report file repeatedly, for profilers (callgrind, perf):
//! `profile FORMAT DECODER FILE [ITERATIONS]`, DECODER one of `ours`, `baseline`, `value`,
//! `simd_csv` (CSV) or `decode_only` (CSV: the table and its header, without reading the rows).

use dlspbx_benches::{baseline, ours_report};
use dlspbx_core::Format;
use std::hint::black_box;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [format, decoder, file, rest @ ..] = args.as_slice() else {
        eprintln!("usage: profile FORMAT DECODER FILE [ITERATIONS]");
        std::process::exit(2);
    };
    if format == "status" {
        return status(
            decoder,
            file,
            rest.first().and_then(|s| s.parse().ok()).unwrap_or(1000),
        );
    }
    if format == "form" {
        return form(
            decoder,
            rest.first().and_then(|s| s.parse().ok()).unwrap_or(100),
        );
    }
    let format: Format = format.parse().expect("a format");
    let body = std::fs::read(file).expect("read the body");
    let n: usize = rest.first().and_then(|s| s.parse().ok()).unwrap_or(10);
    let decode: fn(&[u8]) -> dlspbx_benches::Digest = match (format, decoder.as_str()) {
        (Format::Json, "ours") => |b| ours_report(Format::Json, b),
        (Format::Xml, "ours") => |b| ours_report(Format::Xml, b),
        (Format::Yaml, "ours") => |b| ours_report(Format::Yaml, b),
        (Format::Csv, "ours") => |b| ours_report(Format::Csv, b),
        (Format::Csv, "simd_csv") => baseline::simd_csv_report,
        (Format::Csv, "simd_csv_records") => |b| {
            let mut reader = simd_csv::ZeroCopyReaderBuilder::new()
                .has_headers(false)
                .from_reader(b);
            let mut d = dlspbx_benches::Digest::default();
            while let Some(record) = reader.read_byte_record().expect("a record") {
                d.rows += 1;
                d.cells += record.len();
            }
            d
        },
        (_, "decode_only") => |b| {
            let t = <dlspbx_core::reports::ReportRequest as dlspbx_core::Endpoint>::decode(
                Format::Csv,
                b,
            )
            .unwrap();
            dlspbx_benches::Digest {
                rows: t.columns.len(),
                ..Default::default()
            }
        },
        (Format::Json, "baseline") => baseline::serde_json_report,
        (Format::Json, "value") => baseline::json_value_report,
        (Format::Xml, "baseline") => baseline::quick_xml_report,
        (Format::Yaml, "baseline") => baseline::serde_yaml_report,
        (Format::Csv, "baseline") => baseline::csv_report,
        _ => panic!("unknown decoder"),
    };
    let start = std::time::Instant::now();
    let mut d = Default::default();
    for _ in 0..n {
        d = decode(black_box(&body));
    }
    let per = start.elapsed() / n as u32;
    println!(
        "{d:?}: {per:?} per decode, {:.0} MB/s",
        body.len() as f64 / per.as_secs_f64() / 1e6
    );
}

/// `profile status queues|users FORMAT N`: decodes a generated status response N times.
fn status(which: &str, format: &str, n: usize) {
    use dlspbx_benches::inputs;
    use dlspbx_core::Endpoint;
    use dlspbx_core::status::{QueuesRequest, UsersRequest};
    let format: Format = format.parse().expect("a format");
    let body = match which {
        "queues" => inputs::queues_body(format, 20, 25),
        _ => inputs::users_body(format, 500),
    };
    let start = std::time::Instant::now();
    for _ in 0..n {
        match which {
            "queues" => {
                black_box(QueuesRequest::decode(format, black_box(&body)).unwrap());
            }
            _ => {
                black_box(UsersRequest::decode(format, black_box(&body)).unwrap());
            }
        }
    }
    println!(
        "{which} {format:?}: {} bytes, {:?} per decode",
        body.len(),
        start.elapsed() / n as u32
    );
}

/// `profile form ours|params|record|baseline N`: encodes the 100x10 filter request N times.
fn form(which: &str, n: usize) {
    use dlspbx_benches::inputs;
    use dlspbx_core::request::form::{self, FormLimits};
    let limits = FormLimits {
        max_input_vars: usize::MAX,
        max_nesting: 64,
    };
    let req = inputs::filter_request(100, 10);
    let params = baseline::params(&req);
    let qs = baseline::qs_request(&req);
    let start = std::time::Instant::now();
    let mut len = 0;
    for _ in 0..n {
        len = match which {
            "ours" => form::encode(&baseline::params(black_box(&req)), &limits)
                .unwrap()
                .len(),
            "params" => form::encode(black_box(&params), &limits).unwrap().len(),
            "record" => form::encode_record(black_box(&req), &limits).unwrap().len(),
            _ => baseline::serde_qs_encode(black_box(&qs)).len(),
        };
    }
    println!(
        "{which}: {len} bytes, {:?} per encode",
        start.elapsed() / n as u32
    );
}
