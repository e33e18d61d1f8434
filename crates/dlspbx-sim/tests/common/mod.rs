//! A tiny HTTP client for the simulator tests.
#![allow(dead_code)]

use serde_json::{Map, Value, json};

/// Percent-encodes a form key or value.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `k=v&k=v`.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub struct Client {
    agent: ureq::Agent,
    pub base: String,
    pub user: String,
    pub key: String,
}

pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl Client {
    pub fn new(base: &str, user: &str, key: &str) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Client {
            agent,
            base: base.to_owned(),
            user: user.to_owned(),
            key: key.to_owned(),
        }
    }

    pub fn as_user(&self, user: &str, key: &str) -> Client {
        Client::new(&self.base, user, key)
    }

    /// Any request: `path_and_query` after the base URL, optional content type and body.
    pub fn raw(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let url = format!("{}{}", self.base, path_and_query);
        let result = match method {
            "GET" => {
                let mut r = self.agent.get(&url);
                for (k, v) in headers {
                    r = r.header(*k, *v);
                }
                r.call()
            }
            "PUT" => {
                let mut r = self.agent.put(&url);
                for (k, v) in headers {
                    r = r.header(*k, *v);
                }
                r.send(body)
            }
            _ => {
                let mut r = self.agent.post(&url);
                for (k, v) in headers {
                    r = r.header(*k, *v);
                }
                r.send(body)
            }
        };
        let mut resp = result.unwrap_or_else(|e| panic!("request to {url} failed: {e}"));
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = resp
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_string()
            .unwrap_or_default();
        Reply {
            status,
            content_type,
            body,
        }
    }

    /// A form POST with the credentials, in `format`.
    pub fn form_in(
        &self,
        file: &str,
        action: &str,
        format: &str,
        fields: &[(&str, &str)],
    ) -> Reply {
        let mut all: Vec<(&str, &str)> = vec![("api_user", &self.user), ("api_key", &self.key)];
        all.extend_from_slice(fields);
        self.raw(
            "POST",
            &format!("/api/v1/{file}?api_action={action}&api_format={format}"),
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form_body(&all).as_bytes(),
        )
    }

    /// A form POST with the credentials, answered in JSON.
    pub fn form(&self, file: &str, action: &str, fields: &[(&str, &str)]) -> Value {
        let r = self.form_in(file, action, "json", fields);
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    }

    /// A JSON POST with the credentials merged into `body`, answered in `format`.
    pub fn json_in(&self, file: &str, action: &str, format: &str, body: Value) -> Reply {
        let mut m = match body {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            other => panic!("body must be an object: {other}"),
        };
        m.insert("api_user".into(), json!(self.user));
        m.insert("api_key".into(), json!(self.key));
        self.raw(
            "POST",
            &format!("/api/v1/{file}?api_action={action}&api_format={format}"),
            &[("Content-Type", "application/json")],
            Value::Object(m).to_string().as_bytes(),
        )
    }

    /// A JSON POST answered in JSON.
    pub fn json(&self, file: &str, action: &str, body: Value) -> Value {
        let r = self.json_in(file, action, "json", body);
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    }
}

/// Asserts a success answer and returns it.
pub fn ok(v: Value) -> Value {
    assert_eq!(v["result"], "success", "expected success: {v}");
    v
}

/// Asserts an error answer and returns its message.
pub fn error_of(v: &Value) -> String {
    assert_eq!(v["result"], "error", "expected an error: {v}");
    v["error"].as_str().unwrap_or("").to_owned()
}
