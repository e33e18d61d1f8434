//! The XML request body reader and writer (see `dlspbx_fuzz::paths::request_xml`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dlspbx_fuzz::paths::request_xml(data));
