//! Errors of the Gatekeeper dialect.

/// Why a template, constraint or suite could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A ConstraintTemplate that does not compile or is malformed.
    #[error("ConstraintTemplate {name:?}: {reason}")]
    Template {
        /// `metadata.name`.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A Constraint that is malformed or whose parameters do not fit the template's schema.
    #[error("{kind} {name:?}: {reason}")]
    Constraint {
        /// The constraint kind.
        kind: String,
        /// `metadata.name`.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A gator suite file that does not follow the `Suite` format.
    #[error("suite {name:?}: {reason}")]
    Suite {
        /// The suite's name.
        name: String,
        /// What is wrong.
        reason: String,
    },
}
