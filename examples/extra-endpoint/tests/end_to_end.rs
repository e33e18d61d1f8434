//! The extension's action, called through both clients against the simulator, in every
//! format; validation and errors behave as for the SDK's own actions.

use dlspbx::{Caller, Client, Error, Format};
use dlspbx_example_extra_endpoint::sim_extras;
use dlspbx_example_extra_endpoint::users::{self, ListUsersRequest, UsersExt};
use dlspbx_sim::{Sim, SimConfig};
use std::sync::OnceLock;

fn sim() -> &'static Sim {
    static SIM: OnceLock<Sim> = OnceLock::new();
    SIM.get_or_init(|| {
        let config = SimConfig {
            cdrs: 10,
            ..SimConfig::default()
        };
        Sim::start_with_extras(config, sim_extras()).expect("the simulator starts")
    })
}

fn client(format: Format) -> Client {
    let sim = sim();
    Client::builder()
        .base_url(sim.url())
        .api_user(sim.api_user())
        .api_key(sim.api_key())
        .format(format)
        .build()
        .unwrap()
}

#[test]
fn the_blocking_client_calls_the_new_action_in_every_data_format() {
    for format in [Format::Json, Format::Xml, Format::Yaml, Format::Csv] {
        let listed = client(format)
            .users()
            .list_users(ListUsersRequest::new())
            .unwrap();
        let exts: Vec<&str> = listed.users.iter().map(|u| u.ext.as_ref()).collect();
        assert_eq!(
            exts,
            [
                "69", "100", "101", "102", "103", "104", "105", "630", "635", "985"
            ],
            "{format}"
        );
        let tom = listed.users.iter().find(|u| u.ext == "630").unwrap();
        assert_eq!(
            (tom.name.as_ref(), tom.authid.as_ref()),
            ("Tom", "beaucrn6"),
            "{format}"
        );
    }
}

#[test]
fn the_async_client_calls_the_new_action() {
    let sim = sim();
    let client = dlspbx_async::Client::builder()
        .base_url(sim.url())
        .api_user(sim.api_user())
        .api_key(sim.api_key())
        .format(Format::Xml)
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let found = runtime
        .block_on(
            client
                .users()
                .list_users(ListUsersRequest::new().search("JER")),
        )
        .unwrap();
    let names: Vec<&str> = found.users.iter().map(|u| u.name.as_ref()).collect();
    assert_eq!(names, ["Jerry", "Jerma"]);
    // `Caller::call` takes the request value as well.
    let all = runtime
        .block_on(client.call(ListUsersRequest::new()))
        .unwrap();
    assert_eq!(all.users.len(), 10);
}

#[test]
fn requests_are_validated_by_the_sdk_rules_before_sending() {
    let err = client(Format::Json)
        .users()
        .list_users(ListUsersRequest::new().search("x".repeat(41)))
        .unwrap_err();
    match err {
        Error::Invalid(e) => assert_eq!((e.field.as_str(), e.rule), ("search", "max_chars")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn plain_text_carries_no_user_list() {
    let err = client(Format::Plain)
        .users()
        .list_users(ListUsersRequest::new())
        .unwrap_err();
    assert!(err.to_string().contains("json"), "{err}");
}

#[test]
fn the_simulator_authenticates_and_routes_extra_actions_like_its_own() {
    let sim = sim();
    let wrong = Client::builder()
        .base_url(sim.url())
        .api_user(sim.api_user())
        .api_key("wrong")
        .build()
        .unwrap();
    match wrong.users().list_users(ListUsersRequest::new()) {
        Err(Error::Server { message }) => assert_eq!(message, "Invalid API credentials"),
        other => panic!("{other:?}"),
    }
    // Another tenant's user sees its own tenant's users.
    let acme = Client::builder()
        .base_url(sim.url())
        .api_user("100@acme")
        .api_key(sim.key_of("100@acme").unwrap())
        .build()
        .unwrap();
    let listed = acme.users().list_users(ListUsersRequest::new()).unwrap();
    assert!(!listed.users.is_empty() && listed.users.iter().all(|u| u.authid != "beaucrn6"));
    // The spec's description travels with the module.
    assert_eq!(users::ACTIONS[0].file, "users.php");
    assert_eq!(users::ACTIONS[0].request[0].rule, Some("max_chars(40)"));
}
