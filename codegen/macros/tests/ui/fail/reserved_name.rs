dlspbx_macros::include_spec!("tests/ui/specs/reserved_name.toml");

fn main() {}
