//! Starts the simulator with the `users.php` extension and calls `list_users` through the
//! blocking and the async client.

use dlspbx::Client;
use dlspbx_example_extra_endpoint::sim_extras;
use dlspbx_example_extra_endpoint::users::{ListUsersRequest, UsersExt};
use dlspbx_sim::{Sim, SimConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Sim::start_with_extras(SimConfig::default(), sim_extras())?;

    let client = Client::builder()
        .base_url(sim.url())
        .api_user(sim.api_user())
        .api_key(sim.api_key())
        .build()?;
    let listed = client.users().list_users(ListUsersRequest::new())?;
    println!("blocking client: {} users", listed.users.len());
    for u in &listed.users {
        println!("  {} {} ({})", u.ext, u.name, u.authid);
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let async_client = dlspbx_async::Client::builder()
        .base_url(sim.url())
        .api_user(sim.api_user())
        .api_key(sim.api_key())
        .build()?;
    let found = runtime.block_on(
        async_client
            .users()
            .list_users(ListUsersRequest::new().search("tom")),
    )?;
    println!(
        "async client, search \"tom\": {:?}",
        found
            .users
            .iter()
            .map(|u| u.name.as_ref())
            .collect::<Vec<_>>()
    );
    Ok(())
}
