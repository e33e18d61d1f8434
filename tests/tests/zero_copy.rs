//! Decoding copies no string that the wire did not escape, in any format.
//!
//! A counting global allocator measures the bytes allocated while decoding a response whose
//! strings are long and unescaped. If any of them were copied, the decoder would allocate at
//! least their total length; the structures themselves (vectors of fields and rows) need far
//! less. So "allocated < 1/8 of the string bytes" proves the strings are borrowed.

use dlspbx_core::{Endpoint, Format, reports::ReportRequest, status::UsersRequest};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

// SAFETY: delegates to the system allocator; only adds a counter.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATED.fetch_add(new_size, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A long string without anything any format would escape or quote.
fn long(tag: &str) -> String {
    let mut s = String::from(tag);
    while s.len() < 16_000 {
        s.push_str("abcdefghij");
    }
    s
}

/// Tests run on parallel threads and the counter is global: each test holds this lock for its
/// whole run, so no other test allocates while one measures.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn allocated_while<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCATED.load(Ordering::SeqCst);
    let out = f();
    (ALLOCATED.load(Ordering::SeqCst) - before, out)
}

fn users_body(format: Format, names: &[String]) -> Vec<u8> {
    let json = format!(
        r#"{{"result":"success","users":[{}]}}"#,
        names
            .iter()
            .enumerate()
            .map(|(i, n)| format!(
                r#"{{"ext":"{i}","user":"{n}","tenant":"default","authid":"{n}","vmail":"0","status":"{n}","host":"{n}","port":"0"}}"#
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    let decoded = UsersRequest::decode(Format::Json, json.as_bytes()).unwrap();
    UsersRequest::encode(format, &decoded).unwrap()
}

#[test]
fn status_responses_borrow_unescaped_strings_in_every_format() {
    let _serial = serial();
    let names: Vec<String> = (0..8).map(|i| long(&format!("user{i}x"))).collect();
    // 5 long strings per user.
    let string_bytes: usize = names.iter().map(|n| n.len() * 4).sum();
    for format in [Format::Json, Format::Xml, Format::Yaml, Format::Csv] {
        let body = users_body(format, &names);
        let (bytes, decoded) = allocated_while(|| UsersRequest::decode(format, &body).unwrap());
        assert_eq!(decoded.users.len(), names.len(), "{format}");
        assert!(
            decoded
                .users
                .iter()
                .all(|u| u.user.is_borrowed() && u.host.is_borrowed()),
            "{format}: strings were copied"
        );
        assert!(
            bytes < string_bytes / 4,
            "{format}: decoding allocated {bytes} bytes for {string_bytes} bytes of strings"
        );
    }
}

#[test]
fn report_rows_borrow_unescaped_cells_in_every_format() {
    let _serial = serial();
    let cells: Vec<String> = (0..6).map(|i| long(&format!("cell{i}x"))).collect();
    let rows: Vec<String> = (0..6)
        .map(|_| {
            format!(
                "[{}]",
                cells
                    .iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        })
        .collect();
    let json = format!(
        r#"{{"result":"success","error":"","total_results":6,"columns":["unique_id","date","callerid","src","dst","dst_label"],"results":[{}]}}"#,
        rows.join(",")
    );
    let string_bytes = cells.iter().map(String::len).sum::<usize>() * rows.len();
    let table = ReportRequest::decode(Format::Json, json.as_bytes()).unwrap();
    for format in [Format::Json, Format::Xml, Format::Yaml, Format::Csv] {
        let body = ReportRequest::encode(format, &table).unwrap();
        let (bytes, n) = allocated_while(|| {
            let t = ReportRequest::decode(format, &body).unwrap();
            let mut n = 0;
            for row in t.rows() {
                let row = row.unwrap();
                assert!(
                    row.cells.iter().all(|c| c.is_borrowed()),
                    "{format}: a cell was copied"
                );
                n += row.cells.len();
            }
            n
        });
        assert_eq!(n, 36, "{format}");
        assert!(
            bytes < string_bytes / 4,
            "{format}: decoding allocated {bytes} bytes for {string_bytes} bytes of cells"
        );
    }
}
