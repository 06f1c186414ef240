//! kanon's admission webhook: the API server sends each request, kanon allows, denies, warns
//! or patches.
//!
//! The pure parts — reading and answering AdmissionReviews ([`review`]), deciding from
//! findings ([`decision`]), mutation patches ([`mutation`]), webhook configurations
//! ([`webhook_config`]) — do no I/O and are tested without a socket. [`server`] is the thin
//! shell: HTTPS (rustls through axum-server), the serving policy set swapped whole on
//! reload, the namespace-label cache, evaluation on blocking threads behind a concurrency
//! limit and a deadline, metrics ([`metrics`]), graceful shutdown. It is not a cluster
//! client: namespace labels come from Namespace requests and `--namespaces` files.
//!
//! ```
//! use kanon_admission::review::{parse_review, review_response};
//! use kanon_admission::decision::{decide, DecisionContext};
//! use kanon_engine::{Engine, PolicySet};
//! let body = br#"{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
//!     "uid": "1", "kind": {"group": "", "version": "v1", "kind": "Pod"}, "operation": "CREATE",
//!     "name": "p", "namespace": "default",
//!     "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
//!                "spec": {"containers": [{"name": "c", "securityContext": {"privileged": true}}]}}}}"#;
//! let review = parse_review(body).unwrap();
//! let engine = Engine::new(PolicySet::builtin_default());
//! let findings = engine.evaluate(&review.request, None);
//! let response = decide(&review.request, &findings, DecisionContext::default());
//! assert!(!response.allowed);
//! assert!(response.message.unwrap().starts_with(r#"pods "p" is forbidden: violates PodSecurity "baseline:latest": privileged"#));
//! let answer = review_response(review.version, &review.request.uid, &Default::default());
//! assert_eq!(answer["response"]["uid"], "1");
//! ```

#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod decision;
pub mod error;
pub mod metrics;
pub mod mutation;
pub mod policies;
pub mod review;
pub mod server;
pub mod tls;
pub mod webhook_config;

pub use error::{Error, Result};
pub use server::{app, start, Running, ServeConfig, Shared};
