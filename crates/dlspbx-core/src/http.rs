//! Sans-IO HTTP: turning an [`Endpoint`] into the bytes of a request, and a status and body into
//! a typed response. Transports call [`build`] and [`decode`] and only move bytes.

use crate::action::Endpoint;
use crate::error::{Error, Result};
use crate::format::{Encoding, Format};
use crate::request::form::{FormLimits, Oversize};
use crate::wire::Node;
use std::fmt;

/// The path prefix of every module file on the server.
pub const API_PREFIX: &str = "/api/v1/";

/// The API key, which never appears in a `Debug` or `Display` print.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(key.into())
    }

    /// The key itself, for the request body only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The forms the key takes in a request body: as is, percent-encoded (form), JSON- and
    /// XML-escaped; the longest first, so that a shorter form never leaves part of a longer one.
    fn forms(&self) -> Vec<String> {
        let key = self.0.as_str();
        let mut forms = vec![key.to_owned()];
        let node = Node::Map(vec![("k".into(), Node::from(key.to_owned()))]);
        if let Ok(form) = crate::request::form::encode(&node, &FormLimits::default()) {
            forms.extend(form.strip_prefix("k=").map(str::to_owned));
        }
        if let Ok(json) = serde_json::to_string(key) {
            forms.push(json[1..json.len() - 1].to_owned());
        }
        forms.push(
            key.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;"),
        );
        forms.retain(|f| !f.is_empty());
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        forms.dedup();
        forms
    }

    /// `text` with every form of the key replaced by `REDACTED`: for text a server sent back,
    /// which may echo the request (an error page, an error message).
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for form in self.forms() {
            if out.contains(&form) {
                out = out.replace(&form, "REDACTED");
            }
        }
        out
    }

    /// `error` with the key scrubbed from the server text it carries (`Status`, `Server`,
    /// `Decode`); the clients apply it to every error of a call.
    pub fn scrub_error(&self, error: Error) -> Error {
        match error {
            Error::Status {
                status,
                body_excerpt,
            } => Error::Status {
                status,
                body_excerpt: self.scrub(&body_excerpt),
            },
            Error::Server { message } => Error::Server {
                message: self.scrub(&message),
            },
            Error::Decode(mut d) => {
                d.message = self.scrub(&d.message);
                Error::Decode(d)
            }
            other => other,
        }
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("REDACTED")
    }
}

/// `api_user` (extension, auth ID or `extension@tenant`) and `api_key`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Credentials {
    /// The user: extension, auth ID or `extension@tenant`.
    pub api_user: String,
    /// The user's API key (Users - Preferences in the PBX).
    pub api_key: ApiKey,
}

impl Credentials {
    /// New credentials.
    pub fn new(api_user: impl Into<String>, api_key: impl Into<String>) -> Self {
        Credentials {
            api_user: api_user.into(),
            api_key: ApiKey::new(api_key),
        }
    }
}

/// How to encode a request and which response format to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestOptions {
    /// Response format (`api_format` and `Accept`).
    pub format: Format,
    /// Request body encoding.
    pub encoding: Encoding,
    /// PHP's input limits, checked before a form body is sent.
    pub form_limits: FormLimits,
    /// What to do with a form body PHP would truncate.
    pub oversize: Oversize,
}

/// A request ready for a transport: method `POST`, a path with query, headers and a body.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Path and query, relative to the server's base URL (`/api/v1/status.php?api_action=queues&api_format=json`).
    pub path_and_query: String,
    /// Request headers.
    pub headers: Vec<(&'static str, String)>,
    /// The body (holds the credentials).
    pub body: Vec<u8>,
    /// The encoding actually used (a form body over PHP's limits may fall back to JSON).
    pub encoding: Encoding,
    /// The response format asked for.
    pub format: Format,
    /// Whether the action may be retried automatically.
    pub idempotent: bool,
    /// The module name, for logs (`status`).
    pub module: &'static str,
    /// The action name, for logs (`queues`).
    pub action: &'static str,
    /// The same body with `REDACTED` in place of the API key, for printing.
    redacted: Vec<u8>,
}

impl HttpRequest {
    /// The method: always `POST` (the reference requires POST fields for every action).
    pub const METHOD: &'static str = "POST";

