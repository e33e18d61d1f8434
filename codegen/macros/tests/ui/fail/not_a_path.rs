dlspbx_macros::include_spec!(users);

fn main() {}
