//! SMS: send one, then page through the SMS record table.
//!
//! `cargo run -p dlspbx --example sms` (with `DLSPBX_URL`, `DLSPBX_API_USER`, `DLSPBX_API_KEY`
//! set). Sends an SMS to extension 100.

mod common;

use dlspbx::prelude::*;
use dlspbx::sms::{QuerySmsRequest, SendSmsRequest};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(client) = common::client()? else {
        return Ok(());
    };

    let sent = client
        .sms()
        .send_sms(SendSmsRequest::new(["100"], "Hello from the dlspbx SDK"))?;
    println!("sent: {sent:#?}");

    let mut count = 0;
    for page in client.sms_pages(QuerySmsRequest::new().results_limit(25)) {
        for record in page?.results {
            count += 1;
            println!(
                "{:>6} {} {:<10} {} -> {}: {}",
                record.id,
                record.timestamp,
                record.status,
                record.src_label,
                record.dst_label,
                record.message
            );
        }
    }
    println!("{count} records");
    Ok(())
}
