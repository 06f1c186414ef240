//! From findings to an admission decision: who denies, what is warned, what is audited, worded
//! the way the API server and Pod Security Admission word it.

use crate::review::Response;
use kanon_core::{kinds, AdmissionRequest, Finding, Labels, Verdict};
use kanon_pss::{policy_from_labels, Level, PssConfig, POLICY_NAME};

/// The audit annotation key of Pod Security violations in audit mode. The API server
/// prefixes webhook annotation keys with the webhook's name, so the key has no `/`.
pub const PSS_AUDIT_ANNOTATION: &str = "pod-security-audit-violations";

/// The audit annotation key of admission policies whose binding audits.
pub const VAP_AUDIT_ANNOTATION: &str = "validation-policy-audit-failures";

/// What the decision needs to know besides the findings.
#[derive(Debug, Clone, Copy, Default)]
pub struct DecisionContext<'a> {
    /// The Pod Security configuration of the policy set, when it has one.
    pub pss: Option<&'a PssConfig>,
    /// The labels of the request's namespace, when kanon knows the namespace.
    pub namespace_labels: Option<&'a Labels>,
}

/// Decides a request from its findings: any `fail` or `error` denies (403) with a message
/// listing every violated rule; `warn` findings become warnings, or audit annotations for
/// audit-only modes.
pub fn decide(
    request: &AdmissionRequest,
    findings: &[Finding],
    ctx: DecisionContext<'_>,
) -> Response {
    let mut denials: Vec<String> = Vec::new();
    let mut response = Response::allow();
    let mut pss_seen = false;
    for finding in findings {
        let pss = &*finding.policy == POLICY_NAME;
        pss_seen |= pss;
        match finding.verdict {
            Verdict::Pass | Verdict::Skip => {}
            Verdict::Fail => denials.push(describe(finding, pss)),
            Verdict::Error => denials.push(format!(
                "{} could not be evaluated: {}",
                rule_name(finding),
                finding.message
            )),
            Verdict::Warn => {
                let mode = finding.property("mode");
                let actions = finding.property("validationActions").unwrap_or("");
                if pss && mode == Some("audit") {
                    annotate(&mut response, PSS_AUDIT_ANNOTATION, &finding.message);
                } else if !pss && actions.contains("Audit") && !actions.contains("Warn") {
                    annotate(&mut response, VAP_AUDIT_ANNOTATION, &finding.message);
                } else {
                    response.warnings.push(describe(finding, pss));
                    if pss && audit_equals_warn(ctx) {
                        annotate(&mut response, PSS_AUDIT_ANNOTATION, &finding.message);
                    }
                }
            }
        }
    }
    if pss_seen && is_namespaced_object(request) && ctx.namespace_labels.is_none() {
        if let Some(config) = ctx.pss.filter(|c| c.fixed.is_none()) {
            let defaults = config.defaults;
            response.warnings.push(format!(
                "namespace {} is not known to kanon yet: Pod Security evaluated with the defaults (enforce={}, warn={}, audit={})",
                kanon_pss::go_quote(request.namespace.as_deref().unwrap_or("")),
                defaults.enforce,
                defaults.warn,
                defaults.audit
            ));
        }
    }
    if !denials.is_empty() {
        response.allowed = false;
        response.code = Some(403);
        response.message = Some(format!(
            "{} {} is forbidden: {}",
            resource_phrase(request),
            kanon_pss::go_quote(&object_name(request)),
            denials.join("; ")
        ));
    }
    response
}

/// Pod Security and admission policy messages name their policy already; others get
/// `policy/rule: ` in front.
fn describe(finding: &Finding, pss: bool) -> String {
    let self_describing = pss || finding.property("engine") == Some("validating-admission-policy");
    if self_describing {
        finding.message.clone()
    } else {
        format!("{}: {}", rule_name(finding), finding.message)
    }
}

fn rule_name(finding: &Finding) -> String {
    if finding.rule.is_empty() || finding.rule == finding.policy {
        finding.policy.to_string()
    } else {
        format!("{}/{}", finding.policy, finding.rule)
    }
}

