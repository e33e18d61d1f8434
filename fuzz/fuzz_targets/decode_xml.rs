//! Every response decoder path for a xml body (see `dlspbx_fuzz::paths::decode`).
#![no_main]

use dlspbx_core::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dlspbx_fuzz::paths::decode(Format::Xml, data));
