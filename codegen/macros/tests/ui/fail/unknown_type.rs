dlspbx_macros::include_spec!("tests/ui/specs/unknown_type.toml");

fn main() {}
