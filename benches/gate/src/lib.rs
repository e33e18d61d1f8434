//! The instruction-count gate: inputs and the measured calls of `benches/gate.rs`, which
//! gungraun runs under valgrind's callgrind (`cargo xtask bench --check`).
//!
//! Every measured call here reads or writes the same bytes as its criterion counterpart in
//! `benches/benches/` ([`dlspbx_benches::inputs`] and [`dlspbx_benches::baseline`]), so the
//! instruction ratios and the wall-clock ratios describe the same work. Inputs are built in
//! gungraun's setup, outside the counted region, and leaked (`&'static`) so that dropping them
//! is not counted either; the memory the setup freed is merged back into the allocator's free
//! lists before the measured call (`settle_heap`), so that the call does not pay for it.
//!
//! The bench ids, the baseline each of ours is compared with and the ratio floors live in
//! `xtask/src/gate.rs`; the expected counts live in `benches/expected/gate.json`.

use dlspbx::export::{ExportDecoder, ExportRow};
use dlspbx_benches::{Digest, baseline, inputs};
use dlspbx_core::Format;
use dlspbx_core::reports::ReportRequest;
use dlspbx_core::request::form::{FormLimits, Oversize};
use dlspbx_core::request::{self, EncodedBody};
use dlspbx_core::status::{QueuesRequest, UsersRequest};
use dlspbx_core::{Encoding, Endpoint};

/// Rows of the report inputs (51 columns each), as in the criterion benches' small size.
pub const REPORT_ROWS: usize = 1_000;
/// Chunk size of the streaming export benches: what a socket read typically hands over.
pub const EXPORT_CHUNK: usize = 16 * 1024;
/// Form limits that accept the 100x10 request (PHP's default 1000 variables would refuse it).
pub const UNLIMITED: FormLimits = FormLimits {
    max_input_vars: usize::MAX,
    max_nesting: 64,
};

fn leak<T>(value: T) -> &'static T {
    let value = Box::leak(Box::new(value));
    settle_heap();
    value
}

/// Merges the memory the setup freed into the allocator's free lists before the measured
/// call. glibc keeps small freed chunks in "fast bins" and merges them all on the next large
/// request (1 kB and more): without this, the first large allocation of the measured call (a
/// report's column list, 1.2 kB) paid for merging the setup's garbage, 5.4M of the report
/// benches' 13.5M instructions, and the count moved with what the setup happened to allocate.
/// One large request here, freed at once, does the merge (without returning memory to the
/// system, which would make the measured call's first allocations pay for growing the heap).
fn settle_heap() {
    drop(std::hint::black_box(Vec::<u8>::with_capacity(4096)));
}

/// A report body of [`REPORT_ROWS`] rows in `format`.
pub fn report_body(format: Format) -> &'static [u8] {
    leak(inputs::report_body(format, REPORT_ROWS)).as_slice()
}

/// The `status.queues` body of the criterion benches (20 queues of 25 agents) in `format`.
pub fn queues_body(format: Format) -> &'static [u8] {
    leak(inputs::queues_body(format, 20, 25)).as_slice()
}

/// The `status.users` body of the criterion benches (500 users) in `format`.
pub fn users_body(format: Format) -> &'static [u8] {
    leak(inputs::users_body(format, 500)).as_slice()
}

/// The report request with 100 filter groups of 10 rules.
pub fn filter_request() -> &'static ReportRequest {
    leak(inputs::filter_request(100, 10))
}

/// The same request as `serde_qs` sees it.
pub fn qs_request() -> &'static baseline::QsRequest {
    leak(baseline::qs_request(filter_request()))
}

/// The 100x10 request's body in `encoding`, as a client sends it.
pub fn request_body(encoding: Encoding) -> &'static [u8] {
    let params = baseline::params(filter_request());
    let EncodedBody { bytes, .. } =
        request::encode_body(&params, encoding, &UNLIMITED, Oversize::Fail)
            .expect("the 100x10 request encodes");
    leak(bytes).as_slice()
}

/// A decoded `status.queues` response.
pub type Queues = <QueuesRequest as Endpoint>::Response<'static>;
/// A decoded `status.users` response.
pub type Users = <UsersRequest as Endpoint>::Response<'static>;

/// The `status.queues` response of [`queues_body`], for the writers, with the format to
/// write it in.
pub fn queues_response(format: Format) -> (Format, &'static Queues) {
    let body = queues_body(Format::Json);
    let response = QueuesRequest::decode(Format::Json, body).expect("decodes");
    (format, leak(response))
}

/// The `status.users` response of [`users_body`], for the writers, with the format to write
/// it in.
pub fn users_response(format: Format) -> (Format, &'static Users) {
    let body = users_body(Format::Json);
    let response = UsersRequest::decode(Format::Json, body).expect("decodes");
    (format, leak(response))
}

/// Feeds `body` to the streaming export decoder in [`EXPORT_CHUNK`]-byte chunks and reads
/// every cell of every row.
pub fn export(format: Format, body: &[u8]) -> Digest {
    let mut digest = Digest::default();
    let mut on_row = |row: ExportRow<'_>| {
        digest.rows += 1;
        for cell in row.row.cells.iter() {
            digest.cell(cell);
        }
        Ok::<(), dlspbx::Error>(())
    };
    let mut decoder = ExportDecoder::new(format);
    for chunk in body.chunks(EXPORT_CHUNK) {
        decoder
            .feed(chunk, &mut on_row)
            .expect("the export decodes");
    }
    decoder.finish(&mut on_row).expect("the export ends");
    digest
}

/// Parses a request body as the simulator does (PHP's `$_POST` for forms).
pub fn parse_request(encoding: Encoding, body: &[u8]) -> usize {
    let (node, _) = request::parse_body(encoding, body, &UNLIMITED).expect("the body parses");
    match node {
        dlspbx_core::Node::Map(entries) => entries.len(),
        _ => 0,
    }
}
