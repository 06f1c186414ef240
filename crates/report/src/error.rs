//! The error type of `kanon-report`.

/// A `Result` with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an output could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing to the destination failed.
    #[error("cannot write output: {0}")]
    Io(#[from] std::io::Error),
    /// Serialising JSON failed (only an I/O failure underneath, in practice).
    #[error("cannot write JSON: {0}")]
    Json(#[source] serde_json::Error),
}

impl Error {
    /// Whether the reader went away (`kanon apply | head`): not worth reporting.
    pub fn is_broken_pipe(&self) -> bool {
        match self {
            Error::Io(e) => e.kind() == std::io::ErrorKind::BrokenPipe,
            Error::Json(e) => e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe),
        }
    }
}
