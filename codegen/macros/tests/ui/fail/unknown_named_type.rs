dlspbx_macros::include_spec!("tests/ui/specs/unknown_named_type.toml");

fn main() {}
