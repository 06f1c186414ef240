//! Policy Report API objects: one namespaced report per namespace, one cluster report for
//! cluster-scoped resources, in `wgpolicyk8s.io/v1alpha2` or `openreports.io/v1alpha1`.

use crate::{write_value, Format, Result, Sink, Summary, Timestamp};
use kanon_core::{Evaluation, Finding, ResourceRef};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::io::Write;

/// Which Policy Report API to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportApi {
    /// `wgpolicyk8s.io/v1alpha2` PolicyReport / ClusterPolicyReport: what Kyverno writes and
    /// every consumer reads today.
    WgPolicyV1alpha2,
    /// `openreports.io/v1alpha1` Report / ClusterReport: the working group's successor API.
    OpenReports,
}

impl ReportApi {
    fn api_version(self) -> &'static str {
        match self {
            ReportApi::WgPolicyV1alpha2 => "wgpolicyk8s.io/v1alpha2",
            ReportApi::OpenReports => "openreports.io/v1alpha1",
        }
    }

    fn kind(self, cluster: bool) -> &'static str {
        match (self, cluster) {
            (ReportApi::WgPolicyV1alpha2, false) => "PolicyReport",
            (ReportApi::WgPolicyV1alpha2, true) => "ClusterPolicyReport",
            (ReportApi::OpenReports, false) => "Report",
            (ReportApi::OpenReports, true) => "ClusterReport",
        }
    }
}

/// The name of every report kanon writes.
pub const REPORT_NAME: &str = "kanon";

/// Results of one report, kept compact until the end.
#[derive(Default)]
struct Pending {
    /// Resources, referenced by index from `results`.
    resources: Vec<ResourceRef>,
    results: Vec<(usize, Finding)>,
    summary: Summary,
}

/// Collects findings and writes them as a `List` of reports.
pub struct ReportSink<'w> {
    out: &'w mut dyn Write,
    api: ReportApi,
    format: Format,
    timestamp: Timestamp,
    /// `None` is the cluster report.
    reports: BTreeMap<Option<String>, Pending>,
}

impl<'w> ReportSink<'w> {
    /// A sink writing to `out`; every result carries `timestamp`.
    pub fn new(
        out: &'w mut dyn Write,
        api: ReportApi,
        format: Format,
        timestamp: Timestamp,
    ) -> Self {
        ReportSink {
            out,
            api,
            format,
            timestamp,
            reports: BTreeMap::new(),
        }
    }

    /// The reports as objects, without writing them.
    pub fn to_values(&self) -> Vec<Value> {
        self.reports
            .iter()
            .map(|(namespace, pending)| self.report(namespace.as_deref(), pending))
            .collect()
    }

    fn report(&self, namespace: Option<&str>, pending: &Pending) -> Value {
        let mut metadata = Map::new();
        metadata.insert("name".into(), REPORT_NAME.into());
        if let Some(ns) = namespace {
            metadata.insert("namespace".into(), ns.into());
        }
        metadata.insert(
            "labels".into(),
            json!({"app.kubernetes.io/managed-by": "kanon"}),
        );
        let mut report = Map::new();
        report.insert("apiVersion".into(), self.api.api_version().into());
        report.insert("kind".into(), self.api.kind(namespace.is_none()).into());
        report.insert("metadata".into(), Value::Object(metadata));
        if self.api == ReportApi::OpenReports {
            report.insert("source".into(), "kanon".into());
        }
        report.insert("summary".into(), pending.summary.to_json());
        let results: Vec<Value> = pending
            .results
            .iter()
            .filter_map(|(index, finding)| {
                pending
                    .resources
                    .get(*index)
                    .map(|resource| result(finding, resource, self.timestamp))
            })
            .collect();
        report.insert("results".into(), Value::Array(results));
        Value::Object(report)
    }
}

/// One report result.
pub fn result(finding: &Finding, resource: &ResourceRef, timestamp: Timestamp) -> Value {
    let mut out = Map::new();
    out.insert("policy".into(), finding.policy.as_ref().into());
    if !finding.rule.is_empty() {
        out.insert("rule".into(), finding.rule.as_ref().into());
    }
    out.insert("result".into(), finding.verdict.as_str().into());
    out.insert("scored".into(), finding.scored.into());
    if let Some(severity) = finding.severity {
        out.insert("severity".into(), severity.as_str().into());
    }
    if let Some(category) = &finding.category {
        out.insert("category".into(), category.as_ref().into());
    }
    if !finding.message.is_empty() {
        out.insert("message".into(), finding.message.clone().into());
    }
    out.insert("source".into(), finding.source.as_ref().into());
    out.insert(
        "timestamp".into(),
        json!({"seconds": timestamp.seconds, "nanos": timestamp.nanos}),
    );
    out.insert("resources".into(), json!([resource_json(resource)]));
    if !finding.properties.is_empty() {
        let properties: Map<String, Value> = finding
            .properties
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.clone())))
            .collect();
        out.insert("properties".into(), Value::Object(properties));
    }
    Value::Object(out)
}

/// An `ObjectReference` for a resource.
pub fn resource_json(resource: &ResourceRef) -> Value {
    let mut out = Map::new();
    out.insert("apiVersion".into(), resource.api_version.clone().into());
    out.insert("kind".into(), resource.kind.clone().into());
    if let Some(ns) = &resource.namespace {
        out.insert("namespace".into(), ns.clone().into());
    }
    out.insert("name".into(), resource.name.clone().into());
    if let Some(uid) = &resource.uid {
        out.insert("uid".into(), uid.clone().into());
    }
    Value::Object(out)
}

impl Sink for ReportSink<'_> {
    fn add(&mut self, evaluation: Evaluation) -> Result<()> {
        if evaluation.findings.is_empty() {
            return Ok(());
        }
        let pending = self
            .reports
            .entry(evaluation.resource.namespace.clone())
            .or_default();
        let index = pending.resources.len();
        pending.resources.push(evaluation.resource);
        for finding in evaluation.findings {
            pending.summary.count(finding.verdict);
            pending.results.push((index, finding));
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<()> {
        let list = json!({
            "apiVersion": "v1",
            "kind": "List",
            "items": self.to_values(),
        });
        write_value(self.out, &list, self.format)
    }
}
