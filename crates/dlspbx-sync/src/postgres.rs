//! The Postgres sink: each batch is streamed with `COPY … FROM STDIN (FORMAT binary)` into a
//! temporary staging table, then upserted with `INSERT … ON CONFLICT` in the same
//! transaction as the watermark. A session advisory lock (`pg_try_advisory_lock`) keeps a
//! second sync off the same table, and dies with the connection.
//!
//! Tables (in [`PgOptions::schema`] when given, else the connection's `search_path`):
//! - `cdrs`: `source`, then one column per report column (`bigint` for counts and durations
//!   in seconds, `boolean` for Yes/No flags, `timestamptz` for dates, `text[]` for lists,
//!   `text` otherwise), with the primary key `(source, unique_id)`;
//! - `cdr_sync_state`: one watermark per source and filter set;
//! - `cdr_sync_runs`: one row per run.
//!
//! The password comes from the URL, else [`PgOptions::password_file`], else `PGPASSWORD`,
//! else the password file (`PGPASSFILE`, or `~/.pgpass`), as libpq looks for it; it is never
//! logged, shown in an error or stored. `sslmode` is libpq's: `disable`, `prefer` (the
//! default: TLS when the server offers it), `require` (TLS, the certificate not checked, as
//! libpq does without a root certificate), `verify-full` (TLS with the certificate checked
//! against `sslrootcert`, or the webpki roots, and the host name). TLS is rustls with ring,
//! as the API clients use.

use crate::error::TargetProblem;
use crate::{
    BatchCounts, BatchInfo, Opened, RowWriter, RunRange, RunStatus, Sink, SyncError, SyncKey, Value,
};
use ::postgres::binary_copy::BinaryCopyInWriter;
use ::postgres::config::{Host, SslMode};
use ::postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use ::postgres::{Client, Config};
use bytes::BytesMut;
use dlspbx::CellType;
use dlspbx::reports::Column;
use jiff::Timestamp;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio_postgres_rustls::MakeRustlsConnect;

/// How to reach the database, beyond its URL.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct PgOptions {
    /// The schema of the tables (created when missing); `None`: the `search_path`.
    pub schema: Option<String>,
    /// A file holding the password (its first line), when the URL has none.
    pub password_file: Option<PathBuf>,
}

impl PgOptions {
    /// The tables in `schema`.
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// The password read from `path`.
    pub fn password_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.password_file = Some(path.into());
        self
    }
}

/// A Postgres database that receives CDRs. See the module docs.
pub struct PostgresSink {
    client: Client,
    target: String,
    prefix: String,
    key: Option<SyncKey>,
    columns: Vec<Column>,
    types: Vec<Type>,
    run: Option<i64>,
}

impl std::fmt::Debug for PostgresSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresSink")
            .field("target", &self.target)
            .field("schema", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl PostgresSink {
    /// Connects to `url` (`postgres://user@host:port/db?sslmode=…`) and takes the sync's
    /// advisory lock, refusing ([`SyncError::Locked`]) when another sync holds it.
    pub fn connect(url: &str, options: &PgOptions) -> Result<Self, SyncError> {
        let (url, tls) = split_tls(url)?;
        let mut config: Config = url
            .parse()
            .map_err(|e: ::postgres::Error| SyncError::Target {
                target: redacted(&url),
                problem: TargetProblem::Url(e.to_string()),
            })?;
        let target = describe(&config);
        if config.get_password().is_none()
            && let Some(password) = password(&config, options)?
        {
            config.password(password);
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.application_name("dlspbx cdr sync");
        let client = match tls.mode {
            Tls::Disable => {
                config.ssl_mode(SslMode::Disable);
                config.connect(::postgres::NoTls)?
            }
            mode => {
                config.ssl_mode(if mode == Tls::Prefer {
                    SslMode::Prefer
                } else {
                    SslMode::Require
                });
                config.connect(connector(mode, tls.root_cert.as_deref())?)?
            }
        };
        let prefix = match &options.schema {
            Some(s) if is_identifier(s) => format!("{s}."),
            Some(s) => {
                return Err(SyncError::Target {
                    target,
                    problem: TargetProblem::Schema(s.clone()),
                });
            }
            None => String::new(),
        };
        let mut sink = PostgresSink {
            client,
            target,
            prefix,
            key: None,
            columns: Vec::new(),
            types: Vec::new(),
            run: None,
        };
        let lock = lock_key(&sink.prefix);
        let held: bool = sink
            .client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&lock])?
            .get(0);
        if !held {
            return Err(SyncError::Locked {
                target: sink.target.clone(),
                lock: format!("the advisory lock {lock}"),
            });
        }
        Ok(sink)
    }

    /// The database connection (for queries after a run).
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    fn table(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }
}

