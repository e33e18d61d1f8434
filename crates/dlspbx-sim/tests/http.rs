//! The HTTP layer as the PHP server behaves (issue 16): methods, `Accept` weights, multipart
//! bodies, error texts, encodings and read timeouts, over real HTTP.

mod common;

use common::{Client, error_of, form_body};
use dlspbx_sim::{Sim, SimConfig};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn sim() -> &'static Sim {
    static SIM: OnceLock<Sim> = OnceLock::new();
    SIM.get_or_init(|| {
        Sim::start_with(SimConfig {
            cdrs: 50,
            ..SimConfig::default()
        })
        .expect("sim starts")
    })
}

fn client() -> Client {
    let s = sim();
    Client::new(&s.url(), s.api_user(), s.api_key())
}

/// An answer read off a raw connection: status, headers (names lower-case) and body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `request` as it is (it should say `Connection: close`) and reads the whole answer.
fn exchange(addr: SocketAddr, request: &[u8]) -> Answer {
    let mut conn = TcpStream::connect(addr).expect("connects");
    conn.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    conn.write_all(request).expect("sends");
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).expect("reads");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a head");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// A POST to `path` with the demo credentials and `fields` as a form body.
fn post_form(c: &Client, path: &str, headers: &[(&str, &str)], fields: &[(&str, &str)]) -> String {
    let mut all: Vec<(&str, &str)> = vec![("api_user", &c.user), ("api_key", &c.key)];
    all.extend_from_slice(fields);
    let r = c.raw("POST", path, headers, form_body(&all).as_bytes());
    assert_eq!(r.status, 200, "{}", r.body);
    r.content_type
}

// ---- 6: GET is refused ---------------------------------------------------------------------

