//! Admission matching as the API server does it for admission policies: namespace selector,
//! object selector, exclude rules, then resource rules. Kyverno's CEL policies match the
//! same way.

use crate::model::{MatchResources, NamedRuleWithOperations};
use kanon_core::{LabelSelector, Labels};

/// The facts about a request that matching looks at.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'a> {
    /// API group of the resource (`""` for core).
    pub group: &'a str,
    /// API version.
    pub version: &'a str,
    /// Plural resource name (`pods`).
    pub resource: &'a str,
    /// Subresource, or `""`.
    pub subresource: &'a str,
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    pub operation: &'a str,
    /// Object name (may be empty on CREATE with `generateName`).
    pub name: &'a str,
    /// Request namespace; `""` for cluster-scoped objects.
    pub namespace: &'a str,
    /// Labels of the new object (`None` when there is none, e.g. DELETE).
    pub object_labels: Option<&'a Labels>,
    /// Labels of the old object (`None` unless UPDATE or DELETE).
    pub old_object_labels: Option<&'a Labels>,
    /// Labels of the request's namespace; for a Namespace object, its own labels. `None`
    /// when unknown: the namespace is then assumed to carry only
    /// `kubernetes.io/metadata.name`, which the API server sets on every namespace.
    pub namespace_labels: Option<&'a Labels>,
}

impl RequestFacts<'_> {
    fn is_namespace_object(&self) -> bool {
        self.group.is_empty() && self.resource == "namespaces" && self.subresource.is_empty()
    }
}

/// Why a request does not match, or `Matched`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOutcome {
    /// Every constraint holds.
    Matched,
    /// The namespace's labels do not satisfy `namespaceSelector`.
    NamespaceNotSelected,
    /// Neither the object's nor the old object's labels satisfy `objectSelector`.
    ObjectNotSelected,
    /// An `excludeResourceRules` entry matches.
    Excluded,
    /// No `resourceRules` entry matches.
    NoRule,
}

impl MatchResources {
    /// Whether some `resourceRules` entry could select this resource (plural name; any
    /// operation, version, subresource or selector): the webhook's fast path and rule
    /// narrowing.
    pub fn may_match_resource(&self, group: &str, plural: &str) -> bool {
        self.resource_rules.iter().any(|rule| {
            let group_ok = rule.api_groups.iter().any(|g| g == "*" || g == group);
            let resource_ok = rule.resources.iter().any(|r| {
                let base = r.split_once('/').map_or(r.as_str(), |(b, _)| b);
                base == "*" || base == plural
            });
            group_ok && resource_ok
        })
    }

    /// Matches a request. `Err` is a malformed selector, worded like the API server.
    pub fn matches(&self, facts: &RequestFacts<'_>) -> Result<MatchOutcome, String> {
        if !namespace_selected(self.namespace_selector.as_ref(), facts)? {
            return Ok(MatchOutcome::NamespaceNotSelected);
        }
        if !object_selected(self.object_selector.as_ref(), facts)? {
            return Ok(MatchOutcome::ObjectNotSelected);
        }
        if self.exclude_resource_rules.iter().any(|r| r.matches(facts)) {
            return Ok(MatchOutcome::Excluded);
        }
        // A policy's empty rule list matches nothing; a binding's constrains nothing (see
        // `MatchResources::matches_binding`).
        if self.resource_rules.iter().any(|r| r.matches(facts)) {
            Ok(MatchOutcome::Matched)
        } else {
            Ok(MatchOutcome::NoRule)
        }
    }
}

impl MatchResources {
    /// Matches a request against a binding's `matchResources`, where unset `resourceRules`
    /// do not constrain matching (the policy's own constraints already selected the request).
    pub fn matches_binding(&self, facts: &RequestFacts<'_>) -> Result<MatchOutcome, String> {
        if !self.resource_rules.is_empty() {
            return self.matches(facts);
        }
        let everything = MatchResources {
            resource_rules: vec![NamedRuleWithOperations {
                operations: vec!["*".to_owned()],
                api_groups: vec!["*".to_owned()],
                api_versions: vec!["*".to_owned()],
                resources: vec!["*/*".to_owned()],
                ..NamedRuleWithOperations::default()
            }],
            ..self.clone()
        };
        everything.matches(facts)
    }
}

