//! The error type of `kanon-pss`.

/// A `Result` with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a level, version or exemption could not be read. Display texts are Pod Security
/// Admission's own, so label errors read the same as the API server's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Not `privileged`, `baseline` or `restricted`.
    #[error("must be one of privileged, baseline, restricted")]
    InvalidLevel(String),
    /// Not `latest` or `v1.<minor>`.
    #[error("must be \"latest\" or \"v1.x\"")]
    InvalidVersion(String),
}
