//! Form encoding of a report request with 100 filter groups of 10 rules each: ours against
//! `serde_qs` on the same structure. Ours three ways: `ours` writes the body straight from the
//! typed request (`form::encode_record`, what the clients do), `ours_from_tree` encodes a
//! parameter tree built beforehand (the encoder alone), `ours_with_to_params` builds the tree
//! and encodes it (the path before `encode_record`, and the one JSON and XML bodies take).
//! Both bodies decode to the same tree in PHP's `$_POST` (checked before measuring).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dlspbx_benches::{baseline, inputs};
use dlspbx_core::request::form::{self, FormLimits};
use std::hint::black_box;

const LIMITS: FormLimits = FormLimits {
    max_input_vars: usize::MAX,
    max_nesting: 64,
};

fn encode(c: &mut Criterion) {
    let req = inputs::filter_request(100, 10);
    let params = baseline::params(&req);
    let qs = baseline::qs_request(&req);
    let ours = form::encode(&params, &LIMITS).expect("ours encodes");
    let theirs = baseline::serde_qs_encode(&qs);
    let limits = FormLimits {
        max_input_vars: usize::MAX,
        max_nesting: 64,
    };
    let parse = |body: &str| {
        form::parse_with_limits(body.as_bytes(), &limits)
            .expect("parses")
            .0
    };
    assert_eq!(
        parse(&ours),
        parse(&theirs),
        "ours and serde_qs must give PHP the same structure"
    );
    assert_eq!(
        form::encode_record(&req, &LIMITS).expect("ours encodes"),
        ours,
        "the direct writer and the tree give the same body"
    );
    let mut group = c.benchmark_group("form_encode");
    group.throughput(Throughput::Bytes(ours.len() as u64));
    // From the typed request, as serde_qs is timed from its struct.
    group.bench_function(BenchmarkId::new("ours", "100x10"), |b| {
        b.iter(|| black_box(form::encode_record(black_box(&req), &LIMITS).expect("encodes")))
    });
    // `form::encode` of a parameter tree built beforehand: the encoder alone.
    group.bench_function(BenchmarkId::new("ours_from_tree", "100x10"), |b| {
        b.iter(|| black_box(form::encode(black_box(&params), &LIMITS).expect("encodes")))
    });
    // The whole client path: the generated `to_params` builds the tree, then it is encoded.
    group.bench_function(BenchmarkId::new("ours_with_to_params", "100x10"), |b| {
        b.iter(|| {
            black_box(form::encode(&baseline::params(black_box(&req)), &LIMITS).expect("encodes"))
        })
    });
    group.throughput(Throughput::Bytes(theirs.len() as u64));
    group.bench_function(BenchmarkId::new("serde_qs", "100x10"), |b| {
        b.iter(|| black_box(baseline::serde_qs_encode(black_box(&qs))))
    });
    group.finish();
}

criterion_group!(benches, encode);
criterion_main!(benches);
