//! Live status: users, queues and active calls.
//!
//! `cargo run -p dlspbx --example status` (with `DLSPBX_URL`, `DLSPBX_API_USER`,
//! `DLSPBX_API_KEY` set).

mod common;

use dlspbx::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(client) = common::client()? else {
        return Ok(());
    };

    let users = client.status().users()?;
    println!("{} users:", users.users.len());
    for user in &users.users {
        println!(
            "  {:>5} {:<24} {}",
            user.ext.as_str(),
            user.user.as_str(),
            user.status
        );
    }

    // Any call can ask for another format; the clone shares the connection pool.
    let queues = client.with_format(Format::Xml).status().queues()?;
    println!("{} queues:", queues.queues.len());
    for (name, queue) in &queues.queues {
        println!(
            "  {:<16} waiting {:>3}  complete {:>4}  lost {:>3}  agents {}",
            name.as_str(),
            queue.waiting,
            queue.complete,
            queue.lost,
            queue.agents.len()
        );
    }

    println!("active calls: {:#?}", client.status().calls()?);
    Ok(())
}
