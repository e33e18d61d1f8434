dlspbx_macros::include_spec!("tests/ui/specs/unknown_rule.toml");

fn main() {}
