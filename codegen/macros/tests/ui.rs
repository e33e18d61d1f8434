//! UI tests of `include_spec!`: a good spec compiles (and its code runs), and each class of
//! spec mistake gives its compile error (the checked-in `.stderr` files).

#[test]
fn ui() {
    // trybuild compiles the cases in a crate of its own under target/, so spec paths are
    // resolved against this crate's directory through the macro's override variable.
    // SAFETY: this is the only test of this binary, and no other thread runs yet.
    unsafe { std::env::set_var("DLSPBX_MACROS_MANIFEST_DIR", env!("CARGO_MANIFEST_DIR")) };
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
