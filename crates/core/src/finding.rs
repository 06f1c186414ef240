//! The result model shared by every dialect: a [`Finding`] per policy rule and resource.

use crate::manifest::Origin;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// The outcome of one rule on one resource, with the Policy Report API's meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The resource meets the rule.
    Pass,
    /// The resource violates an enforced rule.
    Fail,
    /// The resource violates a rule that only warns (or audits).
    Warn,
    /// The rule could not be evaluated (bad policy, unsupported feature, malformed object).
    /// Never folded into pass.
    Error,
    /// The rule was deliberately not applied (exemption, not selected).
    Skip,
}

impl Verdict {
    /// Every verdict, in report-summary order.
    pub const ALL: [Verdict; 5] = [
        Verdict::Pass,
        Verdict::Fail,
        Verdict::Warn,
        Verdict::Error,
        Verdict::Skip,
    ];

    /// The lower-case name used in reports (`pass`, `fail`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Warn => "warn",
            Verdict::Error => "error",
            Verdict::Skip => "skip",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How serious a failure is (the Policy Report API's severity scale).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// The lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses a severity case-insensitively, as policies write it in annotations.
    pub fn parse(text: &str) -> Option<Severity> {
        match text.trim().to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

/// One rule's outcome on one resource.
///
/// Names are `Arc<str>` because the same policy and rule names repeat over many resources.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Name of the policy.
    pub policy: Arc<str>,
    /// Name of the rule inside the policy.
    pub rule: Arc<str>,
    /// The outcome.
    pub verdict: Verdict,
    /// Human-readable explanation.
    pub message: String,
    /// Severity of a failure, when the policy says.
    pub severity: Option<Severity>,
    /// Free-text grouping, e.g. `Pod Security Standards (Baseline)`.
    pub category: Option<Arc<str>>,
    /// Whether the result counts towards compliance; audit-only results are not scored.
    pub scored: bool,
    /// The engine that produced the result.
    pub source: Arc<str>,
    /// Anything else, as strings (the Policy Report API's `properties`).
    pub properties: Vec<(Cow<'static, str>, String)>,
}

impl Finding {
    /// A finding with the given identity and outcome; scored, source `kanon`, no extras.
    pub fn new(policy: Arc<str>, rule: Arc<str>, verdict: Verdict, message: String) -> Self {
        Finding {
            policy,
            rule,
            verdict,
            message,
            severity: None,
            category: None,
            scored: true,
            source: Arc::clone(&SOURCE_KANON),
            properties: Vec::new(),
        }
    }

    /// Adds a property.
    pub fn with_property(mut self, key: impl Into<Cow<'static, str>>, value: String) -> Self {
        self.properties.push((key.into(), value));
        self
    }

    /// The value of a property, if set.
    pub fn property(&self, key: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

static SOURCE_KANON: std::sync::LazyLock<Arc<str>> =
    std::sync::LazyLock::new(|| Arc::from("kanon"));

/// The identity of an evaluated object, as the Policy Report API's `ObjectReference`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct ResourceRef {
    /// `apiVersion` of the object.
    pub api_version: String,
    /// Kind of the object.
    pub kind: String,
    /// Namespace; `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// Name (may be empty when only `generateName` is set).
    pub name: String,
    /// UID when the object has one (objects read from a cluster).
    pub uid: Option<String>,
}

impl fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// Everything the engine found about one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The resource.
    pub resource: ResourceRef,
    /// Where it was read from, for offline runs.
    pub origin: Option<Origin>,
    /// One finding per applicable rule.
    pub findings: Vec<Finding>,
}

impl Evaluation {
    /// Counts findings with the given verdict.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.findings
            .iter()
            .filter(|f| f.verdict == verdict)
            .count()
    }
}