fn annotate(response: &mut Response, key: &str, message: &str) {
    response
        .audit_annotations
        .entry(key.to_owned())
        .and_modify(|v| {
            v.push_str("; ");
            v.push_str(message);
        })
        .or_insert_with(|| message.to_owned());
}

/// Whether the namespace audits at the level it warns at: Pod Security reports the two
/// modes as one finding then, and the audit annotation is due as well.
fn audit_equals_warn(ctx: DecisionContext<'_>) -> bool {
    let Some(config) = ctx.pss else {
        return false;
    };
    let policy = match (config.fixed, ctx.namespace_labels) {
        (Some(fixed), _) => fixed,
        (None, Some(labels)) => policy_from_labels(labels, &config.defaults).0,
        (None, None) => config.defaults,
    };
    policy.audit.level != Level::Privileged && policy.audit.equivalent(&policy.warn)
}

fn is_namespaced_object(request: &AdmissionRequest) -> bool {
    request
        .namespace
        .as_deref()
        .is_some_and(|ns| !ns.is_empty())
        && !(request.kind.group.is_empty() && request.kind.kind == "Namespace")
}

/// `pods`, `deployments.apps`: the resource as the API server names it in errors.
fn resource_phrase(request: &AdmissionRequest) -> String {
    let resource = if request.resource.resource.is_empty() {
        kinds::resource_for(&request.kind)
    } else {
        request.resource.clone()
    };
    if resource.group.is_empty() {
        resource.resource
    } else {
        format!("{}.{}", resource.resource, resource.group)
    }
}

/// The request's name, or the object's `generateName` while it has none yet.
fn object_name(request: &AdmissionRequest) -> String {
    if !request.name.is_empty() {
        return request.name.clone();
    }
    request
        .subject()
        .and_then(|o| o.get("metadata"))
        .and_then(|m| m.get("generateName"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
        .to_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use kanon_core::{GroupVersionKind, Operation};
    use std::sync::Arc;

    fn request(kind: &str, group: &str, name: &str) -> AdmissionRequest {
        AdmissionRequest {
            uid: "u".into(),
            kind: GroupVersionKind {
                group: group.into(),
                version: "v1".into(),
                kind: kind.into(),
            },
            name: name.into(),
            namespace: Some("sample".into()),
            operation: Operation::Create,
            ..AdmissionRequest::default()
        }
    }

    fn finding(policy: &str, rule: &str, verdict: Verdict, message: &str) -> Finding {
        Finding::new(
            Arc::from(policy),
            Arc::from(rule),
            verdict,
            message.to_owned(),
        )
    }

    #[test]
    fn every_violated_rule_is_listed_in_the_denial() {
        let findings = [
            finding("disallow-latest", "tag", Verdict::Fail, "use a tag"),
            finding("other", "ok", Verdict::Pass, ""),
            finding("limits", "limits", Verdict::Error, "no such key: resources"),
            finding("labels", "team", Verdict::Warn, "add a team label"),
        ];
        let labels = Labels::new();
        let ctx = DecisionContext {
            pss: None,
            namespace_labels: Some(&labels),
        };
        let response = decide(&request("Deployment", "apps", "web"), &findings, ctx);
        assert!(!response.allowed);
        assert_eq!(response.code, Some(403));
        assert_eq!(
            response.message.as_deref(),
            Some("deployments.apps \"web\" is forbidden: disallow-latest/tag: use a tag; limits could not be evaluated: no such key: resources")
        );
        assert_eq!(response.warnings, ["labels/team: add a team label"]);
    }

    #[test]
    fn unknown_namespaces_are_evaluated_with_the_defaults_and_say_so() {
        let config = PssConfig::default();
        let pss = finding(POLICY_NAME, "restricted:latest", Verdict::Pass, "");
        let ctx = DecisionContext {
            pss: Some(&config),
            namespace_labels: None,
        };
        let response = decide(&request("Pod", "", "p"), &[pss], ctx);
        assert!(response.allowed);
        assert_eq!(
            response.warnings,
            ["namespace \"sample\" is not known to kanon yet: Pod Security evaluated with the defaults (enforce=baseline:latest, warn=restricted:latest, audit=privileged:latest)"]
        );
    }
}
