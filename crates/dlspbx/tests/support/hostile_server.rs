//! A hostile HTTP server on loopback for the clients' robustness tests (`tests/hostile.rs` of
//! `dlspbx` and `dlspbx-async`, which include this file with `#[path]`): after reading the
//! request it answers with raw bytes of the test's choosing, at the pace of the test's
//! choosing: bodies that never end, drip-fed bytes, lying `Content-Length`s, truncated bodies,
//! redirects, garbage instead of HTTP or TLS. Every connection is counted, so a test can show
//! that a second host received nothing.
//!
//! Every loop is bounded: a writer stops when the client goes away or after [`MAX_SERVE`].
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The API key of every hostile test: it must never show in an error.
pub const KEY: &str = "hostile-KEY-5ecr3t-0123456789";
pub const USER: &str = "100@default";

/// No connection is served longer than this, whatever the test asked for.
pub const MAX_SERVE: Duration = Duration::from_secs(20);

/// What the server does with a connection.
#[derive(Debug, Clone)]
pub enum Act {
    /// Write these bytes after reading the request, then close.
    Raw(Vec<u8>),
    /// Write these bytes, then keep the connection open without writing (until the client
    /// goes away or [`MAX_SERVE`]).
    RawThenStall(Vec<u8>),
    /// Write `head`, then `chunk` every `every`, forever (a body that never ends).
    Endless {
        head: Vec<u8>,
        chunk: Vec<u8>,
        every: Duration,
    },
    /// Write `bytes` one at a time, one every `every`.
    Drip { bytes: Vec<u8>, every: Duration },
    /// Close the connection without reading or writing anything.
    Close,
    /// Do not read the request; write these bytes at once (for protocols that speak first,
    /// or a server that answers a TLS hello with plain HTTP).
    Greet(Vec<u8>),
    /// Read nothing, write nothing, until the client goes away.
    Silent,
}

/// A 200 response head with `Content-Type` and, when given, `Content-Length`.
pub fn head(
    status: u16,
    content_type: &str,
    length: Option<u64>,
    extra: &[(&str, &str)],
) -> Vec<u8> {
    let mut out =
        format!("HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nConnection: close\r\n");
    if let Some(n) = length {
        out.push_str(&format!("Content-Length: {n}\r\n"));
    }
    for (k, v) in extra {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// A complete response with a correct `Content-Length`.
pub fn response(status: u16, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = head(status, content_type, Some(body.len() as u64), &[]);
    out.extend_from_slice(body);
    out
}

/// A request as the server read it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub request_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A running hostile server. It lives until the test process ends.
pub struct Hostile {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Hostile {
    /// Serves every connection with `act` on 127.0.0.1.
    pub fn start(act: Act) -> Hostile {
        Self::start_on("127.0.0.1:0", act)
    }

    /// Serves every connection with `act` on `addr` (such as `127.0.0.2:0`, another loopback
    /// host).
    pub fn start_on(addr: &str, act: Act) -> Hostile {
        let listener = TcpListener::bind(addr).unwrap_or_else(|e| panic!("bind {addr}: {e}"));
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (count, record) = (Arc::clone(&connections), Arc::clone(&seen));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                count.fetch_add(1, Ordering::SeqCst);
                let (act, record) = (act.clone(), Arc::clone(&record));
                std::thread::spawn(move || serve(stream, &act, &record));
            }
        });
        Hostile {
            addr,
            connections,
            seen,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `https://127.0.0.1:PORT` (the server speaks no TLS).
    pub fn https_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// The requests read so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// A loopback address other than 127.0.0.1 (another host as far as a URL is concerned), or
/// 127.0.0.1 when the system cannot bind it.
pub fn other_host() -> &'static str {
    if TcpListener::bind("127.0.0.2:0").is_ok() {
        "127.0.0.2:0"
    } else {
        "127.0.0.1:0"
    }
}

fn serve(stream: TcpStream, act: &Act, seen: &Mutex<Vec<Seen>>) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut stream = stream;
    match act {
        Act::Close => return,
        Act::Greet(bytes) => {
            let _ = stream.write_all(bytes);
            let _ = stream.flush();
            // Let the client read it before the close resets the connection.
            std::thread::sleep(Duration::from_millis(200));
            return;
        }
        Act::Silent => {
            stall(&stream, Instant::now());
            return;
        }
        _ => {}
    }
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Some(request) = read_request(&stream) else {
        return;
    };
    seen.lock().unwrap().push(request);
    let started = Instant::now();
    match act {
        Act::Raw(bytes) => {
            let _ = stream.write_all(bytes);
            let _ = stream.flush();
        }
        Act::RawThenStall(bytes) => {
            let _ = stream.write_all(bytes);
            let _ = stream.flush();
            stall(&stream, started);
        }
        Act::Endless { head, chunk, every } => {
            if stream.write_all(head).is_err() {
                return;
            }
            while started.elapsed() < MAX_SERVE {
                if stream
                    .write_all(chunk)
                    .and_then(|()| stream.flush())
                    .is_err()
                {
                    return;
                }
                if !every.is_zero() {
                    std::thread::sleep(*every);
                }
            }
        }
        Act::Drip { bytes, every } => {
            for b in bytes {
                if started.elapsed() > MAX_SERVE
                    || stream
                        .write_all(&[*b])
                        .and_then(|()| stream.flush())
                        .is_err()
                {
                    return;
                }
                std::thread::sleep(*every);
            }
        }
        Act::Close | Act::Greet(_) | Act::Silent => {}
    }
}

/// Waits until the client closes the connection (a read returns 0 or fails for good).
fn stall(stream: &TcpStream, started: Instant) {
    let mut stream = stream;
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let mut buf = [0u8; 1024];
    while started.elapsed() < MAX_SERVE {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return,
        }
    }
}