#[test]
fn get_is_405_with_allow_post() {
    let addr = sim().addr();
    for (query, needle) in [
        ("api_action=test", r#""result":"error""#),
        ("api_action=test&api_format=xml", "<result>error</result>"),
        ("api_action=test&api_format=plain", "-1"),
    ] {
        let a = exchange(
            addr,
            format!(
                "GET /api/v1/example.php?{query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        );
        assert_eq!(a.status, 405, "{query}: {}", a.body);
        assert_eq!(a.header("allow"), Some("POST"), "{query}");
        assert!(a.body.contains(needle), "{query}: {}", a.body);
    }
    // PUT and DELETE say the same.
    for method in ["PUT", "DELETE"] {
        let a = exchange(
            addr,
            format!("{method} /api/v1/example.php?api_action=test HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
        assert_eq!(a.status, 405, "{method}");
        assert_eq!(a.header("allow"), Some("POST"), "{method}");
    }
    let c = client();
    let r = c.raw("GET", "/api/v1/example.php?api_action=test", &[], b"");
    assert_eq!(r.status, 405);
    assert_eq!(
        error_of(&r.json()),
        "Method GET is not allowed; send a POST with the fields in the body"
    );
}

// ---- 7: Accept weights ---------------------------------------------------------------------

#[test]
fn accept_follows_q_values() {
    let c = client();
    let path = "/api/v1/example.php?api_action=test";
    for (accept, want) in [
        ("application/xml;q=0.9, text/csv", "text/csv"),
        ("application/xml, text/csv", "application/xml"),
        ("text/csv;q=0.5, application/x-yaml;q=0.5", "text/csv"),
        ("*/*", "application/json"),
        ("text/html, */*;q=0.1", "application/json"),
        ("application/json;q=0, */*", "application/xml"),
        ("text/plain;q=0.2, application/xml;q=0.1", "text/plain"),
        ("text/html", "application/json"),
    ] {
        let got = post_form(&c, path, &[("Accept", accept)], &[]);
        assert_eq!(got, want, "Accept: {accept}");
    }
    // api_format in the query string still wins over Accept.
    let got = post_form(
        &c,
        "/api/v1/example.php?api_action=test&api_format=yaml",
        &[("Accept", "text/csv")],
        &[],
    );
    assert_eq!(got, "application/x-yaml");
}

// ---- 13: read timeouts ---------------------------------------------------------------------

/// Sends `start`, then waits for the server to answer or close; returns how long it took and
/// what was read.
fn stall(addr: SocketAddr, start: &[u8]) -> (Duration, String) {
    let mut conn = TcpStream::connect(addr).expect("connects");
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let t0 = Instant::now();
    conn.write_all(start).expect("sends");
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match conn.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => panic!("the server held the connection open: {e}"),
        }
    }
    (t0.elapsed(), String::from_utf8_lossy(&got).into_owned())
}

#[test]
fn slow_headers_and_bodies_time_out() {
    let sim = Sim::start_with(SimConfig {
        cdrs: 10,
        read_timeout: Duration::from_secs(1),
        ..SimConfig::default()
    })
    .expect("sim starts");
    let addr = sim.addr();
    // Half a header: the connection is closed after the limit.
    let (took, _) = stall(
        addr,
        b"POST /api/v1/example.php?api_action=test HTTP/1.1\r\nHost: x\r\n",
    );
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "{took:?}"
    );
    // Nothing at all.
    let (took, _) = stall(addr, b"");
    assert!(took < Duration::from_secs(4), "{took:?}");
    // A body that stops midway: 408 in the API's error shape, and the connection closed.
    let (took, answer) = stall(
        addr,
        b"POST /api/v1/example.php?api_action=test&api_format=json HTTP/1.1\r\nHost: x\r\n\
          Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\napi_user=100",
    );
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "{took:?}"
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer
            .contains(r#"{"result":"error","error":"The request body did not arrive within 1 s"}"#),
        "{answer}"
    );
    // A prompt request on the same server is answered as usual.
    let c = Client::new(&sim.url(), sim.api_user(), sim.api_key());
    assert_eq!(
        post_form(&c, "/api/v1/example.php?api_action=test", &[], &[]),
        "application/json"
    );
}

// ---- 2: multipart/form-data ----------------------------------------------------------------

/// The boundary PHP's curl (libcurl) writes: 24 dashes and 16 hex digits.
const BOUNDARY: &str = "------------------------520eab0a1c481700";

/// A `multipart/form-data` body as PHP's curl writes it for `CURLOPT_POSTFIELDS` with an
/// array: one part per entry, `name="..."`, CRLF line ends, the closing boundary.
fn multipart(fields: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in fields {
        out.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                .as_bytes(),
        );
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

fn multipart_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

fn post_multipart(c: &Client, path: &str, body: &[u8]) -> common::Reply {
    c.raw("POST", path, &[("Content-Type", &multipart_type())], body)
}

/// The stored contact with `phone` on the list named `list`: first name, city and custom fields.
fn stored_contact(sim: &Sim, list: &str, phone: &str) -> (String, String, String) {
    sim.with_db(|conn| {
        conn.query_row(
            "SELECT c.first_name, c.city, c.custom_fields FROM contacts c JOIN contact_lists l ON l.id = c.list_id \
             WHERE l.name = ?1 AND c.phone_number = ?2",
            [list, phone],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("the contact is stored")
    })
}

#[test]
fn multipart_bodies_fill_post_like_forms() {
    let c = client();
    let creds: [(&str, &[u8]); 2] = [
        ("api_user", c.user.as_bytes()),
        ("api_key", c.key.as_bytes()),
    ];
    let with = |more: &[(&str, &[u8])]| {
        let mut all = creds.to_vec();
        all.extend_from_slice(more);
        multipart(&all)
    };
    let r = post_multipart(
        &c,
        "/api/v1/dialer.php?api_action=add_contact_list",
        &with(&[("name", b"Multipart list")]),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["result"], "success", "{}", r.body);
    let r = post_multipart(
        &c,
        "/api/v1/dialer.php?api_action=add_contact",
        &with(&[
            ("contact_list", b"Multipart list"),
            ("phone_number", b"8155550101"),
            ("first_name", "Zoë".as_bytes()),
            ("city", b"St. Louis"),
            ("custom:colour", b"blue"),
        ]),
    );
    assert_eq!(r.json()["result"], "success", "{}", r.body);
    assert_eq!(
        stored_contact(sim(), "Multipart list", "8155550101"),
        (
            "Zoë".into(),
            "St. Louis".into(),
            r#"{"colour":"blue"}"#.into()
        )
    );
    // A file part is refused, naming it.
    let mut body = with(&[]);
    body.truncate(body.len() - BOUNDARY.len() - 6);
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"leads\"; filename=\"leads.csv\"\r\n\
             Content-Type: text/csv\r\n\r\nphone\r\n8155550102\r\n\r\n--{BOUNDARY}--\r\n"
        )
        .as_bytes(),
    );
    let r = post_multipart(&c, "/api/v1/example.php?api_action=test", &body);
    assert_eq!(r.status, 400);
    assert_eq!(
        error_of(&r.json()),
        "Part `leads` of the multipart body is a file (filename `leads.csv`); the API takes no files: send each field as text"
    );
    // PHP's limits, as for urlencoded bodies: max_input_vars ...
    let names: Vec<String> = (0..1001).map(|i| format!("x{i}")).collect();
    let many: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"1"[..])).collect();
    let r = post_multipart(&c, "/api/v1/example.php?api_action=test", &with(&many));
    assert_eq!(r.status, 400);
    let e = error_of(&r.json());
    assert!(
        e.contains("max_input_vars = 1000") && e.contains("drop 3 variable(s)"),
        "{e}"
    );
    // ... and max_input_nesting_level.
    let deep = format!("a{}", "[x]".repeat(65));
    let r = post_multipart(
        &c,
        "/api/v1/example.php?api_action=test",
        &with(&[(&deep, b"1")]),
    );
    assert_eq!(r.status, 400);
    assert!(
        error_of(&r.json()).contains("1 nested too deeply"),
        "{}",
        r.body
    );
    // Text that is not UTF-8 names the part.
    let r = post_multipart(
        &c,
        "/api/v1/example.php?api_action=test",
        &with(&[("first_name", b"Zo\xeb")]),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        error_of(&r.json()),
        "Multipart field `first_name` is not UTF-8 text; the API reads UTF-8 only"
    );
    // Broken bodies.
    let r = c.raw(
        "POST",
        "/api/v1/example.php?api_action=test",
        &[("Content-Type", "multipart/form-data")],
        &with(&[]),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        error_of(&r.json()),
        "Malformed multipart body: the Content-Type has no boundary parameter"
    );
    let mut cut = with(&[("name", b"x")]);
    cut.truncate(cut.len() - BOUNDARY.len() - 8);
    let r = post_multipart(&c, "/api/v1/example.php?api_action=test", &cut);
    assert_eq!(r.status, 400);
    assert!(
        error_of(&r.json()).starts_with("Malformed multipart body: "),
        "{}",
        r.body
    );
}

