//! Report decode, per format, with full iteration over every cell: ours against the owned
//! baseline a user would write for that format, and against `serde_json::Value`.
//!
//! Sizes: 1k and 100k rows; 1M rows only with `DLSPBX_BENCH_FULL=1` (`cargo xtask bench --full`),
//! measured once per sample with 10 samples.

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use dlspbx_benches::{baseline, inputs, ours_report};
use dlspbx_core::Format;
use std::hint::black_box;
use std::time::Duration;

type Decoder = fn(&[u8]) -> dlspbx_benches::Digest;

/// A format, its name in the group, and the decoders benched on it.
type Contenders = (Format, &'static str, Vec<(&'static str, Decoder)>);

/// In test mode (`cargo bench -- --test`, or `cargo test --benches`, which does not pass
/// `--bench`) every bench runs once: the small size is enough to prove it works.
fn test_mode() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--test") || !args.iter().any(|a| a == "--bench")
}

fn sizes() -> Vec<usize> {
    if test_mode() {
        return vec![1_000];
    }
    let mut sizes = vec![1_000, 100_000];
    if std::env::var_os("DLSPBX_BENCH_FULL").is_some() {
        sizes.push(1_000_000);
    }
    sizes
}

fn formats() -> [Contenders; 4] {
    [
        (
            Format::Json,
            "json",
            vec![
                ("ours", |b| ours_report(Format::Json, b)),
                ("serde_json_owned", baseline::serde_json_report),
                ("serde_json_value", baseline::json_value_report),
            ],
        ),
        (
            Format::Xml,
            "xml",
            vec![
                ("ours", |b| ours_report(Format::Xml, b)),
                ("quick_xml_serde_owned", baseline::quick_xml_report),
            ],
        ),
        (
            Format::Yaml,
            "yaml",
            vec![
                ("ours", |b| ours_report(Format::Yaml, b)),
                ("serde_yaml_owned", baseline::serde_yaml_report),
            ],
        ),
        (
            Format::Csv,
            "csv",
            vec![
                ("ours", |b| ours_report(Format::Csv, b)),
                ("csv_string_record", baseline::csv_report),
                (
                    "csv_string_record_reused",
                    baseline::csv_reused_record_report,
                ),
                ("simd_csv_zero_copy", baseline::simd_csv_report),
            ],
        ),
    ]
}

fn report(c: &mut Criterion) {
    for rows in sizes() {
        let all = [Format::Json, Format::Xml, Format::Yaml, Format::Csv];
        let bodies = inputs::report_bodies(&all, rows);
        for (format, name, decoders) in formats() {
            let body = &bodies
                .iter()
                .find(|(f, _)| *f == format)
                .expect("generated")
                .1;
            let mut group = c.benchmark_group(format!("report_{name}"));
            group.throughput(Throughput::Bytes(body.len() as u64));
            if rows >= 100_000 {
                group
                    .sampling_mode(SamplingMode::Flat)
                    .sample_size(10)
                    .warm_up_time(Duration::from_millis(500));
            }
            if rows >= 1_000_000 {
                group.measurement_time(Duration::from_secs(1));
            }
            for (id, decode) in decoders {
                group.bench_with_input(BenchmarkId::new(id, rows), body.as_slice(), |b, body| {
                    b.iter(|| black_box(decode(black_box(body))))
                });
            }
            group.finish();
        }
    }
}

criterion_group!(benches, report);
criterion_main!(benches);
