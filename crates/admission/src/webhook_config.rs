//! The ValidatingWebhookConfiguration and MutatingWebhookConfiguration that route the API
//! server's requests to kanon, with rules narrowed to what the loaded policies can match.

use kanon_core::{kinds, Operation};
use kanon_engine::Engine;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What the webhook configurations say.
#[derive(Debug, Clone)]
pub struct WebhookConfigParams {
    /// Name of kanon's Service.
    pub service: String,
    /// Namespace of kanon (excluded from its own webhooks, as is kube-system).
    pub namespace: String,
    /// The CA certificate (PEM) that signed kanon's serving certificate.
    pub ca_bundle_pem: String,
    /// `Fail` or `Ignore`.
    pub failure_policy: String,
    /// The API server's timeout for a call.
    pub timeout_seconds: u32,
    /// Port of the Service.
    pub port: u16,
}

/// One admission rule: a group's resources for some operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// API group (`""` for core, `*` for all).
    pub group: String,
    /// Resources (`pods`, `pods/ephemeralcontainers`, `*`).
    pub resources: Vec<String>,
    /// Operations.
    pub operations: Vec<&'static str>,
}

/// A kind no policy names: a policy that matches it matches every kind.
const PROBE: (&str, &str) = ("probe.kanon.invalid", "KanonProbeKind");

/// The rules the engine's policies need: every known kind some policy may match, grouped by
/// API group, with the union of the operations of the policies that match it. A policy that
/// matches any kind at all makes the rule `*/*`. Namespaces are always included, so the
/// webhook learns their labels.
pub fn validating_rules(engine: &Engine) -> Vec<Rule> {
    let policies = engine.policies().policies();
    let all_operations = |ops: &mut Vec<&'static str>, list: &[Operation]| {
        for op in list {
            if !ops.contains(&op.as_str()) {
                ops.push(op.as_str());
            }
        }
    };
    let wildcard: Vec<_> = policies
        .iter()
        .filter(|p| p.may_match(PROBE.0, PROBE.1))
        .collect();
    if !wildcard.is_empty() {
        let mut operations = Vec::new();
        for policy in policies {
            all_operations(&mut operations, policy.operations());
        }
        sort_operations(&mut operations);
        return vec![Rule {
            group: "*".into(),
            resources: vec!["*".into()],
            operations,
        }];
    }
    let mut groups: BTreeMap<&str, (Vec<String>, Vec<&'static str>)> = BTreeMap::new();
    for (group, kind, plural, _) in kinds::known() {
        let matching: Vec<_> = policies
            .iter()
            .filter(|p| p.may_match(group, kind))
            .collect();
        if matching.is_empty() || (group.is_empty() && kind == "Namespace") {
            continue;
        }
        let entry = groups.entry(group).or_default();
        entry.0.push(plural.to_owned());
        if group.is_empty() && kind == "Pod" {
            entry.0.push("pods/ephemeralcontainers".to_owned());
        }
        for policy in matching {
            all_operations(&mut entry.1, policy.operations());
        }
    }
    let mut rules: Vec<Rule> = groups
        .into_iter()
        .map(|(group, (resources, mut operations))| {
            sort_operations(&mut operations);
            Rule {
                group: group.to_owned(),
                resources,
                operations,
            }
        })
        .collect();
    rules.push(Rule {
        group: String::new(),
        resources: vec!["namespaces".into()],
        operations: vec!["CREATE", "UPDATE", "DELETE"],
    });
    rules
}

