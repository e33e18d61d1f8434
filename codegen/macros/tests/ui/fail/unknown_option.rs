dlspbx_macros::include_spec!("tests/ui/specs/good.toml", krate = ::dlspbx_core);

fn main() {}
