//! The simulator's form reader (`request::form::parse`) and what it feeds: `from_params` and
//! `validate` of several actions (see `dlspbx_fuzz::paths::form_parse`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dlspbx_fuzz::paths::form_parse(data));
