dlspbx_macros::include_spec!("tests/ui/specs/no_such_file.toml");

fn main() {}