    /// The full URL for a base such as `https://pbx.example.com`.
    pub fn url(&self, base_url: &str) -> String {
        format!("{}{}", base_url.trim_end_matches('/'), self.path_and_query)
    }

    /// The request as text, for `--dry-run` and logs, with the API key replaced by `REDACTED`.
    pub fn to_redacted_string(&self, base_url: &str) -> String {
        let mut out = format!("{} {}\n", Self::METHOD, self.url(base_url));
        for (k, v) in &self.headers {
            out.push_str(&format!("{k}: {v}\n"));
        }
        out.push('\n');
        out.push_str(&self.redacted_body());
        out
    }

    /// The body with the API key replaced by `REDACTED` (encoded separately, so no other
    /// text that happens to contain the key is touched).
    pub fn redacted_body(&self) -> String {
        String::from_utf8_lossy(&self.redacted).into_owned()
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("path_and_query", &self.path_and_query)
            .field("headers", &self.headers)
            .field("body", &self.redacted_body())
            .finish()
    }
}

/// Validates `action` and builds its HTTP request. `api_action` and `api_format` go in the
/// query string; every other field, credentials included, goes in the body.
///
/// A response format or request encoding compiled out of this build fails here with
/// [`Error::Config`], so nothing is sent whose answer could not be read.
pub fn build<A: Endpoint>(
    action: &A,
    credentials: &Credentials,
    options: &RequestOptions,
) -> Result<HttpRequest> {
    options.format.require()?;
    options.encoding.require()?;
    action.validate()?;
    // A form body is written straight from the request (no parameter tree), once: the
    // redacted copy only has the key's bytes replaced. Other encodings, and a form body over
    // PHP's limits, go through the tree.
    let form = match options.encoding {
        Encoding::Form => match crate::request::form::encode_with_credentials(
            &credentials.api_user,
            credentials.api_key.expose(),
            action,
            &options.form_limits,
        ) {
            Ok(bodies) => Some(bodies),
            Err(e)
                if e.kind() == crate::error::EncodeKind::Limit
                    && options.oversize == Oversize::FallbackToJson =>
            {
                None
            }
            Err(e) => return Err(Error::Encode(e)),
        },
        _ => None,
    };
    let (encoding, body, redacted) = match form {
        Some((body, redacted)) => (Encoding::Form, body.into_bytes(), redacted.into_bytes()),
        None => {
            let mut entries = vec![
                ("api_user".into(), Node::str(&credentials.api_user)),
                ("api_key".into(), Node::str(credentials.api_key.expose())),
            ];
            if let Node::Map(fields) = action.to_params() {
                entries.extend(fields);
            }
            let mut params = Node::Map(entries);
            // A form over PHP's limits goes as JSON (the form writer has just refused it).
            let options = &RequestOptions {
                encoding: match options.encoding {
                    Encoding::Form => Encoding::Json,
                    other => other,
                },
                ..*options
            };
            let (encoding, body) = encode_body(&params, options)?;
            if let Node::Map(entries) = &mut params {
                entries[1].1 = Node::str("REDACTED");
            }
            let (_, redacted) = encode_body(&params, options)?;
            (encoding, body, redacted)
        }
    };
    let path_and_query = format!(
        "{API_PREFIX}{}?api_action={}&api_format={}",
        A::INFO.file,
        A::INFO.name,
        options.format.as_str()
    );
    Ok(HttpRequest {
        path_and_query,
        headers: vec![
            ("Content-Type", encoding.content_type().to_owned()),
            ("Accept", options.format.media_type().to_owned()),
        ],
        body,
        encoding,
        format: options.format,
        idempotent: A::INFO.idempotent,
        module: A::INFO.module,
        action: A::INFO.name,
        redacted,
    })
}

fn encode_body(params: &Node<'_>, options: &RequestOptions) -> Result<(Encoding, Vec<u8>)> {
    let body = crate::request::encode_body(
        params,
        options.encoding,
        &options.form_limits,
        options.oversize,
    )?;
    Ok((body.encoding, body.bytes))
}

