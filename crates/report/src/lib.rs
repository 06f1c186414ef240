//! Everything kanon writes about its findings: Policy Report API objects, and renderings for
//! people (a table) and for CI (SARIF, JUnit).
//!
//! Each output is a [`Sink`]: it receives [`kanon_core::Evaluation`]s one at a time, in input
//! order, and writes to any `io::Write` the caller gives it. The table streams; reports,
//! SARIF and JUnit collect results (never the objects) and write once at the end.
//! This crate does no I/O of its own and reads no clock: the caller passes the time.
//!
//! ```
//! use kanon_core::{Evaluation, Finding, ResourceRef, Verdict};
//! use kanon_report::{policy_report::{ReportApi, ReportSink}, Sink, Timestamp};
//! let mut out = Vec::new();
//! let mut sink = ReportSink::new(&mut out, ReportApi::WgPolicyV1alpha2, kanon_report::Format::Json, Timestamp::default());
//! sink.add(Evaluation {
//!     resource: ResourceRef { api_version: "v1".into(), kind: "Pod".into(), namespace: Some("default".into()), name: "p".into(), uid: None },
//!     origin: None,
//!     findings: vec![Finding::new("pod-security".into(), "baseline:latest".into(), Verdict::Fail, "violates ...".into())],
//! }).unwrap();
//! Box::new(sink).finish().unwrap();
//! let list: serde_json::Value = serde_json::from_slice(&out).unwrap();
//! assert_eq!(list["items"][0]["summary"]["fail"], 1);
//! ```

#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod error;
pub mod junit;
pub mod policy_report;
pub mod sarif;
pub mod summary;
pub mod table;

pub use error::{Error, Result};
pub use summary::Summary;

use kanon_core::Evaluation;

/// A point in time as the Policy Report API writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timestamp {
    /// Seconds since the Unix epoch.
    pub seconds: i64,
    /// Nanoseconds, 0..1e9.
    pub nanos: u32,
}

/// Serialisation of structured outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON, pretty-printed.
    Json,
    /// YAML, block style.
    Yaml,
}

/// Receives evaluations in input order and writes an output.
pub trait Sink {
    /// Takes one resource's findings.
    fn add(&mut self, evaluation: Evaluation) -> Result<()>;
    /// Writes whatever is pending. Called once, after the last [`Sink::add`].
    fn finish(self: Box<Self>) -> Result<()>;
}
