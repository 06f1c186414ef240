//! Errors of loading admission policies.

/// Why a policy document could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VapError {
    /// The document does not have the expected shape.
    #[error("{kind} {name:?}: {message}")]
    Shape {
        /// Kind of the document.
        kind: String,
        /// `metadata.name`.
        name: String,
        /// What is wrong.
        message: String,
    },
}
