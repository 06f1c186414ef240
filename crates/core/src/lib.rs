//! kanon's shared vocabulary: what is evaluated and what comes out.
//!
//! Every policy dialect (Pod Security Standards, Kyverno, Gatekeeper, CEL) reads the same
//! input, an [`AdmissionRequest`] plus what is known about its namespace ([`EvalContext`]),
//! and writes the same output, [`Finding`]s grouped per resource in an [`Evaluation`].
//! Offline runs (`kanon apply`) synthesise CREATE requests from [`Manifest`]s; the webhook
//! feeds real requests to the same code.
//!
//! This crate does no I/O: manifests come in as text plus a display name, time and cluster
//! facts come in as arguments. It is *not* a Kubernetes client and has no typed API objects;
//! objects are `serde_json::Value`s, read through small accessors in [`object`].
//!
//! ```
//! use kanon_core::{manifest, Operation};
//! let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n";
//! let mut manifests = Vec::new();
//! manifest::load_str(text, "pod.yaml".into(), &Default::default(), &mut |m| manifests.push(m));
//! let pod = manifests.remove(0).unwrap();
//! let request = pod.into_request(Operation::Create, "default");
//! assert_eq!(request.kind.kind, "Pod");
//! assert_eq!(request.namespace.as_deref(), Some("default"));
//! ```

#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod admission;
pub mod duration;
pub mod error;
pub mod finding;
pub mod kinds;
pub mod manifest;
pub mod object;
pub mod policy;
pub mod quantity;
pub mod selector;

pub use admission::{
    AdmissionRequest, GroupVersionKind, GroupVersionResource, Operation, UserInfo,
};
pub use error::{Error, Result};
pub use finding::{Evaluation, Finding, ResourceRef, Severity, Verdict};
pub use manifest::{Manifest, Origin};
pub use policy::{EvalContext, Labels, Policy};
pub use selector::{LabelSelector, LabelSelectorRequirement};
