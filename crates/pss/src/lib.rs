//! Pod Security Standards, with Pod Security Admission's exact decisions and wording.
//!
//! Every check of the baseline and restricted profiles, in every behaviour it has had from
//! Kubernetes v1.0 to v1.37 ([`registry::LATEST_MINOR`]), evaluated on a typed view of the pod
//! ([`pod::PodView`]) and worded byte for byte as upstream words it. [`PodSecurity`] applies the
//! namespace's modes (enforce, warn, audit) to any admission request as a kanon
//! [`kanon_core::Policy`]. Each behaviour also lists the offending fields of a pod it rejects
//! ([`fields`]), as Kyverno's `podSecurity` rules report them.
//!
//! This crate is *not* an admission webhook: it has no I/O and knows nothing about HTTP.
//!
//! ```
//! use kanon_pss::{pod, registry, LevelVersion};
//! let spec = serde_json::json!({"containers": [{"name": "app", "securityContext": {"privileged": true}}]});
//! let view = pod::view(None, Some(&spec), "", true).unwrap();
//! let lv = LevelVersion::parse("baseline:v1.23").unwrap();
//! let violations = registry::evaluate(lv, &view, &|_| false);
//! assert_eq!(
//!     registry::forbidden_detail(&violations),
//!     "privileged (container \"app\" must not set securityContext.privileged=true)"
//! );
//! ```

#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod admission;
pub mod checks;
pub mod error;
pub mod fields;
pub mod level;
pub mod namespace;
pub mod pod;
pub mod registry;
mod text;

pub use admission::{PodSecurity, PssConfig, EXEMPT_ANNOTATION, POLICY_NAME};
pub use error::{Error, Result};
pub use level::{Level, LevelVersion, Version};
pub use namespace::{policy_from_labels, Mode, NamespacePolicy};
pub use text::go_quote;
