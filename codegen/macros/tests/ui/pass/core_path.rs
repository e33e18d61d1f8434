// The path to the core can be given, for crates that reach it through a re-export.
dlspbx_macros::include_spec!("tests/ui/specs/good.toml", core = ::dlspbx_core);

fn main() {
    use dlspbx_core::params::Validate;
    assert!(users::AddUserRequest::new("100").validate().is_ok());
}