/// The advisory lock of the tables with `prefix`: FNV-1a of their name.
fn lock_key(prefix: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in format!("dlspbx cdr sync {prefix}cdrs").bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.len() <= 63
}

/// `user@host:port/db`, never the password.
fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{}@{host}:{port}/{}",
        config.get_user().unwrap_or(""),
        config.get_dbname().or(config.get_user()).unwrap_or("")
    )
}

/// A URL with any password replaced by `***`.
fn redacted(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (auth, tail) = rest.split_once('@').map_or(("", rest), |(a, t)| (a, t));
            let user = auth.split_once(':').map_or(auth, |(u, _)| u);
            if auth.is_empty() {
                format!("{scheme}://{tail}")
            } else {
                format!("{scheme}://{user}@{tail}")
            }
        }
        None => "the Postgres URL".to_owned(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tls {
    Disable,
    Prefer,
    Require,
    VerifyFull,
}

struct TlsSettings {
    mode: Tls,
    root_cert: Option<PathBuf>,
}

/// Takes `sslmode` and `sslrootcert` out of the URL's query (the `postgres` crate knows
/// neither `verify-full` nor `sslrootcert`).
fn split_tls(url: &str) -> Result<(String, TlsSettings), SyncError> {
    let mut settings = TlsSettings {
        mode: Tls::Prefer,
        root_cert: None,
    };
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), settings));
    };
    let mut kept = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("sslmode", mode)) => {
                settings.mode = match mode {
                    "disable" => Tls::Disable,
                    "prefer" | "allow" => Tls::Prefer,
                    "require" => Tls::Require,
                    "verify-full" => Tls::VerifyFull,
                    other => {
                        return Err(SyncError::Target {
                            target: redacted(base),
                            problem: TargetProblem::SslMode(other.to_owned()),
                        });
                    }
                }
            }
            Some(("sslrootcert", path)) => settings.root_cert = Some(PathBuf::from(path)),
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, settings))
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn connector(mode: Tls, root_cert: Option<&Path>) -> Result<MakeRustlsConnect, SyncError> {
    let tls_error = |e: rustls::Error| SyncError::Io {
        path: root_cert.map_or_else(|| PathBuf::from("TLS"), Path::to_path_buf),
        source: std::io::Error::other(e),
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?;
    let config = if mode == Tls::VerifyFull {
        let mut roots = rustls::RootCertStore::empty();
        match root_cert {
            Some(path) => {
                use rustls::pki_types::pem::PemObject;
                let certs = CertificateDer::pem_file_iter(path)
                    .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| SyncError::Io {
                        path: path.to_path_buf(),
                        source: std::io::Error::other(e),
                    })?;
                for cert in certs {
                    roots.add(cert).map_err(tls_error)?;
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unchecked(provider())))
            .with_no_client_auth()
    };
    Ok(MakeRustlsConnect::new(config))
}

/// libpq's `require`: the connection is encrypted and the handshake signed, but the
/// certificate is not checked (use `verify-full` for that).
#[derive(Debug)]
struct Unchecked(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The password, when the URL has none: `password_file`, `PGPASSWORD`, then the password
/// file (`PGPASSFILE` or `~/.pgpass`).
fn password(config: &Config, options: &PgOptions) -> Result<Option<String>, SyncError> {
    if let Some(path) = &options.password_file {
        let text = std::fs::read_to_string(path).map_err(|source| SyncError::Io {
            path: path.clone(),
            source,
        })?;
        return Ok(Some(text.lines().next().unwrap_or("").to_owned()));
    }
    if let Ok(p) = std::env::var("PGPASSWORD") {
        return Ok(Some(p));
    }
    let file = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pgpass")));
    let Some(text) = file.and_then(|f| std::fs::read_to_string(f).ok()) else {
        return Ok(None);
    };
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        _ => "localhost".to_owned(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let user = config.get_user().unwrap_or("");
    let db = config.get_dbname().unwrap_or(user);
    Ok(pgpass_lookup(&text, [&host, &port, db, user]))
}

/// The password of the first line of a `.pgpass` text matching host, port, database and
/// user (`*` matches anything; `\:` and `\\` are escapes).
fn pgpass_lookup(text: &str, want: [&str; 4]) -> Option<String> {
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => field.extend(chars.next()),
                ':' if fields.len() < 4 => fields.push(std::mem::take(&mut field)),
                c => field.push(c),
            }
        }
        fields.push(field);
        if fields.len() == 5
            && fields[..4]
                .iter()
                .zip(want)
                .all(|(f, w)| f == "*" || f == w)
        {
            return fields.pop();
        }
    }
    None
}

