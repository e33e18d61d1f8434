//! Actions beyond the spec's: what `dlspbx_macros::include_spec!` extensions add. An
//! extension's generated `Server<H>` (its `Handler` as a
//! [`Dispatch`] object) is registered with [`Sim::start_with_extras`](crate::Sim::start_with_extras);
//! the simulator then routes its `file?api_action=` pairs to it, after authenticating the
//! request like any other, and answers every error the same way (status 200, error shape).

use crate::ApiError;
use crate::api::AuthUser;
use dlspbx_core::generated::server::Dispatch;
use std::fmt;
use std::sync::Arc;

/// The extra action sets a simulator serves, in registration order (the first that claims
/// a `file?api_action=` pair answers it; the spec's own actions come after them).
#[derive(Clone, Default)]
pub struct Extras(Vec<Arc<dyn Dispatch<AuthUser, ApiError>>>);

impl Extras {
    /// No extra actions.
    pub fn new() -> Self {
        Extras::default()
    }

    /// Adds an action set, such as `users::Server(MyUsers)` from `include_spec!`.
    pub fn with(mut self, routes: impl Dispatch<AuthUser, ApiError> + 'static) -> Self {
        self.0.push(Arc::new(routes));
        self
    }

    /// The action set that answers `file?api_action=action`, if any.
    pub fn find(&self, file: &str, action: &str) -> Option<&dyn Dispatch<AuthUser, ApiError>> {
        self.0
            .iter()
            .find(|d| {
                d.actions()
                    .iter()
                    .any(|a| a.file == file && a.name == action)
            })
            .map(|d| d.as_ref())
    }

    /// Every `(file, api_action)` served.
    pub fn actions(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.0
            .iter()
            .flat_map(|d| d.actions().iter().map(|a| (a.file, a.name)))
    }
}

impl fmt::Debug for Extras {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.actions()
                    .map(|(file, action)| format!("{file}?api_action={action}")),
            )
            .finish()
    }
}
