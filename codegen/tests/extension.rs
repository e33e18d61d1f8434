//! Extension specs (`include_spec!`): loaded next to the embedded core spec, with the
//! extension's restrictions, and generated as one self-contained module.

use dlspbx_codegen::extension::{CORE_MODULES, RULES, expand, load_extension};
use dlspbx_codegen::load::MODULES;
use quote::quote;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

const HEADER: &str = "[module]\nname = \"users\"\nfile = \"users.php\"\ndoc = \"Users.\"\n\n[[action]]\nname = \"list_users\"\nsummary = \"List users.\"\nidempotent = true\nplain = \"status\"\ncsv = \"keys\"\n";

fn errors(text: &str) -> String {
    match load_extension("specs/users.toml", text) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

fn generated(text: &str) -> String {
    let tokens =
        expand("specs/users.toml", text, quote!(::dlspbx_core)).unwrap_or_else(|e| panic!("{e}"));
    let file: syn::File = syn::parse2(tokens).expect("the expansion is valid Rust");
    prettyplease::unparse(&file)
}

#[test]
fn the_embedded_core_spec_is_the_spec_directory() {
    assert_eq!(
        std::fs::read_to_string(root().join(RULES.0)).unwrap(),
        RULES.1
    );
    for ((path, text), module) in CORE_MODULES.iter().zip(MODULES) {
        assert_eq!(*path, format!("spec/{module}.toml"));
        assert_eq!(&std::fs::read_to_string(root().join(path)).unwrap(), text);
    }
}

#[test]
fn the_example_spec_expands_to_one_module_with_client_and_server_sides() {
    let text = std::fs::read_to_string(root().join("examples/extra-endpoint/users.toml")).unwrap();
    let code = generated(&text);
    for item in [
        "pub mod users {",
        "pub struct ListUsersRequest",
        "pub struct ListUsersResponse<'a>",
        "pub struct User<'a>",
        "impl Endpoint for ListUsersRequest",
        "pub struct UsersGroup<'c, C: ?Sized>(&'c C);",
        "pub trait UsersExt: Caller",
        "impl<C: Caller + ?Sized> UsersExt for C {}",
        "pub trait Handler",
        "pub fn dispatch<H: Handler>(",
        "pub struct Server<H>(pub H);",
        "::dlspbx_core::generated::server::Dispatch<H::Context, E>",
        "pub static ACTIONS: &[&ActionInfo]",
        "#[serde(crate = \"__dlspbx_serde\")]",
        "::dlspbx_core::rules::max_chars(v, 40)",
    ] {
        assert!(code.contains(item), "missing `{item}` in:\n{code}");
    }
    assert!(
        !code.contains("crate::"),
        "no path may be crate-relative in a downstream crate:\n{code}"
    );
}

#[test]
fn own_names_shadow_the_core_and_core_names_resolve_to_the_core() {
    // `User` is also a type of the core's status module; `Queue` and `SmsDirection` only are.
    let text = format!(
        "{HEADER}\n[[action.request]]\nname = \"direction\"\ntype = \"enum:SmsDirection\"\ndoc = \"D.\"\n\n\
         [[action.response]]\nname = \"users\"\ntype = \"list<User>\"\ndoc = \"U.\"\n\n\
         [[action.response]]\nname = \"queues\"\ntype = \"map<Queue>\"\ndoc = \"Q.\"\n\n\
         [[type]]\nname = \"User\"\ndoc = \"Mine.\"\n\n[[type.field]]\nname = \"ext\"\ntype = \"string\"\ndoc = \"E.\"\n"
    );
    let code = generated(&text);
    assert!(code.contains("pub users: Vec<User<'a>>"), "{code}");
    assert!(
        code.contains("pub queues: KeyedList<'a, ::dlspbx_core::generated::status::Queue<'a>>"),
        "{code}"
    );
    assert!(
        code.contains("pub direction: Option<::dlspbx_core::generated::sms::SmsDirection>"),
        "{code}"
    );
}

#[test]
fn actions_may_join_a_core_file_but_not_repeat_a_core_action() {
    let extra = HEADER
        .replace("users.php", "status.php")
        .replace("list_users", "agents");
    assert_eq!(errors(&extra), "");
    let clash = HEADER
        .replace("users.php", "status.php")
        .replace("list_users", "queues");
    let err = errors(&clash);
    assert!(err.contains("specs/users.toml:7:8: action `queues` of status.php is already defined in spec/status.toml"), "{err}");
    let module = HEADER.replace("name = \"users\"", "name = \"status\"");
    assert!(errors(&module).contains("duplicate module `status`"));
}

#[test]
fn core_only_features_are_refused() {
    let err = errors(&format!("{HEADER}decoder = \"report\"\n"));
    assert!(err.contains("specs/users.toml:12:11: action `list_users`: a purpose-built `decoder` exists only in the core"), "{err}");
    let err = errors(&format!(
        "{HEADER}\n[[action.response]]\nname = \"rows\"\ntype = \"report_rows\"\ndoc = \"R.\"\n"
    ));
    assert!(
        err.contains("`report_rows` is the core's report table"),
        "{err}"
    );
    let err = errors(&format!(
        "{HEADER}\n[[column]]\nname = \"x\"\nlabel = \"X\"\ncell = \"text\"\ndoc = \"X.\"\n"
    ));
    assert!(
        err.contains("[[column]] tables belong to the core's reports module"),
        "{err}"
    );
    let err = errors(&format!(
        "{HEADER}\n[[type]]\nname = \"Handler\"\ndoc = \"H.\"\n"
    ));
    assert!(
        err.contains("type name `Handler` is taken by the generated code"),
        "{err}"
    );
    let err = errors(&format!(
        "{HEADER}\n[[type]]\nname = \"ListUsersResponse\"\ndoc = \"H.\"\n"
    ));
    assert!(
        err.contains("type name `ListUsersResponse` is taken"),
        "{err}"
    );
}

#[test]
fn a_core_type_used_in_the_wrong_direction_is_blamed_on_the_extension() {
    // `FilterGroup` is a request record of the core's reports module.
    let err = errors(&format!(
        "{HEADER}\n[[action.response]]\nname = \"groups\"\ntype = \"list<FilterGroup>\"\ndoc = \"G.\"\n"
    ));
    assert_eq!(
        err,
        "specs/users.toml:15:8: field `groups`: type `FilterGroup` of module `reports` is a request type and cannot be used in a response"
    );
}

#[test]
fn spec_mistakes_point_at_the_extension_file() {
    let err = errors(&format!(
        "{HEADER}\n[[action.request]]\nname = \"p\"\ntype = \"string\"\nrule = \"nanp\"\ndoc = \"P.\"\n"
    ));
    assert_eq!(
        err,
        "specs/users.toml:16:8: field `p`: unknown rule `nanp`; did you mean `nanp_phone`? (rules are defined in spec/rules.toml)"
    );
    let err = errors("[module\nname = 1");
    assert!(err.starts_with("specs/users.toml:1:"), "{err}");
}
