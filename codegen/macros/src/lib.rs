//! `include_spec!`: typed endpoints for API actions the dlspbx spec does not have yet.
//!
//! The vendor adds API methods on request. Describe such a method in a spec file of your own,
//! in the same language as the SDK's `spec/*.toml` (one module file), and
//! `include_spec!("my-extra.toml")` expands, through the same generator as the SDK's own
//! code, into a module with:
//!
//! - a request builder per action (`ListUsersRequest::new(..)` with the required fields,
//!   setters for the others) validated by the SDK's rules before anything is sent, and a
//!   response type per action (`ListUsersResponse<'a>`, decoding every format the API speaks);
//! - the `Endpoint` impls, so `client.call(request)` works on both clients;
//! - an extension trait (`UsersExt` for a module named `users`) implemented for every
//!   `Caller`, the blocking `dlspbx::Client` and the async `dlspbx_async::Client` alike:
//!   `client.users().list_users()`;
//! - the server side: a `Handler` trait with one method per action, `dispatch`, and
//!   `Server<H>`, which a server such as the simulator registers to answer the new actions;
//! - `MODULE` and `ACTIONS`, the spec's description of the module and its actions.
//!
//! ```ignore
//! dlspbx_macros::include_spec!("specs/users.toml");
//!
//! use users::UsersExt;
//! let listed = client.users().list_users(users::ListUsersRequest::new().tenant("default"))?;
//! ```
//!
//! # The path
//!
//! The path is resolved against the directory of the crate's `Cargo.toml`
//! (`CARGO_MANIFEST_DIR`), so it does not depend on where the macro is called from; the crate
//! is rebuilt when the file changes.
//!
//! # The spec file
//!
//! A module file, as documented in the SDK's `spec/README.md`: `[module]` (`name`, `file`,
//! `doc`), `[[action]]` with `[[action.request]]` and `[[action.response]]` fields, `[[type]]`
//! and `[[enum]]`. It may use every validation rule of the SDK's `spec/rules.toml`
//! (`rule = "nanp_phone"`) and refer to the SDK's enums and types (`enum:SmsDirection`). The
//! report tables, `decoder`, `report_rows` and `check` are the core's only.
//!
//! # Errors
//!
//! A mistake in the spec file is a compile error at the macro call that names the file, the
//! line and the column, and says what is wrong:
//!
//! ```text
//! error: specs/users.toml:14:8: field `phone`: unknown type `strng`; expected string, int, ...
//! ```
//!
//! # Where the core is
//!
//! The generated code refers to the core crate as `::dlspbx_core`, so the calling crate
//! depends on `dlspbx-core`. Another path can be given: `include_spec!("users.toml", core =
//! ::dlspbx::sans_io)`. The calling crate needs neither serde nor serde_json.

#![warn(missing_docs)]

use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::quote;
use std::path::PathBuf;
use syn::parse::{Parse, ParseStream};
use syn::{LitStr, Token};

/// Overrides `CARGO_MANIFEST_DIR` as the base of relative spec paths. For the macro's own
/// UI tests, which trybuild compiles in a generated crate elsewhere; not for general use.
const MANIFEST_DIR_OVERRIDE: &str = "DLSPBX_MACROS_MANIFEST_DIR";

struct Args {
    path: LitStr,
    core: Option<syn::Path>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let path: LitStr = input.parse().map_err(|e| {
            syn::Error::new(e.span(), "expected the spec file's path as a string literal: `include_spec!(\"specs/users.toml\")`")
        })?;
        let mut core = None;
        if input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            let key: syn::Ident = input.parse()?;
            if key != "core" {
                return Err(syn::Error::new(
                    key.span(),
                    "unknown option; the only option is `core = <path to dlspbx_core>`",
                ));
            }
            input.parse::<Token![=]>()?;
            core = Some(input.call(syn::Path::parse_mod_style)?);
            input.parse::<Option<Token![,]>>()?;
        }
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the spec file's path"));
        }
        Ok(Args { path, core })
    }
}

/// Expands a spec file of your own into a module of typed endpoints: see the
/// [crate documentation](crate).
///
/// `include_spec!("specs/users.toml")` or `include_spec!("specs/users.toml", core = path)`.
#[proc_macro]
pub fn include_spec(input: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(input as Args);
    expand(args).unwrap_or_else(|e| e.to_compile_error()).into()
}

fn expand(args: Args) -> syn::Result<proc_macro2::TokenStream> {
    let shown = args.path.value();
    let span = args.path.span();
    let base = std::env::var_os(MANIFEST_DIR_OVERRIDE)
        .or_else(|| std::env::var_os("CARGO_MANIFEST_DIR"))
        .map(PathBuf::from)
        .unwrap_or_default();
    let full = base.join(&shown);
    let text = std::fs::read_to_string(&full).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_owned(),
            _ => e.to_string(),
        };
        syn::Error::new(span, format!("cannot read the spec file `{shown}`: {why} (the path is relative to the crate's Cargo.toml)"))
    })?;
    let core = match &args.core {
        Some(p) => quote!(#p),
        None => quote!(::dlspbx_core),
    };
    let module = dlspbx_codegen::extension::expand(&shown, &text, core).map_err(|errors| {
        let mut all: Option<syn::Error> = None;
        for e in errors.0 {
            let one = syn::Error::new(span, e.to_string());
            match &mut all {
                Some(a) => a.combine(one),
                None => all = Some(one),
            }
        }
        all.unwrap_or_else(|| syn::Error::new(Span::call_site(), "the spec file has mistakes"))
    })?;
    // Rebuild when the spec file changes.
    let track = full
        .canonicalize()
        .unwrap_or(full)
        .to_string_lossy()
        .into_owned();
    Ok(quote! {
        #module
        const _: &[u8] = include_bytes!(#track);
    })
}
