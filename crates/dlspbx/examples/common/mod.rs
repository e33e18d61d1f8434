//! What every example shares: a client from the environment, or directions to the simulator.

use dlspbx::Client;

/// A client from `DLSPBX_URL`, `DLSPBX_API_USER` and `DLSPBX_API_KEY` (and the default config
/// file); `None`, after printing how to start the simulator, when `DLSPBX_URL` is not set.
pub fn client() -> Result<Option<Client>, dlspbx::Error> {
    if std::env::var_os("DLSPBX_URL").is_none() {
        let name = std::env::args().next().unwrap_or_default();
        let name = std::path::Path::new(&name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        eprintln!(
            "DLSPBX_URL is not set. To try this example against the simulator:\n\n\
             \x20 cargo run -p dlspbx-sim -- serve --listen 127.0.0.1:8080\n\n\
             It prints `listening on http://127.0.0.1:8080 (api_user=100@default api_key=KEY)`. Then:\n\n\
             \x20 export DLSPBX_URL=http://127.0.0.1:8080 DLSPBX_API_USER=100@default DLSPBX_API_KEY=KEY\n\
             \x20 cargo run -p dlspbx --example {name}\n"
        );
        return Ok(None);
    }
    Client::from_env().map(Some)
}
