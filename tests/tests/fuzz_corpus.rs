//! Replays the fuzz corpus and every crash the fuzzers found (`fuzz/corpus/<target>/*` and
//! `fuzz/artifacts/<target>/*`) through the same code as the fuzz targets
//! (`fuzz/src/paths.rs`), in the normal test run: no input may panic. See `fuzz/README.md`.

#[allow(dead_code)]
#[path = "../../fuzz/src/paths.rs"]
mod paths;

use dlspbx_core::Format;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// What each target runs, by the target's name (the directory name).
fn target(name: &str) -> Option<fn(&[u8])> {
    Some(match name {
        "decode_json" => |d| paths::decode(Format::Json, d),
        "decode_xml" => |d| paths::decode(Format::Xml, d),
        "decode_yaml" => |d| paths::decode(Format::Yaml, d),
        "decode_csv" => |d| paths::decode(Format::Csv, d),
        "decode_plain" => |d| paths::decode(Format::Plain, d),
        "form_parse" => paths::form_parse,
        "form_roundtrip" => paths::form_roundtrip,
        "request_json" => paths::request_json,
        "request_xml" => paths::request_xml,
        "filter_lang" => |d| {
            paths::filter_lang(
                d,
                dlspbx_cli::filter_lang::parse,
                dlspbx_cli::filter_lang::format,
            )
        },
        _ => return None,
    })
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn replay(kind: &str) -> (usize, Vec<String>) {
    let root = fuzz_dir().join(kind);
    let mut count = 0;
    let mut failures = Vec::new();
    let mut targets: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    targets.sort();
    // A panic is caught and reported below; the default hook would print each one.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for dir in targets {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let Some(run) = target(&name) else {
            failures.push(format!(
                "{}: no such fuzz target in the replay table",
                dir.display()
            ));
            continue;
        };
        for file in files(&dir) {
            let data = std::fs::read(&file).unwrap();
            count += 1;
            let started = Instant::now();
            let outcome = catch_unwind(AssertUnwindSafe(|| run(&data)));
            let elapsed = started.elapsed();
            let shown = format!(
                "{kind}/{name}/{}",
                file.file_name().unwrap().to_string_lossy()
            );
            match outcome {
                Err(panic) => {
                    let message = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_default();
                    failures.push(format!("{shown}: panicked: {message}"));
                }
                // A debug build is far slower than the fuzz build; a second per input means
                // super-linear work, which a server could be made to do on purpose.
                Ok(()) if elapsed > Duration::from_secs(2) => {
                    failures.push(format!("{shown}: took {elapsed:?}"))
                }
                Ok(()) => {}
            }
        }
    }
    std::panic::set_hook(hook);
    (count, failures)
}

#[test]
fn every_corpus_input_runs_clean() {
    let (count, failures) = replay("corpus");
    assert!(
        count > 100,
        "only {count} corpus files: is fuzz/corpus/ missing?"
    );
    assert!(
        failures.is_empty(),
        "{} of {count} inputs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_crash_found_stays_fixed() {
    let (count, failures) = replay("artifacts");
    assert!(
        failures.is_empty(),
        "{} of {count} crash inputs fail again:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The seeds are the golden examples: each decodes through the target of its format without
/// error (a corpus that only held garbage would prove little).
#[test]
fn seeds_are_the_golden_examples() {
    let json = fuzz_dir().join("corpus/decode_json/status.queues.response.json");
    let body = std::fs::read(&json).unwrap_or_else(|e| panic!("{}: {e}", json.display()));
    use dlspbx_core::Endpoint;
    dlspbx_core::status::QueuesRequest::decode(Format::Json, &body).unwrap();
}
