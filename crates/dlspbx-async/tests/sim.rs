//! Every action through the async client against the simulator.

#[macro_use]
#[path = "../../dlspbx/tests/support/mod.rs"]
mod support;

use dlspbx_async::prelude::*;
use dlspbx_sim::Sim;

#[tokio::test]
async fn every_action_in_every_format_and_encoding() {
    let sim = Sim::start().unwrap();
    let client = Client::builder()
        .base_url(sim.url())
        .api_user(sim.api_user())
        .api_key(sim.api_key())
        .build()
        .unwrap();
    for encoding in [Encoding::Form, Encoding::Json, Encoding::Xml] {
        let client = client.with_encoding(encoding);
        for format in Format::ALL {
            sim_scenario!(client, format, .await);
        }
    }
}