fn pg_type(cell: CellType) -> (&'static str, &'static str, Type) {
    match cell {
        CellType::Int | CellType::Duration => ("bigint", "bigint", Type::INT8),
        CellType::YesNo => ("boolean", "boolean", Type::BOOL),
        CellType::Datetime => ("timestamptz", "timestamp with time zone", Type::TIMESTAMPTZ),
        CellType::List => ("text[]", "ARRAY", Type::TEXT_ARRAY),
        _ => ("text", "text", Type::TEXT),
    }
}

impl ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Text(s) => s.to_sql(ty, out),
            Value::Int(n) => n.to_sql(ty, out),
            Value::Bool(b) => b.to_sql(ty, out),
            Value::Time(t) => SystemTime::from(*t).to_sql(ty, out),
            Value::List(items) => items.to_sql(ty, out),
        }
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    to_sql_checked!();
}

impl Sink for PostgresSink {
    fn open(&mut self, key: &SyncKey, columns: &[Column]) -> Result<Opened, SyncError> {
        let (cdrs, state, runs) = (
            self.table("cdrs"),
            self.table("cdr_sync_state"),
            self.table("cdr_sync_runs"),
        );
        let mut tx = self.client.transaction()?;
        if let Some(schema) = self.prefix.strip_suffix('.') {
            tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))?;
        }
        tx.batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS {state} (
               source text NOT NULL, filters text NOT NULL, watermark timestamptz,
               PRIMARY KEY (source, filters));
             CREATE TABLE IF NOT EXISTS {runs} (
               id bigserial PRIMARY KEY, source text NOT NULL, filters text NOT NULL,
               columns text NOT NULL, window_from timestamptz NOT NULL, window_to timestamptz NOT NULL,
               rows_seen bigint NOT NULL DEFAULT 0, inserted bigint NOT NULL DEFAULT 0,
               updated bigint NOT NULL DEFAULT 0, watermark timestamptz,
               started_at timestamptz NOT NULL, finished_at timestamptz,
               status text NOT NULL, error text);"
        ))?;
        let schema = self.prefix.strip_suffix('.').map(str::to_owned);
        let existing: Vec<(String, String)> = tx
            .query(
                "SELECT column_name::text, data_type::text FROM information_schema.columns
                 WHERE table_schema = coalesce($1, current_schema()) AND table_name = 'cdrs'",
                &[&schema],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let mut added = Vec::new();
        if existing.is_empty() {
            let cols = columns
                .iter()
                .map(|c| format!("{} {}", c.as_str(), pg_type(c.cell()).0))
                .collect::<Vec<_>>();
            tx.batch_execute(&format!(
                "CREATE TABLE {cdrs} (source text NOT NULL, {}, PRIMARY KEY (source, unique_id));
                 CREATE INDEX ON {cdrs} (date);",
                cols.join(", ")
            ))?;
        } else {
            for c in columns {
                let (sql, info, _) = pg_type(c.cell());
                match existing.iter().find(|(n, _)| n == c.as_str()) {
                    Some((_, found)) if found != info => {
                        return Err(SyncError::Schema {
                            table: cdrs,
                            column: c.as_str().to_owned(),
                            found: found.clone(),
                            expected: sql,
                        });
                    }
                    Some(_) => {}
                    None => {
                        tx.batch_execute(&format!(
                            "ALTER TABLE {cdrs} ADD COLUMN {} {sql}",
                            c.as_str()
                        ))?;
                        added.push(*c);
                    }
                }
            }
        }
        tx.execute(
            &format!("UPDATE {runs} SET status = 'abandoned' WHERE status = 'running'"),
            &[],
        )?;
        let watermark: Option<SystemTime> = tx
            .query_opt(
                &format!("SELECT watermark FROM {state} WHERE source = $1 AND filters = $2"),
                &[&key.source, &key.filters],
            )?
            .and_then(|r| r.get(0));
        let stage_cols = columns
            .iter()
            .map(|c| format!("{} {}", c.as_str(), pg_type(c.cell()).0))
            .collect::<Vec<_>>();
        tx.batch_execute(&format!(
            "DROP TABLE IF EXISTS pg_temp.cdrs_stage;
             CREATE TEMP TABLE cdrs_stage (source text NOT NULL, {}) ON COMMIT DELETE ROWS;",
            stage_cols.join(", ")
        ))?;
        tx.commit()?;
        self.key = Some(key.clone());
        self.columns = columns.to_vec();
        self.types = std::iter::once(Type::TEXT)
            .chain(columns.iter().map(|c| pg_type(c.cell()).2))
            .collect();
        Ok(Opened {
            watermark: watermark.and_then(|t| Timestamp::try_from(t).ok()),
            added_columns: added,
        })
    }

    fn start_run(&mut self, range: RunRange) -> Result<(), SyncError> {
        let key = self.key.clone().unwrap_or_default();
        let columns = self
            .columns
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let row = self.client.query_one(
            &format!(
                "INSERT INTO {} (source, filters, columns, window_from, window_to, started_at, status)
                 VALUES ($1, $2, $3, $4, $5, now(), 'running') RETURNING id",
                self.table("cdr_sync_runs")
            ),
            &[
                &key.source,
                &key.filters,
                &columns,
                &SystemTime::from(range.from),
                &SystemTime::from(range.to),
            ],
        )?;
        self.run = Some(row.get(0));
        Ok(())
    }

    fn batch(
        &mut self,
        fill: &mut dyn FnMut(&mut dyn RowWriter) -> Result<BatchInfo, SyncError>,
    ) -> Result<BatchCounts, SyncError> {
        let names = self.columns.iter().map(|c| c.as_str()).collect::<Vec<_>>();
        let others = names
            .iter()
            .filter(|n| **n != "unique_id")
            .collect::<Vec<_>>();
        let set = others
            .iter()
            .map(|n| format!("{n} = EXCLUDED.{n}"))
            .collect::<Vec<_>>();
        let mine = others.iter().map(|n| format!("d.{n}")).collect::<Vec<_>>();
        let theirs = others
            .iter()
            .map(|n| format!("EXCLUDED.{n}"))
            .collect::<Vec<_>>();
        let upsert = format!(
            "INSERT INTO {} AS d (source, {cols}) SELECT DISTINCT ON (source, unique_id) source, {cols} FROM cdrs_stage
             ON CONFLICT (source, unique_id) DO UPDATE SET {}
             WHERE ROW({}) IS DISTINCT FROM ROW({}) RETURNING (xmax = 0)",
            self.table("cdrs"),
            set.join(", "),
            mine.join(", "),
            theirs.join(", "),
            cols = names.join(", "),
        );
        let state = self.table("cdr_sync_state");
        let runs = self.table("cdr_sync_runs");
        let key = self.key.clone().unwrap_or_default();
        let mut tx = self.client.transaction()?;
        let info = {
            let copy = tx.copy_in(&format!(
                "COPY cdrs_stage (source, {}) FROM STDIN (FORMAT binary)",
                names.join(", ")
            ))?;
            let mut writer = Writer {
                copy: BinaryCopyInWriter::new(copy, &self.types),
                source: &key.source,
            };
            let info = fill(&mut writer)?;
            writer.copy.finish()?;
            info
        };
        let mut counts = BatchCounts::default();
        for row in tx.query(&upsert, &[])? {
            if row.get::<_, bool>(0) {
                counts.inserted += 1;
            } else {
                counts.updated += 1;
            }
        }
        if let Some(newest) = info.newest {
            tx.execute(
                &format!(
                    "INSERT INTO {state} AS s (source, filters, watermark) VALUES ($1, $2, $3)
                     ON CONFLICT (source, filters) DO UPDATE SET watermark = GREATEST(s.watermark, EXCLUDED.watermark)"
                ),
                &[&key.source, &key.filters, &SystemTime::from(newest)],
            )?;
        }
        tx.execute(
            &format!(
                "UPDATE {runs} SET rows_seen = rows_seen + $1, inserted = inserted + $2, updated = updated + $3,
                 watermark = (SELECT watermark FROM {state} WHERE source = $4 AND filters = $5) WHERE id = $6"
            ),
            &[
                &(info.rows as i64),
                &(counts.inserted as i64),
                &(counts.updated as i64),
                &key.source,
                &key.filters,
                &self.run,
            ],
        )?;
        tx.commit()?;
        Ok(counts)
    }

    fn finish_run(&mut self, status: RunStatus, error: Option<&str>) -> Result<(), SyncError> {
        self.client.execute(
            &format!(
                "UPDATE {} SET status = $1, error = $2, finished_at = now() WHERE id = $3",
                self.table("cdr_sync_runs")
            ),
            &[&status.as_str(), &error, &self.run],
        )?;
        Ok(())
    }
}