fn namespace_selected(
    selector: Option<&LabelSelector>,
    facts: &RequestFacts<'_>,
) -> Result<bool, String> {
    let Some(selector) = selector.filter(|s| !s.is_empty()) else {
        return Ok(true);
    };
    // Cluster-scoped objects other than Namespaces are not in a namespace: the selector
    // does not apply to them.
    if facts.namespace.is_empty() && !facts.is_namespace_object() {
        return Ok(true);
    }
    let own_name = if facts.is_namespace_object() {
        facts.name
    } else {
        facts.namespace
    };
    let mut labels = facts.namespace_labels.cloned().unwrap_or_default();
    labels
        .entry("kubernetes.io/metadata.name".to_owned())
        .or_insert_with(|| own_name.to_owned());
    selector.matches(&labels)
}

fn object_selected(
    selector: Option<&LabelSelector>,
    facts: &RequestFacts<'_>,
) -> Result<bool, String> {
    let Some(selector) = selector.filter(|s| !s.is_empty()) else {
        return Ok(true);
    };
    let empty = Labels::new();
    let mut any = false;
    for labels in [facts.object_labels, facts.old_object_labels]
        .into_iter()
        .flatten()
    {
        any = true;
        if selector.matches(labels)? {
            return Ok(true);
        }
    }
    if !any {
        return selector.matches(&empty);
    }
    Ok(false)
}

fn listed(list: &[String], value: &str) -> bool {
    list.iter().any(|item| item == "*" || item == value)
}

impl NamedRuleWithOperations {
    /// Whether this rule covers the request.
    pub fn matches(&self, facts: &RequestFacts<'_>) -> bool {
        listed(&self.operations, facts.operation)
            && listed(&self.api_groups, facts.group)
            && listed(&self.api_versions, facts.version)
            && self.resource_matches(facts)
            && self.scope_matches(facts)
            && (self.resource_names.is_empty()
                || self.resource_names.iter().any(|n| n == facts.name))
    }

    fn resource_matches(&self, facts: &RequestFacts<'_>) -> bool {
        self.resources.iter().any(|entry| {
            if entry == "*/*" {
                return true;
            }
            let (resource, sub) = entry.split_once('/').unwrap_or((entry.as_str(), ""));
            let resource_ok = resource == "*" || resource == facts.resource;
            let sub_ok = if entry.contains('/') {
                sub == "*" || sub == facts.subresource
            } else {
                facts.subresource.is_empty()
            };
            resource_ok && sub_ok
        })
    }

