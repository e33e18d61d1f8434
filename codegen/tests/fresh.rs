//! The checked-in generated code must be what the spec generates (same check as
//! `cargo xtask codegen --check`).

use dlspbx_codegen::sync::{Mode, sync};
use std::path::Path;

#[test]
fn generated_code_is_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let stale = sync(root, Mode::Check).expect("the spec loads");
    assert!(
        stale.is_empty(),
        "generated code is stale; run `cargo xtask codegen`: {stale:?}"
    );
}
