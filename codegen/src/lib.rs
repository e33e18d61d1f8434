//! The dlspbx spec toolchain: the spec model ([`model`]), the loader and validator ([`load`])
//! and the Rust generator ([`generate`]). Used by `cargo xtask codegen` and by tests.

pub mod generate;
pub mod load;
pub mod model;
pub mod sync;

pub use generate::{generate, GeneratedFile};
pub use load::{load_dir, load_sources, SpecError, SpecErrors};
pub use model::Spec;
