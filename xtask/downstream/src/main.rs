//! A downstream crate built from the packaged sources of every publishable crate (`cargo xtask
//! package-check`): a file missing from a `.crate` fails here before users see it.
//!
//! - `dlspbx-core`: a golden example of the docs (`status.queues`, JSON) decodes;
//! - `dlspbx-macros` and `dlspbx-codegen` (with the spec it embeds): `include_spec!` expands a
//!   spec file of this crate's own;
//! - `dlspbx-sim`: the simulator starts and serves the extension too;
//! - `dlspbx` and `dlspbx-async`: both clients call it;
//! - `dlspbx-cli`: its library links (xtask also runs the packaged `dlspbx` binary).

dlspbx::include_spec!("users.toml");

use dlspbx::sans_io::Str;
use dlspbx::{Client, Format, Modules};
use dlspbx_sim::api::AuthUser;
use dlspbx_sim::{Extras, Sim, SimConfig};
use users::UsersExt;

struct SimUsers;

impl users::Handler for SimUsers {
    type Context = AuthUser;
    type Error = dlspbx_sim::ApiError;

    fn list_users(
        &self,
        user: &AuthUser,
        _request: users::ListUsersRequest,
    ) -> Result<users::ListUsersResponse<'static>, Self::Error> {
        let users = dlspbx_sim::world::users_of(&user.tenant)
            .map(|u| users::User { ext: Str::from(u.ext), name: Str::from(u.name), authid: Str::from(u.authid) })
            .collect();
        Ok(users::ListUsersResponse { users })
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let golden = include_bytes!("../status.queues.response.json");
    let queues = dlspbx::sans_io::http::decode::<dlspbx::status::QueuesRequest>(Format::Json, 200, golden)?;
    assert!(!queues.queues.is_empty(), "the golden example has queues");

    let sim = Sim::start_with_extras(SimConfig::default(), Extras::new().with(users::Server(SimUsers)))?;
    let client = Client::builder().base_url(sim.url()).api_user(sim.api_user()).api_key(sim.api_key()).build()?;
    let live = client.status().queues()?;
    let listed = client.users().list_users(users::ListUsersRequest::new())?;
    assert!(!listed.users.is_empty(), "the simulator has users");

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let async_client =
        dlspbx_async::Client::builder().base_url(sim.url()).api_user(sim.api_user()).api_key(sim.api_key()).build()?;
    let async_live = runtime.block_on(async_client.status().queues())?;
    assert_eq!(live.queues.len(), async_live.queues.len());

    // The CLI's library links; its binary is run by xtask.
    let _ = dlspbx_cli::EXIT_INTERNAL;

    println!(
        "downstream crate: golden example {} queues, simulator {} queues and {} users over both clients",
        queues.queues.len(),
        live.queues.len(),
        listed.users.len()
    );
    Ok(())
}
