dlspbx_macros::include_spec!("tests/ui/specs/toml_syntax.toml");

fn main() {}
