//! SMS consent lists: read the opt-in and opt-out lists, add and remove a subscriber.
//!
//! `cargo run -p dlspbx --example subscribers` (with `DLSPBX_URL`, `DLSPBX_API_USER`,
//! `DLSPBX_API_KEY` set). Adds a number to the first campaign's opt-in list, then removes it.

mod common;

use dlspbx::prelude::*;
use dlspbx::subscribers::{AddSubscriberRequest, RemoveSubscriberRequest};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(client) = common::client()? else {
        return Ok(());
    };

    let lists = client.subscribers().query_lists()?;
    for list in &lists.optin {
        println!(
            "opt-in  {} ({}): {} subscribers",
            list.campaign_id, list.campaign_name, list.total_subscribers
        );
    }
    for list in &lists.optout {
        println!(
            "opt-out tenant {} ({}): {} numbers",
            list.tenant_id, list.tenant_name, list.total_unsubscribers
        );
    }

    let Some(campaign) = lists.optin.first().map(|l| l.campaign_id.to_string()) else {
        println!("no campaign to subscribe to");
        return Ok(());
    };
    let number = "2125550123";
    client
        .subscribers()
        .add_subscriber(AddSubscriberRequest::new(number, campaign.as_str()))?;
    println!("subscribed {number} to {campaign}");
    client
        .subscribers()
        .remove_subscriber(RemoveSubscriberRequest::new(number, campaign.as_str()))?;
    println!("unsubscribed {number} from {campaign}");
    Ok(())
}