fn php_available() -> bool {
    let ok = std::process::Command::new("php")
        .arg("-v")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("SKIPPED: php not installed (apt-get install php-cli)");
    }
    ok
}

/// `php -S` with a router, stopped (and its folder removed) when dropped.
struct PhpServer {
    child: std::process::Child,
    dir: std::path::PathBuf,
    port: u16,
}

impl PhpServer {
    fn start(router: &str) -> PhpServer {
        let dir = std::env::temp_dir().join(format!("dlspbx-sim-multipart-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("router.php"), router).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("php")
            .args(["-n", "-d", "display_errors=0", "-S"])
            .arg(format!("127.0.0.1:{port}"))
            .arg(dir.join("router.php"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("php -S starts");
        let server = PhpServer { child, dir, port };
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("php -S did not start");
    }
}

impl Drop for PhpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The same multipart body, as PHP's curl writes it, read by PHP (`$_POST` of `php -S`) and by
/// the simulator: the same fields; and real PHP as the client, `curl_setopt($ch,
/// CURLOPT_POSTFIELDS, $array)`, against the simulator when php has its curl extension.
#[test]
fn php_cross_check_multipart() {
    if !php_available() {
        return;
    }
    let php = PhpServer::start(
        "<?php header('Content-Type: application/json'); echo json_encode($_POST);",
    );
    let fields: Vec<(&str, &[u8])> = vec![
        ("api_user", b"100@default"),
        ("contact_list", b"Cross list"),
        ("first_name", "Zoë ü/&=+%[]".as_bytes()),
        ("custom:colour", b"blue"),
        ("columns[]", b"date"),
        ("columns[]", b"src"),
        ("filters[src]", b"100"),
        ("filters[dst][]", b"200"),
        ("a.b c", b"dots and spaces"),
        ("k[01]", b"string key"),
        ("k[1]", b"integer key"),
        ("dup", b"first"),
        ("dup", b"last"),
        ("g[h", b"unclosed"),
        ("i[j]k", b"after the bracket"),
        ("empty", b""),
        ("lines", b"a\r\nb\nc"),
        ("%41", b"%42+"),
    ];
    let body = multipart(&fields);
    let a = exchange(
        SocketAddr::from(([127, 0, 0, 1], php.port)),
        &[
            format!(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                multipart_type(),
                body.len()
            )
            .into_bytes(),
            body.clone(),
        ]
        .concat(),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let want = dlspbx_core::request::body::parse_json(a.body.as_bytes()).expect("php wrote JSON");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let got = runtime
        .block_on(dlspbx_sim::server::parse_multipart(
            body,
            BOUNDARY.to_owned(),
            &dlspbx_core::request::FormLimits::PHP_DEFAULTS,
        ))
        .expect("the simulator reads it");
    assert_eq!(
        String::from_utf8(dlspbx_core::request::body::encode_json(&got)).unwrap(),
        String::from_utf8(dlspbx_core::request::body::encode_json(&want)).unwrap(),
        "the simulator and PHP read the multipart body differently"
    );

    // Real PHP as the client, when its curl extension is there (php-curl).
    let has_curl = std::process::Command::new("php")
        .args(["-r", "exit(extension_loaded('curl') ? 0 : 1);"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_curl {
        eprintln!("SKIPPED: php's curl extension not installed (apt-get install php-curl)");
        return;
    }
    let c = client();
    let script = format!(
        r#"$ch = curl_init("{url}/api/v1/dialer.php?api_action=add_contact_list");
        curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
        curl_setopt($ch, CURLOPT_POSTFIELDS, ["api_user" => "{user}", "api_key" => "{key}", "name" => "PHP curl list"]);
        $list = json_decode(curl_exec($ch), true);
        $ch = curl_init("{url}/api/v1/dialer.php?api_action=add_contact");
        curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
        curl_setopt($ch, CURLOPT_POSTFIELDS, [
            "api_user" => "{user}", "api_key" => "{key}", "contact_list" => $list["id"],
            "phone_number" => "8155550103", "first_name" => "Zoë", "city" => "St. Louis",
            "custom:colour" => "green",
        ]);
        echo curl_exec($ch);"#,
        url = c.base,
        user = c.user,
        key = c.key
    );
    let out = std::process::Command::new("php")
        .args(["-r", &script])
        .output()
        .expect("php runs");
    let answer = String::from_utf8_lossy(&out.stdout);
    assert!(
        answer.contains(r#""result":"success""#),
        "{answer} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stored_contact(sim(), "PHP curl list", "8155550103"),
        (
            "Zoë".into(),
            "St. Louis".into(),
            r#"{"colour":"green"}"#.into()
        )
    );
}

// ---- 8: error texts in plain English -------------------------------------------------------

/// A POST of `body` with `content_type`, answered in JSON: the status and the error text.
fn refusal(c: &Client, path: &str, content_type: &str, body: &[u8]) -> (u16, String) {
    let r = c.raw("POST", path, &[("Content-Type", content_type)], body);
    (r.status, error_of(&r.json()))
}

#[test]
fn error_texts_are_plain_english() {
    let c = client();
    let form = "application/x-www-form-urlencoded";
    let creds = format!(
        "api_user={}&api_key={}",
        common::enc(&c.user),
        common::enc(&c.key)
    );
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "/api/v1/sms.php?api_action=query_sms",
            format!("{creds}&results_limit=abc"),
            r#"invalid `results_limit`: "abc" must be a whole number"#,
        ),
        (
            "/api/v1/sms.php?api_action=query_sms",
            format!("{creds}&results_limit=-1"),
            "results_limit must not be negative",
        ),
        (
            "/api/v1/reports.php?api_action=report",
            format!("{creds}&options[]=per_page%3Dabc"),
            r#"invalid `options[per_page]`: "abc" must be a whole number"#,
        ),
        (
            "/api/v1/reports.php?api_action=report",
            format!("{creds}&options[]=page%3D1x"),
            r#"invalid `options[page]`: "1x" must be a page number from 0, or ALL"#,
        ),
        (
            "/api/v1/dialer.php?api_action=add_contact_list",
            format!("{creds}&name=a%01b"),
            r#"invalid `name`: "a\u0001b" contains the control character U+0001"#,
        ),
    ];
    for (path, body, want) in cases {
        let r = c.raw("POST", path, &[("Content-Type", form)], body.as_bytes());
        assert_eq!(r.status, 200, "{body}");
        assert_eq!(error_of(&r.json()), want, "{body}");
    }
    let path = "/api/v1/example.php?api_action=test";
    let json_cases: [(&[u8], &str); 4] = [
        (
            b"{\"api_user\": tru}",
            "Malformed JSON body at line 1, column 14: unexpected `t`, expected a JSON value",
        ),
        (
            b"{\"a\":1,}",
            "Malformed JSON body at line 1, column 8: trailing comma",
        ),
        (
            "{\u{201C}a\u{201D}:1}".as_bytes(),
            "Malformed JSON body at line 1, column 2: typographic quote `\u{201C}` where a string key was expected; JSON needs straight quotes",
        ),
        (
            b"{\"a\":\"x\x01\"}",
            "Malformed JSON body at line 1, column 8: control character in string (escape it)",
        ),
    ];
    for (body, want) in json_cases {
        assert_eq!(
            refusal(&c, path, "application/json", body),
            (400, want.to_owned()),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    assert_eq!(
        refusal(&c, path, "application/xml", b"<request><a>1</b></request>"),
        (
            400,
            "Malformed XML body at line 1, column 14: malformed XML: ill-formed document: expected `</a>`, but `</b>` was found"
                .to_owned()
        )
    );
}

// ---- 9: one rule for encodings: UTF-8 only, refused naming the field -------------------------

#[test]
fn text_that_is_not_utf8_is_refused_naming_the_field() {
    let c = client();
    let path = "/api/v1/dialer.php?api_action=add_contact_list";
    let creds = format!(
        "api_user={}&api_key={}",
        common::enc(&c.user),
        common::enc(&c.key)
    );
    let want = |kind: &str, field: &str| {
        (
            400,
            format!("{kind} field `{field}` is not UTF-8 text; the API reads UTF-8 only"),
        )
    };
    // Form: escaped and raw bytes, in a value and in a name.
    let body = format!("{creds}&name=Caf%E9");
    assert_eq!(
        refusal(
            &c,
            path,
            "application/x-www-form-urlencoded",
            body.as_bytes()
        ),
        want("Form", "name")
    );
    let mut raw = format!("{creds}&filters[src]=").into_bytes();
    raw.push(0xE9);
    assert_eq!(
        refusal(&c, path, "application/x-www-form-urlencoded", &raw),
        want("Form", "filters[src]")
    );
    let body = format!("{creds}&na%FFme=x");
    assert_eq!(
        refusal(
            &c,
            path,
            "application/x-www-form-urlencoded",
            body.as_bytes()
        ),
        (
            400,
            "Form field `na\u{FFFD}me` has a name that is not UTF-8 text; the API reads UTF-8 only"
                .to_owned()
        )
    );
    // The query string too.
    let body = creds.clone();
    assert_eq!(
        refusal(
            &c,
            "/api/v1/example.php?api_action=te%FFst",
            "application/x-www-form-urlencoded",
            body.as_bytes()
        ),
        want("Query string", "api_action")
    );
    // JSON and XML.
    let mut json = format!(
        r#"{{"api_user":"{}","api_key":"{}","name":"Caf"#,
        c.user, c.key
    )
    .into_bytes();
    json.extend_from_slice(b"\xe9\"}");
    assert_eq!(
        refusal(&c, path, "application/json", &json),
        want("JSON", "name")
    );
    let mut xml = format!("<request><api_user>{}</api_user><name>Caf", c.user).into_bytes();
    xml.extend_from_slice(b"\xe9</name></request>");
    assert_eq!(
        refusal(&c, path, "application/xml", &xml),
        want("XML", "name")
    );
    // An XML body in another declared encoding is refused, naming it.
    let mut latin1 =
        b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<request><name>Caf".to_vec();
    latin1.extend_from_slice(b"\xe9</name></request>");
    assert_eq!(
        refusal(&c, path, "application/xml", &latin1),
        (
            400,
            "Malformed XML body at line 1, column 1: the body declares encoding \"ISO-8859-1\"; only UTF-8 is accepted"
                .to_owned()
        )
    );
    // UTF-8 itself, declared or not, is read.
    let utf8 = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<request><api_user>{}</api_user><api_key>{}</api_key><name>Café</name></request>",
        c.user, c.key
    );
    let r = c.raw(
        "POST",
        path,
        &[("Content-Type", "application/xml")],
        utf8.as_bytes(),
    );
    assert_eq!(r.json()["result"], "success", "{}", r.body);
}
