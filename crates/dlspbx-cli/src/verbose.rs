//! `-v/--verbose`: one line on stderr per HTTP call, from the clients' `dlspbx.call` span:
//! `dlspbx: POST URL -> 200, 1234 bytes in 12 ms (1 attempt)`, or how it failed. The URL
//! holds no credentials (they go in the body only), so nothing needs redacting.
//!
//! A small `tracing` subscriber of its own: the clients already record every field on the
//! span, and the CLI needs nothing else of a logging framework.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// What a call's span has recorded.
#[derive(Default)]
struct CallLine {
    url: String,
    status: Option<u64>,
    bytes: Option<u64>,
    attempts: Option<u64>,
    elapsed_ms: Option<u64>,
    error: Option<String>,
    /// Open handles of the span (clones count).
    refs: usize,
}

impl Visit for CallLine {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "status" => self.status = Some(value),
            "bytes" => self.bytes = Some(value),
            "attempts" => self.attempts = Some(value),
            "elapsed_ms" => self.elapsed_ms = Some(value),
            _ => {}
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "url" {
            self.url = value.to_owned();
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        if field.name() == "error" {
            self.error = Some(format!("{value:?}"));
        }
    }
}

impl CallLine {
    fn text(&self) -> String {
        let attempts = self.attempts.unwrap_or(1);
        let tries = format!("{attempts} attempt{}", if attempts == 1 { "" } else { "s" });
        let ms = self.elapsed_ms.unwrap_or(0);
        match (self.status, &self.error) {
            (Some(status), _) => match self.bytes {
                Some(b) => format!(
                    "dlspbx: POST {} -> {status}, {b} bytes in {ms} ms ({tries})",
                    self.url
                ),
                // A streamed body: its bytes are counted as the rows are written.
                None => format!("dlspbx: POST {} -> {status} in {ms} ms ({tries})", self.url),
            },
            (None, Some(e)) => {
                format!("dlspbx: POST {} failed in {ms} ms ({tries}): {e}", self.url)
            }
            (None, None) => format!("dlspbx: POST {} ended in {ms} ms ({tries})", self.url),
        }
    }
}

/// The subscriber: the open `dlspbx.call` spans by id.
#[derive(Default)]
pub struct Verbose {
    next: AtomicU64,
    calls: Mutex<HashMap<u64, CallLine>>,
}

/// The error an event (`call failed`) carries.
struct ErrorField(Option<String>);

impl Visit for ErrorField {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        if field.name() == "error" {
            self.0 = Some(format!("{value:?}"));
        }
    }
}

impl Subscriber for Verbose {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("dlspbx")
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        if span.metadata().name() == "dlspbx.call" {
            let mut line = CallLine {
                refs: 1,
                ..CallLine::default()
            };
            span.record(&mut line);
            if let Ok(mut calls) = self.calls.lock() {
                calls.insert(id, line);
            }
        }
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Ok(mut calls) = self.calls.lock()
            && let Some(line) = calls.get_mut(&span.into_u64())
        {
            values.record(line);
        }
    }

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let Some(parent) = event.parent() else {
            return;
        };
        let mut error = ErrorField(None);
        event.record(&mut error);
        if let (Some(e), Ok(mut calls)) = (error.0, self.calls.lock())
            && let Some(line) = calls.get_mut(&parent.into_u64())
        {
            line.error = Some(e);
        }
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}

    fn clone_span(&self, id: &Id) -> Id {
        if let Ok(mut calls) = self.calls.lock()
            && let Some(line) = calls.get_mut(&id.into_u64())
        {
            line.refs += 1;
        }
        id.clone()
    }

    fn try_close(&self, id: Id) -> bool {
        let Ok(mut calls) = self.calls.lock() else {
            return true;
        };
        let key = id.into_u64();
        let done = match calls.get_mut(&key) {
            Some(line) => {
                line.refs = line.refs.saturating_sub(1);
                line.refs == 0
            }
            None => return true,
        };
        if done && let Some(line) = calls.remove(&key) {
            eprintln!("{}", line.text());
        }
        done
    }
}

/// Installs [`Verbose`] for the process.
pub fn install() {
    // Only the first installation counts; a second `-v` in one process changes nothing.
    let _ = tracing::subscriber::set_global_default(Verbose::default());
}
