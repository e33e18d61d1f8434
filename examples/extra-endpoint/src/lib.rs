//! A downstream crate that adds an API action the SDK's spec does not have yet.
//!
//! `users.toml` describes `users.php?api_action=list_users` in the spec language of the SDK;
//! `include_spec!` turns it into the module [`users`]: `ListUsersRequest` (validated by the
//! SDK's `max_chars` rule), `ListUsersResponse`, `User`, the `Endpoint` impl, the extension
//! trait [`users::UsersExt`] that gives both clients `client.users().list_users(..)`, and the
//! server side ([`users::Handler`], [`users::Server`]).
//!
//! [`SimUsers`] answers the action in the simulator from its demo data, so the example runs
//! end to end: see `src/main.rs` and `tests/end_to_end.rs`.

dlspbx::include_spec!("users.toml");

use dlspbx::sans_io::Str;
use dlspbx_sim::api::AuthUser;

/// The simulator's answer to `users.php?api_action=list_users`: the users of the caller's
/// tenant from the simulator's demo data, filtered by `search`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimUsers;

impl users::Handler for SimUsers {
    type Context = AuthUser;
    type Error = dlspbx_sim::ApiError;

    fn list_users(
        &self,
        user: &AuthUser,
        request: users::ListUsersRequest,
    ) -> Result<users::ListUsersResponse<'static>, Self::Error> {
        let search = request.search.unwrap_or_default().to_lowercase();
        let mut found: Vec<_> = dlspbx_sim::world::users_of(&user.tenant)
            .filter(|u| u.ext.contains(&search) || u.name.to_lowercase().contains(&search))
            .collect();
        found.sort_by_key(|u| (u.ext.len(), u.ext));
        let users = found
            .into_iter()
            .map(|u| users::User {
                ext: Str::from(u.ext),
                name: Str::from(u.name),
                authid: Str::from(u.authid),
            })
            .collect();
        Ok(users::ListUsersResponse { users })
    }
}

/// The simulator's extra actions: [`SimUsers`] as a routing object.
pub fn sim_extras() -> dlspbx_sim::Extras {
    dlspbx_sim::Extras::new().with(users::Server(SimUsers))
}