fn sort_operations(operations: &mut [&'static str]) {
    let rank = |op: &&str| {
        ["CREATE", "UPDATE", "DELETE", "CONNECT"]
            .iter()
            .position(|o| o == op)
    };
    operations.sort_by_key(rank);
}

/// The rules of the built-in mutations: Pods on creation, pod templates of workloads.
pub fn mutating_rules() -> Vec<Rule> {
    vec![
        Rule {
            group: String::new(),
            resources: vec!["pods".into()],
            operations: vec!["CREATE"],
        },
        Rule {
            group: String::new(),
            resources: vec!["podtemplates".into(), "replicationcontrollers".into()],
            operations: vec!["CREATE", "UPDATE"],
        },
        Rule {
            group: "apps".into(),
            resources: vec![
                "daemonsets".into(),
                "deployments".into(),
                "replicasets".into(),
                "statefulsets".into(),
            ],
            operations: vec!["CREATE", "UPDATE"],
        },
        Rule {
            group: "batch".into(),
            resources: vec!["cronjobs".into(), "jobs".into()],
            operations: vec!["CREATE", "UPDATE"],
        },
    ]
}

fn rules_json(rules: &[Rule]) -> Value {
    Value::Array(
        rules
            .iter()
            .map(|r| {
                json!({
                    "apiGroups": [r.group],
                    "apiVersions": ["*"],
                    "operations": r.operations,
                    "resources": r.resources,
                    "scope": "*",
                })
            })
            .collect(),
    )
}

fn webhook(
    params: &WebhookConfigParams,
    name: &str,
    path: &str,
    rules: &[Rule],
    side_effects: &str,
) -> Value {
    use base64::Engine as _;
    let ca_bundle = base64::engine::general_purpose::STANDARD.encode(&params.ca_bundle_pem);
    json!({
        "name": name,
        "admissionReviewVersions": ["v1", "v1beta1"],
        "clientConfig": {
            "service": {
                "name": params.service,
                "namespace": params.namespace,
                "path": path,
                "port": params.port,
            },
            "caBundle": ca_bundle,
        },
        "failurePolicy": params.failure_policy,
        "matchPolicy": "Equivalent",
        "namespaceSelector": {
            "matchExpressions": [{
                "key": "kubernetes.io/metadata.name",
                "operator": "NotIn",
                "values": ["kube-system", params.namespace],
            }],
        },
        "rules": rules_json(rules),
        "sideEffects": side_effects,
        "timeoutSeconds": params.timeout_seconds,
    })
}

/// The two configurations (validating first), as Kubernetes objects.
pub fn webhook_configurations(params: &WebhookConfigParams, engine: &Engine) -> [Value; 2] {
    // The validating webhook learns namespace labels (in memory, skipped on dry run).
    let validating = json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": "kanon", "labels": {"app.kubernetes.io/name": "kanon"}},
        "webhooks": [webhook(params, "validate.kanon.io", "/validate", &validating_rules(engine), "NoneOnDryRun")],
    });
    let mutating = json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": "kanon", "labels": {"app.kubernetes.io/name": "kanon"}},
        "webhooks": [webhook(params, "mutate.kanon.io", "/mutate", &mutating_rules(), "None")],
    });
    [validating, mutating]
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use kanon_engine::PolicySet;

    #[test]
    fn pod_security_needs_pods_workloads_and_namespaces() {
        let engine = Engine::new(PolicySet::builtin_default());
        let rules = validating_rules(&engine);
        let core = rules.iter().find(|r| r.group.is_empty()).unwrap();
        assert_eq!(
            core.resources,
            [
                "pods",
                "pods/ephemeralcontainers",
                "podtemplates",
                "replicationcontrollers"
            ]
        );
        assert_eq!(core.operations, ["CREATE", "UPDATE"]);
        let namespaces = rules.last().unwrap();
        assert_eq!(namespaces.resources, ["namespaces"]);
        assert_eq!(namespaces.operations, ["CREATE", "UPDATE", "DELETE"]);
        let apps = rules.iter().find(|r| r.group == "apps").unwrap();
        assert_eq!(
            apps.resources,
            ["deployments", "replicasets", "statefulsets", "daemonsets"]
        );
        assert_eq!(apps.operations, ["CREATE", "UPDATE"]);
        assert!(rules
            .iter()
            .all(|r| r.group != "*" && !r.resources.contains(&"*".to_owned())));
    }

    #[test]
    fn configurations_point_at_the_service_with_the_ca() {
        let params = WebhookConfigParams {
            service: "kanon".into(),
            namespace: "kanon-system".into(),
            ca_bundle_pem: "PEM".into(),
            failure_policy: "Fail".into(),
            timeout_seconds: 5,
            port: 443,
        };
        let [validating, mutating] =
            webhook_configurations(&params, &Engine::new(PolicySet::builtin_default()));
        let hook = &validating["webhooks"][0];
        assert_eq!(hook["clientConfig"]["caBundle"], "UEVN");
        assert_eq!(hook["clientConfig"]["service"]["path"], "/validate");
        assert_eq!(hook["sideEffects"], "NoneOnDryRun");
        assert_eq!(
            hook["namespaceSelector"]["matchExpressions"][0]["values"],
            json!(["kube-system", "kanon-system"])
        );
        assert_eq!(mutating["webhooks"][0]["sideEffects"], "None");
        assert_eq!(
            mutating["webhooks"][0]["admissionReviewVersions"],
            json!(["v1", "v1beta1"])
        );
    }
}
