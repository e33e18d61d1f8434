//! The public surface both client crates share: `dlspbx` and `dlspbx-async` re-export this
//! module at their roots (`pub use dlspbx_runtime::facade::*`) and add their `Client`, so
//! the two crates offer the same paths (`dlspbx::Format`, `dlspbx_async::Format`, ...).

pub use crate::export::{ExportRow, ExportSummary};
pub use crate::retry::RetryPolicy;
pub use crate::{ClientConfig, ClientExt, FromConfig, RawResponse};
pub use crate::{config, export, pages, retry};

pub use dlspbx_core::generated::client::{Caller, Modules};
pub use dlspbx_core::http::{Credentials, HttpRequest, RequestOptions};
pub use dlspbx_core::report::{Cell, CellType, ColumnIndex, FromCell, Page, ReportTable, Row};
pub use dlspbx_core::request::form::{FormLimits, Oversize};
pub use dlspbx_core::{
    CellError, DecodeError, Encoding, Endpoint, Error, Format, InvalidRequest, Position, Result,
    Str,
};
pub use dlspbx_core::{dialer, example, reports, sms, status, subscribers};

/// The sans-IO core: request building, wire formats and decoding, for uses beyond the client.
pub use dlspbx_core as sans_io;

/// What most programs need, with the client crate's `Client` and `ClientBuilder`: each
/// client's `prelude` re-exports it.
pub mod prelude {
    pub use crate::{ClientExt, RawResponse};
    pub use dlspbx_core::{Caller, Encoding, Error, Format, Modules};
}
