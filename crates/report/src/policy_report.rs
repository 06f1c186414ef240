//! Policy Report API objects: one namespaced report per namespace, one cluster report for
//! cluster-scoped resources, in `wgpolicyk8s.io/v1alpha2` or `openreports.io/v1alpha1`.

use crate::{Format, Result, Sink, Summary, Timestamp};
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

    /// The reports as objects, without writing them (holds every result as a JSON value;
    /// [`Sink::finish`] streams instead).
    pub fn to_values(&self) -> Vec<Value> {
        self.reports
            .iter()
            .map(|(namespace, pending)| {
                let mut report = self.header(namespace.as_deref(), pending);
                let results = results(pending, self.timestamp).collect();
                report.insert("results".into(), Value::Array(results));
                Value::Object(report)
            })
            .collect()
    }

    /// A report without its results.
    fn header(&self, namespace: Option<&str>, pending: &Pending) -> Map<String, Value> {
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
        report
    }

    /// Writes the `List` of reports as YAML, one result at a time, so that only the compact
    /// findings are ever held, never the whole document.
    fn write_yaml(&mut self) -> Result<()> {
        if self.reports.is_empty() {
            self.out
                .write_all(b"apiVersion: v1\nkind: List\nitems: []\n")?;
            return Ok(());
        }
        self.out
            .write_all(b"apiVersion: v1\nkind: List\nitems:\n")?;
        for (namespace, pending) in &self.reports {
            let header = Value::Object(self.header(namespace.as_deref(), pending));
            write_indented(self.out, &kanon_yaml::to_string(&header), "- ", "  ")?;
            self.out.write_all(b"\n")?;
            if pending.results.is_empty() {
                self.out.write_all(b"  results: []\n")?;
                continue;
            }
            self.out.write_all(b"  results:\n")?;
            for result in results(pending, self.timestamp) {
                write_indented(self.out, &kanon_yaml::to_string(&result), "  - ", "    ")?;
                self.out.write_all(b"\n")?;
            }
        }
        Ok(())
    }

    /// Writes the `List` of reports as pretty JSON, one result at a time.
    fn write_json(&mut self) -> Result<()> {
        if self.reports.is_empty() {
            self.out.write_all(
                b"{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"items\": []\n}\n",
            )?;
            return Ok(());
        }
        self.out
            .write_all(b"{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"items\": [\n")?;
        for (report_index, (namespace, pending)) in self.reports.iter().enumerate() {
            let header = Value::Object(self.header(namespace.as_deref(), pending));
            let text = serde_json::to_string_pretty(&header).map_err(crate::Error::Json)?;
            // Reopen the header object: drop its closing brace and add the results.
            let open = text.strip_suffix('}').unwrap_or(&text).trim_end();
            write_indented(self.out, open, "    ", "    ")?;
            if pending.results.is_empty() {
                self.out.write_all(b",\n      \"results\": []\n")?;
            } else {
                self.out.write_all(b",\n      \"results\": [\n")?;
                for (index, result) in results(pending, self.timestamp).enumerate() {
                    if index > 0 {
                        self.out.write_all(b",\n")?;
                    }
                    let text = serde_json::to_string_pretty(&result).map_err(crate::Error::Json)?;
                    write_indented(self.out, text.trim_end(), "        ", "        ")?;
                }
                self.out.write_all(b"\n      ]\n")?;
            }
            self.out
                .write_all(if report_index + 1 < self.reports.len() {
                    b"    },\n"
                } else {
                    b"    }\n"
                })?;
        }
        self.out.write_all(b"  ]\n}\n")?;
        Ok(())
    }
}

/// The results of a report, built one at a time.
fn results(pending: &Pending, timestamp: Timestamp) -> impl Iterator<Item = Value> + '_ {
    pending.results.iter().filter_map(move |(index, finding)| {
        pending
            .resources
            .get(*index)
            .map(|resource| result(finding, resource, timestamp))
    })
}

/// Writes `text` line by line, the first line after `first`, the others after `rest`
/// (empty lines stay empty), with newlines between lines and none after the last.
fn write_indented(out: &mut dyn Write, text: &str, first: &str, rest: &str) -> Result<()> {
    for (index, line) in text.lines().enumerate() {
        if index > 0 {
            out.write_all(b"\n")?;
        }
        if !line.is_empty() {
            out.write_all(if index == 0 { first } else { rest }.as_bytes())?;
            out.write_all(line.as_bytes())?;
        }
    }
    Ok(())
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

    fn finish(mut self: Box<Self>) -> Result<()> {
        match self.format {
            Format::Json => self.write_json(),
            Format::Yaml => self.write_yaml(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kanon_core::{Severity, Verdict};

    fn evaluation(namespace: Option<&str>, name: &str, message: &str) -> Evaluation {
        let mut finding = Finding::new("p".into(), "r".into(), Verdict::Fail, message.into());
        finding.severity = Some(Severity::High);
        Evaluation {
            resource: ResourceRef {
                api_version: "v1".into(),
                kind: if namespace.is_some() {
                    "Pod"
                } else {
                    "Namespace"
                }
                .into(),
                namespace: namespace.map(str::to_owned),
                name: name.into(),
                uid: None,
            },
            origin: None,
            findings: vec![finding.with_property("mode", "enforce".into())],
        }
    }

    fn streamed(format: Format, evaluations: Vec<Evaluation>) -> (String, Value) {
        let mut out = Vec::new();
        let mut sink = ReportSink::new(
            &mut out,
            ReportApi::WgPolicyV1alpha2,
            format,
            Timestamp::default(),
        );
        for evaluation in evaluations {
            sink.add(evaluation).unwrap();
        }
        let whole = json!({"apiVersion": "v1", "kind": "List", "items": sink.to_values()});
        Box::new(sink).finish().unwrap();
        (String::from_utf8(out).unwrap(), whole)
    }

    #[test]
    fn streamed_output_is_the_whole_document() {
        let evaluations = || {
            vec![
                evaluation(Some("a"), "x", "line one\nline two\n\nafter a blank line"),
                evaluation(Some("a"), "y", "plain"),
                evaluation(None, "n", "cluster"),
                evaluation(Some("b"), "z", "{json: like}"),
            ]
        };
        let (json_text, whole) = streamed(Format::Json, evaluations());
        assert_eq!(
            json_text,
            serde_json::to_string_pretty(&whole).unwrap() + "\n"
        );
        let (yaml_text, whole) = streamed(Format::Yaml, evaluations());
        assert_eq!(yaml_text, kanon_yaml::to_string(&whole));
    }

    #[test]
    fn no_findings_is_an_empty_list() {
        let (json_text, whole) = streamed(Format::Json, Vec::new());
        assert_eq!(
            json_text,
            serde_json::to_string_pretty(&whole).unwrap() + "\n"
        );
        let (yaml_text, whole) = streamed(Format::Yaml, Vec::new());
        assert_eq!(yaml_text, kanon_yaml::to_string(&whole));
    }
}
