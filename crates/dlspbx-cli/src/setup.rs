//! `dlspbx config init`: asks for the server's URL, the API user and the key (not echoed),
//! checks them with the API's test action, and writes the config file with the key in a file
//! of its own beside it, both readable by the user only (0600).

use crate::conn::Globals;
use crate::error::{CliError, CliResult};
use crate::run::ask_yes;
use dlspbx::Client;
use dlspbx::example::TestRequest;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// The key file's name, beside the config file (its `api_key_file`, read relative to it).
const KEY_FILE: &str = "api-key";

/// Runs `config init`.
pub fn run(g: &Globals) -> CliResult<()> {
    if !(io::stdin().is_terminal() && io::stderr().is_terminal()) {
        return Err(CliError::usage(
            "config init asks for the URL, user and key, and there is no terminal to ask on; \
             write the config file yourself (keys: url, api_user, api_key_file, ...; see \
             `dlspbx --help`)",
        ));
    }
    let path = match &g.config {
        Some(p) => p.clone(),
        None => dlspbx::config::default_config_path().ok_or_else(|| {
            CliError::usage("no home directory for the config file; give --config PATH")
        })?,
    };
    if path.exists() && !ask_yes(&format!("{} exists. Replace it?", path.display()))? {
        return Err(CliError::usage(format!(
            "config init: {} was kept as it is",
            path.display()
        )));
    }
    let term = console::Term::stderr();
    let ask = |question: &str| -> io::Result<String> {
        term.write_str(question)?;
        Ok(term.read_line()?.trim().to_owned())
    };
    let url = ask("PBX URL (e.g. https://pbx.example.com): ")?;
    let user = ask("API user (extension, auth ID or extension@tenant): ")?;
    term.write_str("API key (not shown): ")?;
    let key = term.read_secure_line()?.trim().to_owned();
    let client = Client::builder()
        .base_url(url.clone())
        .api_user(user.clone())
        .api_key(key.clone())
        .build()
        .map_err(CliError::from)?;
    match client
        .call_raw(TestRequest::new())
        .and_then(|raw| raw.decode::<TestRequest>().map(|_| ()))
    {
        Ok(()) => eprintln!("dlspbx: OK: {url} accepts {user}"),
        Err(e) => {
            eprintln!("{}", CliError::from(e).message);
            if !ask_yes("The check failed. Save these settings anyway?")? {
                return Err(CliError::usage("config init: nothing was written"));
            }
        }
    }
    write_files(&path, &url, &user, &key)?;
    eprintln!(
        "dlspbx: wrote {} and its key file {} (readable by you only)",
        path.display(),
        key_path(&path).display()
    );
    Ok(())
}

fn key_path(config: &Path) -> PathBuf {
    config.with_file_name(KEY_FILE)
}

/// Writes the key file and the config file, each created readable by the user only.
fn write_files(path: &Path, url: &str, user: &str, key: &str) -> CliResult<()> {
    let cannot =
        |p: &Path, e: io::Error| CliError::usage(format!("cannot write {}: {e}", p.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| cannot(dir, e))?;
    }
    let quote = |s: &str| toml::Value::String(s.to_owned()).to_string();
    let text = format!(
        "# Written by `dlspbx config init`.\nurl = {}\napi_user = {}\napi_key_file = {}\n",
        quote(url),
        quote(user),
        quote(KEY_FILE)
    );
    let keyfile = key_path(path);
    private_write(&keyfile, format!("{key}\n").as_bytes()).map_err(|e| cannot(&keyfile, e))?;
    private_write(path, text.as_bytes()).map_err(|e| cannot(path, e))
}

/// Writes `bytes` to `path` (replacing it), with mode 0600 on Unix.
fn private_write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let mut file = options.open(path)?;
        // An existing file keeps its mode: set it.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(bytes)
    }
    #[cfg(not(unix))]
    {
        options.open(path)?.write_all(bytes)
    }
}
