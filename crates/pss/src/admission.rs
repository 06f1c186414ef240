//! Pod Security Standards as a kanon policy: Pod Security Admission's modes on any request.
//!
//! Pods are checked against the namespace's enforce, warn and audit levels. Workload
//! resources are checked through their pod template: Pod Security Admission only warns for
//! them, but kanon fails them early against the enforce level, since the Pods they create
//! would be rejected behind a "successful" apply; [`PssConfig::psa_compat`] restores the
//! warn-only behaviour.

use crate::level::{Level, LevelVersion};
use crate::namespace::{policy_from_labels, Mode, NamespacePolicy};
use crate::pod::{self, PodView};
use crate::registry::{self, CheckViolation};
use kanon_core::{AdmissionRequest, EvalContext, Finding, Operation, Policy, Severity, Verdict};
use serde_json::Value;
use std::sync::Arc;

/// The annotation that exempts a resource from named checks (with `allow_exemptions`).
pub const EXEMPT_ANNOTATION: &str = "kanon.io/pss-exempt";

/// The policy name of every Pod Security Standards result.
pub const POLICY_NAME: &str = "pod-security";

/// How Pod Security Standards are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PssConfig {
    /// The policy of namespaces without `pod-security.kubernetes.io` labels, and of
    /// namespaces kanon has never seen.
    pub defaults: NamespacePolicy,
    /// One policy for every namespace, ignoring labels (the CLI's `--pss`).
    pub fixed: Option<NamespacePolicy>,
    /// Pod Security Admission's exact behaviour: workloads are only warned about.
    pub psa_compat: bool,
    /// Honour the [`EXEMPT_ANNOTATION`] annotation.
    pub allow_exemptions: bool,
}

impl Default for PssConfig {
    fn default() -> Self {
        PssConfig {
            defaults: NamespacePolicy::KANON_DEFAULT,
            fixed: None,
            psa_compat: false,
            allow_exemptions: false,
        }
    }
}

/// Where a kind keeps its pod spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PodSource {
    /// A Pod: `metadata` and `spec` at the top.
    Pod,
    /// A workload: the pod template at this path (with a trailing dot, for messages).
    Template(&'static [&'static str], &'static str),
}

fn pod_source(group: &str, kind: &str) -> Option<PodSource> {
    const SPEC_TEMPLATE: PodSource = PodSource::Template(&["spec", "template"], "spec.template.");
    match (group, kind) {
        ("", "Pod") => Some(PodSource::Pod),
        ("", "PodTemplate") => Some(PodSource::Template(&["template"], "template.")),
        ("", "ReplicationController") => Some(SPEC_TEMPLATE),
        ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet") => Some(SPEC_TEMPLATE),
        ("extensions", "Deployment" | "ReplicaSet" | "DaemonSet") => Some(SPEC_TEMPLATE),
        ("batch", "Job") => Some(SPEC_TEMPLATE),
        ("batch", "CronJob") => Some(PodSource::Template(
            &["spec", "jobTemplate", "spec", "template"],
            "spec.jobTemplate.spec.template.",
        )),
        _ => None,
    }
}

/// Pod subresources that cannot change the pod spec; Pod Security Admission ignores them.
const IGNORED_POD_SUBRESOURCES: &[&str] = &[
    "exec",
    "attach",
    "binding",
    "eviction",
    "log",
    "portforward",
    "proxy",
    "status",
];

/// Pod Security Standards compiled for evaluation.
#[derive(Debug)]
pub struct PodSecurity {
    config: PssConfig,
    name: Arc<str>,
    rule_names: Vec<(LevelVersion, Arc<str>)>,
    baseline_category: Arc<str>,
    restricted_category: Arc<str>,
}

