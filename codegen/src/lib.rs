//! The dlspbx spec toolchain: the TOML input layer ([`input`]), the loader and validator
//! ([`load`]) that lowers it into the typed spec model ([`model`]),
//! the Rust generator ([`generate`](mod@generate)) with its freshness check ([`sync`]), the generator of
//! extension modules for `include_spec!` ([`extension`]) and the reference docs ([`docs`]).
//! Used by `cargo xtask codegen`, `cargo xtask docs`, the `dlspbx-macros` crate and tests.

#![warn(missing_docs)]

pub mod docs;
pub mod extension;
pub mod generate;
pub mod input;
pub mod load;
pub mod model;
pub mod sync;

pub use generate::{GeneratedFile, Paths, generate, generate_extension};
pub use load::{SpecError, SpecErrors, load_dir, load_sources};
pub use model::Spec;
