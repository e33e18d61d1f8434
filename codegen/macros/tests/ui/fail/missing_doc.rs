dlspbx_macros::include_spec!("tests/ui/specs/missing_doc.toml");

fn main() {}
