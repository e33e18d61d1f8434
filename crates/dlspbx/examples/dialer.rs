//! The predictive dialer: create a contact list, add a contact, read the campaigns.
//!
//! `cargo run -p dlspbx --example dialer` (with `DLSPBX_URL`, `DLSPBX_API_USER`,
//! `DLSPBX_API_KEY` set). Writes to the PBX: it creates a contact list.

mod common;

use dlspbx::dialer::{AddContactListRequest, AddContactRequest};
use dlspbx::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(client) = common::client()? else {
        return Ok(());
    };

    let list = client
        .dialer()
        .add_contact_list(AddContactListRequest::new("SDK example leads"))?;
    println!("created contact list {}", list.id);

    let contact = AddContactRequest::new(list.id.to_string(), "8153556261")
        .first_name("Ann")
        .last_name("Example")
        .company_name("Acme Plumbing & Heating")
        .city("Rockford")
        .state("IL");
    // Validation happens before anything is sent: a bad phone number or state is an
    // `Error::Invalid` naming the field, the value and the rule.
    let added = client.dialer().add_contact(contact)?;
    println!("added contact {}", added.id);

    println!("campaigns: {:#?}", client.status().dialer()?);
    Ok(())
}
