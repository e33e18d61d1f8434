//! Project automation: `cargo xtask codegen [--check]`, `cargo xtask docs [--check]`, `cargo xtask bench [--full | --check | --bless]`, `cargo xtask load`, `cargo xtask stream`, `cargo xtask sync`, `cargo xtask schemathesis`,
//! and the release checks `cargo xtask features`, `package-check`, `msrv`, `deps`, `public-api [--check]`.

mod bench;
mod deps;
mod features;
mod gate;
mod load;
mod msrv;
mod package;
mod public_api;
mod schemathesis;
mod sim;
mod stream;
mod sync;

use dlspbx_codegen::sync::{Mode, sync};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: cargo xtask codegen [--check] | cargo xtask docs [--check] | cargo xtask bench [--full | --check | --bless]\n\n  codegen          regenerate crates/dlspbx-core/src/generated from spec/\n  codegen --check  fail if the checked-in generated code is stale\n  docs             regenerate docs/API.md and docs/openapi.json from spec/ and tests/fixtures/\n  docs --check     fail if docs/ is stale\n  bench            run the benches in quick mode and write target/bench-summary.md\n  bench --full     the same with the 1M-row reports\n  bench --check    the instruction-count gate: run benches/gate under callgrind, compare with benches/expected/gate.json and the ratio floors\n  bench --bless    rewrite benches/expected/gate.json (--allow-slower: also record counts that rose)\n  stream           the CLI's streaming targets (peak memory, MB/s) with /usr/bin/time against a standalone simulator, beside jq (--cdrs N)\n  sync             cdr sync into SQLite and Postgres against a 1,000,000-CDR simulator, beside the hand-written baseline (--cdrs N)\n  schemathesis     schemathesis driven by docs/openapi.json against a seeded simulator, installed with pip under target/ (--max-examples N)\n  load             10,000 mixed requests over 64 connections against the simulator (--requests N, --connections C)\n  features         every feature combination of dlspbx-core, dlspbx and dlspbx-async builds without warnings and tests (--quick: fewer test runs)\n  package-check    cargo package every publishable crate, then build and run a downstream crate against the unpacked .crate files (--verify: cargo's own verification too)\n  msrv             the declared rust-version covers the language used and every dependency's rust-version\n  deps             one version of each dependency (except ARCHITECTURE.md's allowed duplicates), and at most 55 crates in a default downstream build\n  public-api       write public-api/<crate>.txt from rustdoc JSON (--check: fail if stale)"
    );
    ExitCode::from(1)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["codegen"] => codegen(Mode::Write),
        ["codegen", "--check"] => codegen(Mode::Check),
        ["docs"] => docs(Mode::Write),
        ["docs", "--check"] => docs(Mode::Check),
        ["bench"] => bench::run(&root(), false),
        ["bench", "--full"] => bench::run(&root(), true),
        ["bench", "--check"] => gate::run(&root(), gate::Mode::Check),
        ["bench", "--bless"] => gate::run(
            &root(),
            gate::Mode::Bless {
                allow_slower: false,
            },
        ),
        ["bench", "--bless", "--allow-slower"] => {
            gate::run(&root(), gate::Mode::Bless { allow_slower: true })
        }
        ["load", rest @ ..] => load::run(&root(), rest),
        ["stream", rest @ ..] => stream::run(&root(), rest),
        ["sync", rest @ ..] => sync::run(&root(), rest),
        ["schemathesis", rest @ ..] => schemathesis::run(&root(), rest),
        ["features", rest @ ..] => features::run(&root(), rest),
        ["package-check", rest @ ..] => package::run(&root(), rest),
        ["msrv"] => msrv::run(&root()),
        ["deps"] => deps::run(&root()),
        ["public-api", rest @ ..] => public_api::run(&root(), rest),
        _ => usage(),
    }
}

fn codegen(mode: Mode) -> ExitCode {
    let root = root();
    match sync(&root, mode) {
        Err(e) => {
            eprintln!("error: the spec has mistakes:\n{e}");
            ExitCode::from(2)
        }
        Ok(changed) if changed.is_empty() => {
            eprintln!("generated code is up to date");
            ExitCode::SUCCESS
        }
        Ok(changed) => {
            for c in &changed {
                let shown = c.strip_prefix(&root).unwrap_or(c);
                eprintln!(
                    "{} {}",
                    if mode == Mode::Check {
                        "stale:"
                    } else {
                        "updated:"
                    },
                    shown.display()
                );
            }
            if mode == Mode::Check {
                eprintln!(
                    "error: generated code is out of date with spec/; run `cargo xtask codegen` and commit the result"
                );
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}

fn docs(mode: Mode) -> ExitCode {
    let root = root();
    match dlspbx_codegen::docs::sync(&root, mode) {
        Err(e) => {
            eprintln!("error: the spec has mistakes:\n{e}");
            ExitCode::from(2)
        }
        Ok(changed) if changed.is_empty() => {
            eprintln!("docs/ is up to date");
            ExitCode::SUCCESS
        }
        Ok(changed) => {
            let verb = if mode == Mode::Check {
                "stale:"
            } else {
                "updated:"
            };
            for c in &changed {
                eprintln!("{verb} {}", c.strip_prefix(&root).unwrap_or(c).display());
            }
            if mode == Mode::Check {
                eprintln!(
                    "error: docs/ is out of date with spec/ and tests/fixtures/; run `cargo xtask docs` and commit the result"
                );
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}
