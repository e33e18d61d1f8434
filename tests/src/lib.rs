//! Cross-crate tests for dlspbx: golden snapshots of every documented example in
//! `tests/fixtures/` (see `tests/golden.rs`) and round-trip properties. This library is empty;
//! the tests live in `tests/`.
