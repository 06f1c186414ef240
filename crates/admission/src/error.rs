//! The errors of the admission webhook.

use std::path::PathBuf;

/// What can go wrong serving admission requests.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request body is not an AdmissionReview kanon can answer (HTTP 400).
    #[error("malformed AdmissionReview: {0}")]
    BadReview(String),
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Policies could not be loaded; each line names a file and line.
    #[error("policies not loaded:\n  {}", .0.join("\n  "))]
    Policies(Vec<String>),
    /// The TLS certificate or key is unusable.
    #[error("TLS: {0}")]
    Tls(String),
    /// The server could not listen or failed.
    #[error("server: {0}")]
    Serve(#[source] std::io::Error),
}

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
