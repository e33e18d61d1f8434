//! From a `(module, action)` name to the typed request type.
//!
//! Everything the CLI does with an action (send it, decode a saved body) is written once,
//! generically, as an [`ActionVisitor`]; this file is the only place that lists the actions.
//! `tests::every_action_is_dispatched` checks that it covers `ACTIONS`, so a new action in the
//! spec fails the build's tests until it is added here (or until the generator emits this match).

use dlspbx_core::{Action, dialer, example, reports, sms, status, subscribers};
use serde::Serialize;

/// Something done with one action type.
pub trait ActionVisitor {
    /// The result.
    type Output;
    /// An action whose response serializes with serde.
    fn visit<A: Action>(self) -> Self::Output
    where
        for<'a> A::Response<'a>: Serialize;
    /// The report action, whose response is a lazily decoded table.
    fn visit_report(self) -> Self::Output;
}

/// Calls `v` with the request type of `module.action`; `None` for an unknown pair.
pub fn dispatch<V: ActionVisitor>(module: &str, action: &str, v: V) -> Option<V::Output> {
    Some(match (module, action) {
        ("example", "test") => v.visit::<example::TestRequest>(),
        ("dialer", "add_contact_list") => v.visit::<dialer::AddContactListRequest>(),
        ("dialer", "add_contact") => v.visit::<dialer::AddContactRequest>(),
        ("reports", "report") => v.visit_report(),
        ("status", "users") => v.visit::<status::UsersRequest>(),
        ("status", "queues") => v.visit::<status::QueuesRequest>(),
        ("status", "calls") => v.visit::<status::CallsRequest>(),
        ("status", "faxes") => v.visit::<status::FaxesRequest>(),
        ("status", "conferences") => v.visit::<status::ConferencesRequest>(),
        ("status", "provisioning") => v.visit::<status::ProvisioningRequest>(),
        ("status", "dialer") => v.visit::<status::DialerRequest>(),
        ("status", "dialerlogs") => v.visit::<status::DialerlogsRequest>(),
        ("sms", "send_sms") => v.visit::<sms::SendSmsRequest>(),
        ("sms", "query_sms") => v.visit::<sms::QuerySmsRequest>(),
        ("subscribers", "query_lists") => v.visit::<subscribers::QueryListsRequest>(),
        ("subscribers", "add_subscriber") => v.visit::<subscribers::AddSubscriberRequest>(),
        ("subscribers", "remove_subscriber") => v.visit::<subscribers::RemoveSubscriberRequest>(),
        ("subscribers", "add_unsubscriber") => v.visit::<subscribers::AddUnsubscriberRequest>(),
        ("subscribers", "remove_unsubscriber") => {
            v.visit::<subscribers::RemoveUnsubscriberRequest>()
        }
        _ => return None,
    })
}

/// The type used by the report arm, so that its name is checked against the visitor.
pub type ReportAction = reports::ReportRequest;

#[cfg(test)]
mod tests {
    use super::*;

    struct Name;
    impl ActionVisitor for Name {
        type Output = (&'static str, &'static str);
        fn visit<A: Action>(self) -> Self::Output
        where
            for<'a> A::Response<'a>: Serialize,
        {
            (A::MODULE, A::NAME)
        }
        fn visit_report(self) -> Self::Output {
            (ReportAction::MODULE, ReportAction::NAME)
        }
    }

    #[test]
    fn every_action_is_dispatched() {
        for info in dlspbx_core::generated::ACTIONS {
            assert_eq!(
                dispatch(info.module, info.name, Name),
                Some((info.module, info.name)),
                "{}.{}",
                info.module,
                info.name
            );
        }
        assert_eq!(dispatch("status", "nope", Name), None);
    }
}
