dlspbx_macros::include_spec!("tests/ui/specs/duplicate_field.toml");

fn main() {}