fn read_request(stream: &TcpStream) -> Option<Seen> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let request_line = line.trim_end().to_owned();
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':')?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length.min(16 << 20)];
    reader.read_exact(&mut body).ok()?;
    Some(Seen {
        request_line,
        headers,
        body,
    })
}

/// Peak resident memory of this process (`VmHWM`), in bytes; `None` off Linux.
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The bodies of the hostile cases, by name.
pub mod bodies {
    /// `[[[[...` 100,000 levels deep, inside a JSON success object.
    pub fn deep_json() -> Vec<u8> {
        let mut b = b"{\"result\":\"success\",\"queues\":".to_vec();
        b.extend(std::iter::repeat_n(b'[', 100_000));
        b
    }

    /// `<a><a><a>...` 100,000 levels deep, inside `<response>`.
    pub fn deep_xml() -> Vec<u8> {
        let mut b = b"<response><result>success</result><queues>".to_vec();
        for _ in 0..100_000 {
            b.extend_from_slice(b"<a>");
        }
        b
    }

    /// YAML nested 100,000 levels deep: flow sequences `[[[...` and block mappings.
    pub fn deep_yaml_flow() -> Vec<u8> {
        let mut b = b"result: success\nqueues: ".to_vec();
        b.extend(std::iter::repeat_n(b'[', 100_000));
        b
    }

    /// Block sequences 100,000 levels deep on one line: `- - - - ... x`.
    pub fn deep_yaml_block() -> Vec<u8> {
        let mut b = b"result: success\nqueues:\n".to_vec();
        for _ in 0..100_000 {
            b.extend_from_slice(b"- ");
        }
        b.extend_from_slice(b"x\n");
        b
    }

    /// The "billion laughs" of YAML: nine levels of aliases, each ten times the previous.
    pub fn yaml_alias_bomb() -> Vec<u8> {
        let mut s = String::from(
            "result: success\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            let (prev, next) = (w[0], w[1]);
            let refs = vec![format!("*{prev}"); 9].join(",");
            s.push_str(&format!("{next}: &{next} [{refs}]\n"));
        }
        s.push_str("queues: *i\n");
        s.into_bytes()
    }

    /// An XML document with a DOCTYPE declaring an external entity on `url` and a billion
    /// laughs, used in the body.
    pub fn xml_external_entity(url: &str) -> Vec<u8> {
        format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE response [\n  <!ENTITY ext SYSTEM \"{url}/secret.txt\">\n  \
             <!ENTITY lol \"lol\">\n  <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n]>\n\
             <response><result>success</result><queues><q><queue>&ext;&lol2;</queue></q></queues></response>"
        )
        .into_bytes()
    }

    /// An XML document that uses an undeclared entity, without a DOCTYPE.
    pub fn xml_undeclared_entity() -> Vec<u8> {
        b"<response><result>success</result><error>&xxe;</error></response>".to_vec()
    }

    /// A JSON success body with invalid UTF-8 inside a string.
    pub fn invalid_utf8_json() -> Vec<u8> {
        let mut b = b"{\"result\":\"success\",\"users\":[{\"ext\":\"".to_vec();
        b.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28]);
        b.extend_from_slice(b"\"}]}");
        b
    }

    /// An HTML error page of a proxy.
    pub fn html_page() -> Vec<u8> {
        b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>\n"
            .to_vec()
    }
}
