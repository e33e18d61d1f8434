//! The form encoder against the PHP-style parser: what `form::encode` accepts, PHP reads back
//! unchanged (see `dlspbx_fuzz::paths::form_roundtrip`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dlspbx_fuzz::paths::form_roundtrip(data));
