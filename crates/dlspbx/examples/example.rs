//! Checks the URL, the credentials and every response format with `example.php?api_action=test`.
//!
//! `cargo run -p dlspbx --example example` (with `DLSPBX_URL`, `DLSPBX_API_USER`,
//! `DLSPBX_API_KEY` set).

mod common;

use dlspbx::example::TestRequest;
use dlspbx::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(client) = common::client()? else {
        return Ok(());
    };

    // The owned response: the usual way.
    let answer = client.example().test()?;
    println!("credentials accepted: {:?}", answer.example_data.as_deref());

    // The same call in every format. Plain text carries only a status, so it has no data.
    for format in Format::ALL {
        match client.with_format(format).example().test() {
            Ok(answer) => println!("{format:>5}: {:?}", answer.example_data.as_deref()),
            Err(e) => println!("{format:>5}: {e}"),
        }
    }

    // Zero-copy: keep the body, decode a response that borrows from it.
    let raw = client.call_raw(TestRequest::new())?;
    let borrowed = raw.decode::<TestRequest>()?;
    println!(
        "HTTP {} ({} bytes), borrowed: {:?}",
        raw.status,
        raw.body.len(),
        borrowed.example_data.as_deref()
    );
    Ok(())
}
