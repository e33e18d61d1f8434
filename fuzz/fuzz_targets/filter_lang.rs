//! The CLI's `--filter` mini-language (see `dlspbx_fuzz::paths::filter_lang`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    dlspbx_fuzz::paths::filter_lang(
        data,
        dlspbx_fuzz::filter_lang::parse,
        dlspbx_fuzz::filter_lang::format,
    )
});