impl PodSecurity {
    /// Compiles the configuration.
    pub fn new(config: PssConfig) -> Self {
        let mut rule_names = Vec::new();
        for policy in std::iter::once(config.defaults).chain(config.fixed) {
            for lv in [policy.enforce, policy.warn, policy.audit] {
                if !rule_names.iter().any(|(known, _)| *known == lv) {
                    rule_names.push((lv, Arc::from(lv.to_string())));
                }
            }
        }
        PodSecurity {
            config,
            name: Arc::from(POLICY_NAME),
            rule_names,
            baseline_category: Arc::from("Pod Security Standards (Baseline)"),
            restricted_category: Arc::from("Pod Security Standards (Restricted)"),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &PssConfig {
        &self.config
    }

    /// The policy that applies in a namespace with these labels (`None`: never seen).
    pub fn namespace_policy(&self, labels: Option<&kanon_core::Labels>) -> NamespacePolicy {
        if let Some(fixed) = self.config.fixed {
            return fixed;
        }
        match labels {
            Some(labels) => policy_from_labels(labels, &self.config.defaults).0,
            None => self.config.defaults,
        }
    }

    fn rule_name(&self, lv: LevelVersion) -> Arc<str> {
        self.rule_names
            .iter()
            .find(|(known, _)| *known == lv)
            .map(|(_, name)| Arc::clone(name))
            .unwrap_or_else(|| Arc::from(lv.to_string()))
    }

    fn finding(&self, lv: LevelVersion, mode: Mode, verdict: Verdict, message: String) -> Finding {
        let mut finding =
            Finding::new(Arc::clone(&self.name), self.rule_name(lv), verdict, message);
        let (severity, category) = match lv.level {
            Level::Restricted => (Severity::Medium, &self.restricted_category),
            _ => (Severity::High, &self.baseline_category),
        };
        finding.severity = Some(severity);
        finding.category = Some(Arc::clone(category));
        finding.scored = mode != Mode::Audit;
        finding
            .properties
            .push(("mode".into(), mode.as_str().to_owned()));
        finding
    }

    fn check_namespace(&self, request: &AdmissionRequest, out: &mut Vec<Finding>) {
        if self.config.fixed.is_some()
            || request.sub_resource.is_some()
            || !matches!(request.operation, Operation::Create | Operation::Update)
        {
            return;
        }
        let Some(object) = request.object.as_ref() else {
            return;
        };
        let labels: kanon_core::Labels = kanon_core::object::labels(object)
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let (_, errors) = policy_from_labels(&labels, &self.config.defaults);
        if errors.is_empty() {
            return;
        }
        let details: Vec<String> = errors.iter().map(ToString::to_string).collect();
        let detail = if details.len() == 1 {
            details.concat()
        } else {
            format!("[{}]", details.join(", "))
        };
        let mut finding = Finding::new(
            Arc::clone(&self.name),
            Arc::from("namespace-labels"),
            Verdict::Fail,
            format!(
                "Namespace {} is invalid: {detail}",
                crate::text::go_quote(&request.name)
            ),
        );
        finding.severity = Some(Severity::High);
        finding.category = Some(Arc::clone(&self.baseline_category));
        out.push(finding);
    }
}

/// Whether a pod update changes anything Pod Security Standards look at (only images can
/// change on a running pod), as Pod Security Admission decides it.
fn is_significant_pod_update(new: &Value, old: &Value) -> bool {
    fn list<'a>(pod: &'a Value, field: &str) -> &'a [Value] {
        pod.get("spec")
            .and_then(|spec| spec.get(field))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
    let image = |container: &Value| container.get("image").cloned();
    for field in ["containers", "initContainers"] {
        let (a, b) = (list(new, field), list(old, field));
        if a.len() != b.len() || a.iter().zip(b).any(|(x, y)| image(x) != image(y)) {
            return true;
        }
    }
    let old_ephemeral = list(old, "ephemeralContainers");
    list(new, "ephemeralContainers").iter().any(|c| {
        match old_ephemeral
            .iter()
            .find(|o| o.get("name") == c.get("name"))
        {
            None => true,
            Some(o) => image(o) != image(c),
        }
    })
}

fn exempted_checks(
    object: &Value,
    template_meta: Option<&Value>,
) -> (Vec<&'static str>, Vec<String>) {
    let mut exempt = Vec::new();
    let mut unknown = Vec::new();
    let annotations = [
        kanon_core::object::annotation(object, EXEMPT_ANNOTATION),
        template_meta
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get(EXEMPT_ANNOTATION))
            .and_then(Value::as_str),
    ];
    for list in annotations.into_iter().flatten() {
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match registry::check_ids().find(|id| id.eq_ignore_ascii_case(name)) {
                Some(id) if !exempt.contains(&id) => exempt.push(id),
                Some(_) => {}
                None if !unknown.iter().any(|u| u == name) => unknown.push(name.to_owned()),
                None => {}
            }
        }
    }
    (exempt, unknown)
}

impl Policy for PodSecurity {
    fn name(&self) -> &str {
        POLICY_NAME
    }

    fn may_match(&self, group: &str, kind: &str) -> bool {
        (group.is_empty() && kind == "Namespace") || pod_source(group, kind).is_some()
    }

