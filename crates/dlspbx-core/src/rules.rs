//! Validation rules named in spec/rules.toml.
