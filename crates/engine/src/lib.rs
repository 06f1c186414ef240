//! kanon's engine: a compiled set of policies of every dialect, evaluated per request.
//!
//! The engine is the only crate that knows every dialect. It owns the [`PolicySet`] (policies
//! compiled once), the [`Namespaces`] it knows labels for, and turns each admission request
//! into an [`kanon_core::Evaluation`]: the resource plus one finding per applicable rule.
//! It does no I/O; the CLI and the webhook feed it.
//!
//! ```
//! use kanon_core::{manifest, Operation};
//! use kanon_engine::{Engine, Namespaces, PolicySet};
//! let engine = Engine::new(PolicySet::builtin_default());
//! let mut manifests = Vec::new();
//! manifest::load_str(
//!     "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    securityContext: {privileged: true}\n",
//!     "pod.yaml".into(), &Default::default(), &mut |m| manifests.push(m.unwrap()),
//! );
//! let evaluation = engine.evaluate_manifest(manifests.remove(0), Operation::Create, "default", &Namespaces::default());
//! assert_eq!(evaluation.count(kanon_core::Verdict::Fail), 1);
//! ```

#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod engine;
mod loader;
mod namespaces;
mod policy_set;

pub use engine::{resource_ref, Engine};
pub use loader::{classify, DocumentKind, PolicyLoader};
pub use namespaces::Namespaces;
pub use policy_set::PolicySet;
