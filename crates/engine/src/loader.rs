//! Telling policy documents from resources, and compiling them into a [`PolicySet`].

use crate::policy_set::PolicySet;
use kanon_core::object;
use kanon_kyverno::testing::TestValues;
use kanon_kyverno::{KyvernoPolicy, KyvernoPolicySet, PolicyException, UserContext};
use serde_json::Value;
use std::sync::Arc;

/// What a document is, to the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// A Kyverno `ClusterPolicy` or `Policy`.
    KyvernoPolicy,
    /// A Kyverno `PolicyException`.
    KyvernoException,
    /// A policy of a dialect kanon does not evaluate yet.
    UnsupportedPolicy,
    /// Anything else: a resource to evaluate.
    Resource,
}

/// Classifies a document by `apiVersion` and `kind`.
pub fn classify(document: &Value) -> DocumentKind {
    let api_version = object::api_version(document);
    let kind = object::kind(document);
    let group = api_version.split_once('/').map_or("", |(g, _)| g);
    match (group, kind) {
        ("kyverno.io", "ClusterPolicy" | "Policy")
            if KyvernoPolicy::is_policy_document(document) =>
        {
            DocumentKind::KyvernoPolicy
        }
        ("kyverno.io", "PolicyException") => DocumentKind::KyvernoException,
        ("policies.kyverno.io", _) => DocumentKind::UnsupportedPolicy,
        (
            "admissionregistration.k8s.io",
            "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding"
            | "MutatingAdmissionPolicy"
            | "MutatingAdmissionPolicyBinding",
        ) => DocumentKind::UnsupportedPolicy,
        ("templates.gatekeeper.sh", "ConstraintTemplate") | ("constraints.gatekeeper.sh", _) => {
            DocumentKind::UnsupportedPolicy
        }
        _ => DocumentKind::Resource,
    }
}

/// Collects policy documents of every dialect, then builds a [`PolicySet`].
#[derive(Debug, Default)]
pub struct PolicyLoader {
    kyverno: Vec<KyvernoPolicy>,
    exceptions: Vec<PolicyException>,
    kyverno_values: Option<TestValues>,
    kyverno_user: Option<UserContext>,
}

impl PolicyLoader {
    /// A loader with nothing loaded.
    pub fn new() -> Self {
        PolicyLoader::default()
    }

    /// Adds a policy document. Returns an error message for documents that are not policies
    /// kanon can evaluate.
    pub fn add(&mut self, document: &Value) -> Result<(), String> {
        match classify(document) {
            DocumentKind::KyvernoPolicy => {
                let policy = KyvernoPolicy::from_value(document).map_err(|e| e.to_string())?;
                self.kyverno.push(policy);
                Ok(())
            }
            DocumentKind::KyvernoException => {
                self.exceptions.push(PolicyException::from_value(document)?);
                Ok(())
            }
            DocumentKind::UnsupportedPolicy => Err(format!(
                "{} {:?}: this policy kind is not supported by kanon yet",
                object::kind(document),
                object::name(document)
            )),
            DocumentKind::Resource => Err(format!(
                "{}/{} {:?} is not a policy",
                object::api_version(document),
                object::kind(document),
                object::name(document)
            )),
        }
    }

    /// Offline answers for Kyverno variables and context entries (a Kyverno `Values`
    /// document, as given to `kyverno apply --values-file`).
    pub fn set_kyverno_values(&mut self, values: TestValues) {
        self.kyverno_values = Some(values);
    }

    /// The requester Kyverno policies see offline (a Kyverno `UserInfo` document).
    pub fn set_kyverno_user(&mut self, user: UserContext) {
        self.kyverno_user = Some(user);
    }

    /// How many policies were loaded.
    pub fn len(&self) -> usize {
        self.kyverno.len()
    }

    /// Whether no policy was loaded.
    pub fn is_empty(&self) -> bool {
        self.kyverno.is_empty()
    }

    /// Adds the loaded policies to a policy set.
    pub fn install(self, set: &mut PolicySet) {
        if !self.kyverno.is_empty() || !self.exceptions.is_empty() {
            let mut kyverno = KyvernoPolicySet::new(self.kyverno, self.exceptions);
            if let Some(values) = self.kyverno_values {
                kyverno = kyverno.with_values(values);
            }
            if let Some(user) = self.kyverno_user {
                kyverno = kyverno.with_user(user);
            }
            set.add(Arc::new(kyverno));
        }
    }
}