    fn scope_matches(&self, facts: &RequestFacts<'_>) -> bool {
        // Namespace objects are cluster-scoped even though their requests carry a namespace.
        match self.scope.as_deref() {
            Some("Namespaced") => !facts.is_namespace_object() && !facts.namespace.is_empty(),
            Some("Cluster") => facts.is_namespace_object() || facts.namespace.is_empty(),
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn constraints(value: serde_json::Value) -> MatchResources {
        serde_json::from_value(value).unwrap()
    }

    fn pod<'a>(labels: &'a Labels, ns_labels: Option<&'a Labels>) -> RequestFacts<'a> {
        RequestFacts {
            group: "",
            version: "v1",
            resource: "pods",
            subresource: "",
            operation: "CREATE",
            name: "web",
            namespace: "shop",
            object_labels: Some(labels),
            old_object_labels: None,
            namespace_labels: ns_labels,
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn resource_rules_cover_groups_versions_resources_and_operations() {
        let m = constraints(json!({"resourceRules": [
            {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"], "resources": ["pods"]}
        ]}));
        let l = Labels::new();
        assert_eq!(m.matches(&pod(&l, None)), Ok(MatchOutcome::Matched));
        let delete = RequestFacts {
            operation: "DELETE",
            ..pod(&l, None)
        };
        assert_eq!(m.matches(&delete), Ok(MatchOutcome::NoRule));
        let status = RequestFacts {
            subresource: "status",
            ..pod(&l, None)
        };
        assert_eq!(m.matches(&status), Ok(MatchOutcome::NoRule));
        let sub = constraints(json!({"resourceRules": [
            {"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["*"], "resources": ["pods/*"]}
        ]}));
        assert_eq!(sub.matches(&status), Ok(MatchOutcome::Matched));
        // `pods/*` covers the pod itself too (its subresource `""` matches `*`).
        assert_eq!(sub.matches(&pod(&l, None)), Ok(MatchOutcome::Matched));
        let all = constraints(json!({"resourceRules": [
            {"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["*"], "resources": ["*/*"]}
        ]}));
        assert_eq!(all.matches(&status), Ok(MatchOutcome::Matched));
    }

    #[test]
    fn names_scope_and_exclusions() {
        let l = Labels::new();
        let named = constraints(json!({"resourceRules": [
            {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["*"], "resources": ["pods"], "resourceNames": ["db"]}
        ]}));
        assert_eq!(named.matches(&pod(&l, None)), Ok(MatchOutcome::NoRule));
        let cluster = constraints(json!({"resourceRules": [
            {"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["*"], "resources": ["*"], "scope": "Cluster"}
        ]}));
        assert_eq!(cluster.matches(&pod(&l, None)), Ok(MatchOutcome::NoRule));
        let namespace = RequestFacts {
            resource: "namespaces",
            name: "shop",
            namespace: "shop",
            ..pod(&l, None)
        };
        assert_eq!(cluster.matches(&namespace), Ok(MatchOutcome::Matched));
        let excluded = constraints(json!({
            "resourceRules": [{"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["*"], "resources": ["*"]}],
            "excludeResourceRules": [{"apiGroups": [""], "apiVersions": ["*"], "operations": ["*"], "resources": ["pods"], "resourceNames": ["web"]}]
        }));
        assert_eq!(excluded.matches(&pod(&l, None)), Ok(MatchOutcome::Excluded));
    }

    #[test]
    fn selectors_on_namespace_and_object() {
        let rules = json!([{"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["*"], "resources": ["*"]}]);
        let by_ns = constraints(
            json!({"resourceRules": rules, "namespaceSelector": {"matchLabels": {"env": "prod"}}}),
        );
        let l = Labels::new();
        let prod = labels(&[("env", "prod")]);
        assert_eq!(
            by_ns.matches(&pod(&l, Some(&prod))),
            Ok(MatchOutcome::Matched)
        );
        assert_eq!(
            by_ns.matches(&pod(&l, None)),
            Ok(MatchOutcome::NamespaceNotSelected)
        );
        // The metadata.name label is always there.
        let by_name = constraints(
            json!({"resourceRules": rules, "namespaceSelector": {"matchExpressions": [
                {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]}
            ]}}),
        );
        assert_eq!(by_name.matches(&pod(&l, None)), Ok(MatchOutcome::Matched));
        // Cluster-scoped objects other than namespaces ignore the namespace selector.
        let node = RequestFacts {
            resource: "nodes",
            namespace: "",
            ..pod(&l, None)
        };
        assert_eq!(by_ns.matches(&node), Ok(MatchOutcome::Matched));
        let by_object = constraints(
            json!({"resourceRules": rules, "objectSelector": {"matchLabels": {"app": "web"}}}),
        );
        let web = labels(&[("app", "web")]);
        assert_eq!(
            by_object.matches(&pod(&web, None)),
            Ok(MatchOutcome::Matched)
        );
        assert_eq!(
            by_object.matches(&pod(&l, None)),
            Ok(MatchOutcome::ObjectNotSelected)
        );
        let update = RequestFacts {
            old_object_labels: Some(&web),
            ..pod(&l, None)
        };
        assert_eq!(by_object.matches(&update), Ok(MatchOutcome::Matched));
    }
}