struct Writer<'a, 's> {
    copy: BinaryCopyInWriter<'a>,
    source: &'s str,
}

impl RowWriter for Writer<'_, '_> {
    fn push(&mut self, cells: &[Value<'_>]) -> Result<(), SyncError> {
        let source = Value::Text(self.source);
        let mut values: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(cells.len() + 1);
        values.push(&source);
        values.extend(cells.iter().map(|c| c as &(dyn ToSql + Sync)));
        self.copy.write(&values)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgpass_lines_match_with_wildcards_and_escapes() {
        let text = "# comment\nother:5432:db:u:no\n*:5432:d\\:b:u:p\\:w\n";
        assert_eq!(
            pgpass_lookup(text, ["h", "5432", "d:b", "u"]).as_deref(),
            Some("p:w")
        );
        assert_eq!(pgpass_lookup(text, ["h", "5433", "d:b", "u"]), None);
    }

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redacted("postgres://ann:secret@db.example:5432/cdr"),
            "postgres://ann@db.example:5432/cdr"
        );
        let (url, tls) =
            split_tls("postgres://ann:s@h/db?sslmode=verify-full&connect_timeout=3").unwrap();
        assert_eq!(url, "postgres://ann:s@h/db?connect_timeout=3");
        assert_eq!(tls.mode, Tls::VerifyFull);
        let e = split_tls("postgres://ann:secret@h/db?sslmode=verify-ca")
            .err()
            .unwrap();
        assert!(!e.to_string().contains("secret"), "{e}");
        assert!(e.to_string().contains("verify-full"), "{e}");
        let config: Config = "postgres://ann:secret@h:5433/db".parse().unwrap();
        assert_eq!(describe(&config), "postgres://ann@h:5433/db");
    }

    #[test]
    fn schemas_are_plain_identifiers() {
        assert!(is_identifier("billing_2024"));
        assert!(!is_identifier("a;drop"));
        assert!(!is_identifier("1a"));
    }
}