/// Decodes a response: a 2xx body through the action's decoder; any other status as the
/// server's error shape if the body has one, else [`Error::Status`].
pub fn decode<A: Endpoint>(format: Format, status: u16, body: &[u8]) -> Result<A::Response<'_>> {
    if (200..300).contains(&status) {
        return A::decode(format, body);
    }
    // The error shape after a PHP notice is still the server's message; anything else (a PHP
    // fatal error, a proxy's HTML page) is the status, with the start of the body.
    let shape = crate::wire::preamble::split(format, body).map_or(body, |p| p.body);
    let node = match format {
        Format::Json => crate::wire::json::parse(shape).ok(),
        Format::Xml => crate::wire::xml::parse(shape).ok(),
        Format::Yaml => crate::wire::yaml::parse(shape).ok(),
        Format::Csv => crate::wire::csv::parse(shape, crate::wire::CsvLayout::Keys).ok(),
        Format::Plain => None,
    };
    if let Some(node) = node {
        crate::wire::check_error_shape(&node)?;
    }
    let excerpt: String = String::from_utf8_lossy(&body[..body.len().min(200)])
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    Err(Error::Status {
        status,
        body_excerpt: excerpt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::reports::{
        Column, Exclusivity, FilterGroup, FilterRule, FilterType, LogicalOperator, Operator,
        ReportOption, ReportRequest,
    };
    use crate::generated::sms::SendSmsRequest;
    use crate::generated::status::QueuesRequest;

    const KEY: &str = "s3cr3t-KEY/with+chars&<\"'é";

    /// A body without a required member of the action's response (a queues body decoded as
    /// users) is undecodable, naming the member, in every format; an empty member is not.
    #[test]
    fn a_body_without_a_required_member_is_refused_naming_it() {
        use crate::generated::status::{UsersRequest, UsersResponse};
        let queues = QueuesRequest::INFO;
        assert!(
            queues
                .response
                .iter()
                .any(|f| f.presence == crate::Presence::Required)
        );
        for format in Format::ALL.into_iter().filter(|f| f.is_supported()) {
            if format == Format::Plain {
                continue;
            }
            let body = crate::wire::encode(
                format,
                queues.csv,
                &crate::generated::status::QueuesResponse::default(),
            )
            .unwrap();
            let body = if body.is_empty() || format == Format::Csv {
                // An empty CSV key-path body has no member at all: use one of another action.
                b"queues,q,queue,q\n".to_vec()
            } else {
                body
            };
            match decode::<UsersRequest>(format, 200, &body) {
                Err(Error::Decode(d)) => {
                    assert!(d.message.contains("missing field `users`"), "{format}: {d}")
                }
                other => panic!("{format}: {other:?}"),
            }
            // An empty map is a map: it decodes (as the simulator writes it).
            let empty = crate::wire::encode(
                format,
                queues.csv,
                &crate::generated::status::QueuesResponse::default(),
            )
            .unwrap();
            assert!(
                decode::<QueuesRequest>(format, 200, &empty).is_ok(),
                "{format}: {:?}",
                String::from_utf8_lossy(&empty)
            );
            // An empty list is a list: it decodes (as the simulator writes it).
            let empty =
                crate::wire::encode(format, UsersRequest::INFO.csv, &UsersResponse::default())
                    .unwrap();
            let back = decode::<UsersRequest>(format, 200, &empty);
            assert!(
                matches!(&back, Ok(r) if r.users.is_empty()),
                "{format}: {:?} {back:?}",
                String::from_utf8_lossy(&empty)
            );
        }
    }

    fn creds() -> Credentials {
        Credentials::new("100@default", KEY)
    }

    /// Options for a format this build has (JSON unless it is compiled out).
    fn options() -> RequestOptions {
        let format = Format::ALL
            .into_iter()
            .find(|f| f.is_supported())
            .unwrap_or(Format::Plain);
        RequestOptions {
            format,
            ..RequestOptions::default()
        }
    }

    fn encodings() -> impl Iterator<Item = Encoding> {
        [Encoding::Form, Encoding::Json, Encoding::Xml]
            .into_iter()
            .filter(|e| e.is_supported())
    }

    #[test]
    fn formats_and_encodings_compiled_out_are_refused_before_anything_is_built() {
        for format in Format::ALL {
            let opts = RequestOptions {
                format,
                ..options()
            };
            match build(&QueuesRequest::new(), &creds(), &opts) {
                Ok(_) => assert!(format.is_supported(), "{format}"),
                Err(Error::Config(m)) => {
                    assert!(!format.is_supported(), "{format}");
                    let feature = format.feature().unwrap();
                    assert!(
                        m.message()
                            .contains(&format!("enable the `{feature}` feature")),
                        "{m}"
                    );
                }
                Err(other) => panic!("{format}: {other:?}"),
            }
        }
        let opts = RequestOptions {
            encoding: Encoding::Xml,
            ..options()
        };
        match build(&QueuesRequest::new(), &creds(), &opts) {
            Ok(_) => assert!(Encoding::Xml.is_supported()),
            Err(Error::Config(m)) => assert!(
                !Encoding::Xml.is_supported() && m.message().contains("XML request body"),
                "{m}"
            ),
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn action_and_format_in_the_query_credentials_only_in_the_body() {
        for encoding in encodings() {
            let opts = RequestOptions {
                encoding,
                ..options()
            };
            let format = opts.format;
            let req = build(&QueuesRequest::new(), &creds(), &opts).unwrap();
            assert_eq!(
                req.path_and_query,
                format!("/api/v1/status.php?api_action=queues&api_format={format}")
            );
            assert!(!req.url("https://pbx.example.com").contains("api_key"));
            assert!(!req.url("https://pbx.example.com").contains("100"));
            let body = String::from_utf8(req.body.clone()).unwrap();
            assert!(
                body.contains("api_user") && body.contains("api_key"),
                "{encoding}: {body}"
            );
            assert!(
                req.headers
                    .contains(&("Accept", format.media_type().to_owned()))
            );
            assert!(
                req.headers
                    .contains(&("Content-Type", encoding.content_type().to_owned()))
            );
        }
    }

    #[test]
    fn the_key_never_shows_in_debug_or_dry_run_output() {
        for encoding in encodings() {
            let opts = RequestOptions {
                encoding,
                ..options()
            };
            let req = build(&SendSmsRequest::new(["100"], "hi"), &creds(), &opts).unwrap();
            let shown = [
                format!("{req:?}"),
                req.to_redacted_string("http://127.0.0.1:1"),
                format!("{:?}", creds()),
            ];
            for s in shown {
                assert!(!s.contains("s3cr3t"), "{encoding}: {s}");
            }
            assert!(
                req.to_redacted_string("http://127.0.0.1:1")
                    .contains("REDACTED")
            );
        }
    }

    #[test]
    fn redaction_touches_only_the_key() {
        let req = build(
            &SendSmsRequest::new(["100"], "kk api_key k"),
            &Credentials::new("100", "k"),
            &options(),
        )
        .unwrap();
        let shown = req.redacted_body();
        assert!(shown.contains("api_key=REDACTED"), "{shown}");
        assert!(shown.contains("body=kk+api_key+k"), "{shown}");
    }

    #[test]
    fn invalid_requests_are_refused_before_anything_is_built() {
        let err = build(
            &SendSmsRequest::new(["100"], "x".repeat(201)),
            &creds(),
            &options(),
        )
        .unwrap_err();
        match err {
            Error::Invalid(e) => {
                assert_eq!(e.field, "body");
                assert_eq!(e.rule, "max_chars");
            }
            other => panic!("{other:?}"),
        }
    }

    fn huge_report() -> ReportRequest {
        let rule = FilterRule::new(FilterType::Duration)
            .operator(Operator::Between)
            .lower_value("30")
            .upper_value("60");
        let group = FilterGroup::new(Exclusivity::Include, LogicalOperator::And, vec![rule; 10]);
        ReportRequest::new([Column::Date, Column::Src])
            .filter_groups(vec![group; 100])
            .option(ReportOption::PerPage(50))
    }

    #[test]
    fn a_form_php_would_truncate_falls_back_to_json_or_fails() {
        let req = build(&huge_report(), &creds(), &options()).unwrap();
        assert_eq!(
            req.encoding,
            Encoding::Json,
            "4000+ form variables exceed max_input_vars"
        );
        assert!(
            req.headers
                .contains(&("Content-Type", "application/json".to_owned()))
        );
        let strict = RequestOptions {
            oversize: Oversize::Fail,
            ..options()
        };
        match build(&huge_report(), &creds(), &strict) {
            Err(Error::Encode(e)) => assert!(e.message().contains("1000"), "{e}"),
            other => panic!("{other:?}"),
        }
    }
}
