//! cargo-fuzz targets for dlspbx. The code each target runs is in [`paths`], which the replay
//! test of the `dlspbx-tests` crate (`tests/tests/fuzz_corpus.rs`) includes with `#[path]` and
//! runs on every file of `fuzz/corpus/` and `fuzz/artifacts/`.

pub mod paths;

/// The CLI's filter mini-language, compiled from its source file. It is public in the
/// `dlspbx_cli` library too (`dlspbx_cli::filter_lang`, which the replay test uses), but
/// depending on `dlspbx-cli` would build the simulator, SQLite, TLS and clap with sanitizer
/// instrumentation for every fuzz build; the file depends only on `dlspbx-core`.
#[path = "../../crates/dlspbx-cli/src/filter_lang.rs"]
#[allow(dead_code, unused_imports, clippy::all)]
pub mod filter_lang;