    fn operations(&self) -> &'static [Operation] {
        &[Operation::Create, Operation::Update]
    }

    fn evaluate(&self, ctx: &EvalContext<'_>, out: &mut Vec<Finding>) {
        let request = ctx.request;
        let (group, kind) = (request.kind.group.as_str(), request.kind.kind.as_str());
        if group.is_empty() && kind == "Namespace" {
            return self.check_namespace(request, out);
        }
        let Some(source) = pod_source(group, kind) else {
            return;
        };
        if !matches!(request.operation, Operation::Create | Operation::Update) {
            return;
        }
        let Some(object) = request.object.as_ref() else {
            return;
        };
        let is_pod = source == PodSource::Pod;
        match (&request.sub_resource, is_pod) {
            (Some(sub), true) if IGNORED_POD_SUBRESOURCES.contains(&sub.as_str()) => return,
            (Some(_), false) => return,
            _ => {}
        }
        if is_pod && request.operation == Operation::Update {
            if let Some(old) = &request.old_object {
                if !is_significant_pod_update(object, old) {
                    return;
                }
            }
        }

        let policy = self.namespace_policy(ctx.namespace_labels);
        let enforce_applies = is_pod || !self.config.psa_compat;
        let mut modes: Vec<(Mode, LevelVersion)> = Vec::with_capacity(3);
        if enforce_applies && policy.enforce.level != Level::Privileged {
            modes.push((Mode::Enforce, policy.enforce));
        }
        for mode in [Mode::Warn, Mode::Audit] {
            let lv = policy.get(mode);
            let redundant = lv.level == Level::Privileged
                || (enforce_applies && lv.equivalent(&policy.enforce))
                || modes
                    .iter()
                    .any(|(m, other)| *m == Mode::Warn && lv.equivalent(other));
            if !redundant {
                modes.push((mode, lv));
            }
        }
        if modes.is_empty() {
            return;
        }

        let (metadata, spec, path) = match source {
            PodSource::Pod => (object.get("metadata"), object.get("spec"), ""),
            PodSource::Template(segments, path) => {
                let template = segments
                    .iter()
                    .try_fold(object, |value, key| value.get(key));
                (
                    template.and_then(|t| t.get("metadata")),
                    template.and_then(|t| t.get("spec")),
                    path,
                )
            }
        };
        let pod = match pod::view(metadata, spec, path, is_pod) {
            Ok(pod) => pod,
            Err(error) => {
                if let Some(&(mode, lv)) = modes.first() {
                    out.push(self.finding(
                        lv,
                        mode,
                        Verdict::Error,
                        format!("cannot evaluate Pod Security of this {kind}: {error}"),
                    ));
                }
                return;
            }
        };

        let (exempt, unknown) = if self.config.allow_exemptions {
            exempted_checks(object, if is_pod { None } else { metadata })
        } else {
            (Vec::new(), Vec::new())
        };
        for name in unknown {
            let mut finding = Finding::new(
                Arc::clone(&self.name),
                Arc::from("exemption"),
                Verdict::Error,
                format!(
                    "annotation {EXEMPT_ANNOTATION} names unknown check {} (checks: {})",
                    crate::text::go_quote(&name),
                    registry::check_ids().collect::<Vec<_>>().join(", ")
                ),
            );
            finding.scored = false;
            out.push(finding);
        }

        for &(mode, lv) in &modes {
            let violations = registry::evaluate(lv, &pod, &|id| exempt.contains(&id));
            out.push(self.mode_finding(mode, lv, &violations, is_pod, kind));
        }
        for id in exempt {
            self.exemption_finding(id, &modes, &pod, out);
        }
    }
}

impl PodSecurity {
    fn mode_finding(
        &self,
        mode: Mode,
        lv: LevelVersion,
        violations: &[CheckViolation],
        is_pod: bool,
        kind: &str,
    ) -> Finding {
        if violations.is_empty() {
            return self.finding(
                lv,
                mode,
                Verdict::Pass,
                format!("meets PodSecurity \"{lv}\""),
            );
        }
        let detail = registry::forbidden_detail(violations);
        let (verdict, message) = match mode {
            Mode::Enforce if is_pod => (Verdict::Fail, format!("violates PodSecurity \"{lv}\": {detail}")),
            Mode::Enforce => (
                Verdict::Fail,
                format!(
                    "violates PodSecurity \"{lv}\": {detail}; Pods created from this {kind} would be rejected"
                ),
            ),
            Mode::Warn | Mode::Audit => (
                Verdict::Warn,
                format!("would violate PodSecurity \"{lv}\": {detail}"),
            ),
        };
        let checks: Vec<&str> = violations.iter().map(|v| v.id).collect();
        self.finding(lv, mode, verdict, message)
            .with_property("checks", checks.join(","))
    }

    fn exemption_finding(
        &self,
        id: &'static str,
        modes: &[(Mode, LevelVersion)],
        pod: &PodView<'_>,
        out: &mut Vec<Finding>,
    ) {
        let mut applies = false;
        let mut would_fail = None;
        for (_, lv) in modes {
            if let Some(scheduled) = registry::checks_for(*lv).iter().find(|c| c.id == id) {
                applies = true;
                if would_fail.is_none() {
                    would_fail = (scheduled.check)(pod);
                }
            }
        }
        if !applies {
            return;
        }
        let mut message = format!("check {id} exempted by annotation {EXEMPT_ANNOTATION}");
        if let Some(violation) = would_fail {
            message.push_str("; without the exemption: ");
            message.push_str(violation.reason);
            if !violation.detail.is_empty() {
                message.push_str(&format!(" ({})", violation.detail));
            }
        }
        let mut finding = Finding::new(
            Arc::clone(&self.name),
            Arc::from(id),
            Verdict::Skip,
            message,
        );
        finding.scored = false;
        out.push(finding.with_property("check", id.to_owned()));
    }
}
