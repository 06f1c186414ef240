//! `match` and `exclude`: which resources (and requests) a rule applies to.

use crate::policy::{LabelSelector, MatchResources, ResourceDescription, ResourceFilter, Subject};
use crate::wildcard;
use kanon_core::Labels;

/// Who makes a request, as match/exclude see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestUser {
    /// User name.
    pub username: String,
    /// Groups.
    pub groups: Vec<String>,
    /// Roles bound to the user (`namespace:name`).
    pub roles: Vec<String>,
    /// Cluster roles bound to the user.
    pub cluster_roles: Vec<String>,
}

impl RequestUser {
    fn is_empty(&self) -> bool {
        self == &RequestUser::default()
    }
}

/// The facts match/exclude compare against.
#[derive(Debug, Clone, Copy)]
pub struct MatchTarget<'a> {
    /// Group of the request kind.
    pub group: &'a str,
    /// Version of the request kind.
    pub version: &'a str,
    /// Kind of the request.
    pub kind: &'a str,
    /// Subresource, or `""`.
    pub subresource: &'a str,
    /// Name (or `generateName` when the name is empty).
    pub name: &'a str,
    /// Namespace, `""` for cluster-scoped objects.
    pub namespace: &'a str,
    /// The resource's labels.
    pub labels: &'a Labels,
    /// The resource's annotations.
    pub annotations: &'a Labels,
    /// Labels of the resource's namespace.
    pub namespace_labels: &'a Labels,
    /// The admission operation (`CREATE`...).
    pub operation: &'a str,
    /// The requester; `None` when unknown (offline without user info).
    pub user: Option<&'a RequestUser>,
}

/// `^(v\d+((alpha|beta)\d+)?|\*)$`.
pub(crate) fn looks_like_version(text: &str) -> bool {
    if text == "*" {
        return true;
    }
    let Some(rest) = text.strip_prefix('v') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let rest = rest.get(digits..).unwrap_or("");
    if rest.is_empty() {
        return true;
    }
    let Some(tail) = rest
        .strip_prefix("alpha")
        .or_else(|| rest.strip_prefix("beta"))
    else {
        return false;
    };
    !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit())
}

/// Kyverno's `ParseKindSelector`: group, version, kind, subresource.
pub(crate) fn parse_kind_selector(input: &str) -> (&str, &str, &str, &str) {
    // Split on `/`, then the last segment on `.`; more than four parts is malformed.
    let mut parts = [""; 4];
    let mut count = 0usize;
    let (head, last) = input.rsplit_once('/').unwrap_or(("", input));
    let segments = (!head.is_empty() || input.starts_with('/'))
        .then(|| head.split('/'))
        .into_iter()
        .flatten()
        .chain(last.split('.'));
    for segment in segments {
        match parts.get_mut(count) {
            Some(slot) => *slot = segment,
            None => return ("", "", "", ""),
        }
        count += 1;
    }
    match (count, parts) {
        (1, [kind, ..]) => ("*", "*", kind, ""),
        (2, [a, b, ..]) => {
            if a == "*" && b == "*" {
                ("*", "*", "*", "*")
            } else if a == "*" && !b.chars().any(char::is_uppercase) {
                ("*", "*", a, b)
            } else if looks_like_version(a) {
                ("*", a, b, "")
            } else {
                ("*", "*", a, b)
            }
        }
        (3, [a, b, c, _]) => {
            if looks_like_version(a) {
                ("*", a, b, c)
            } else {
                (a, b, c, "")
            }
        }
        (4, [a, b, c, d]) => (a, b, c, d),
        _ => ("", "", "", ""),
    }
}

fn check_kind(kinds: &[String], target: &MatchTarget<'_>) -> bool {
    let ephemeral = target.group.is_empty()
        && target.version == "v1"
        && target.kind == "Pod"
        && target.subresource == "ephemeralcontainers";
    kinds.iter().any(|selector| {
        // A plain kind (`Pod`): any group and version, no subresource.
        if !selector.contains(['/', '.', '*', '?']) {
            return selector == target.kind && (target.subresource.is_empty() || ephemeral);
        }
        let (group, version, kind, sub) = parse_kind_selector(selector);
        wildcard::matches(group, target.group)
            && wildcard::matches(version, target.version)
            && wildcard::matches(kind, target.kind)
            && (wildcard::matches(sub, target.subresource) || ephemeral)
    })
}

/// Kubernetes label-selector semantics, after Kyverno's wildcard rewrite of `matchLabels`.
/// `Err` when the selector is malformed.
pub(crate) fn selector_matches(selector: &LabelSelector, labels: &Labels) -> Result<bool, String> {
    let mut match_labels: Vec<(String, String)> = Vec::new();
    for (key, value) in selector.match_labels.iter().flatten() {
        if wildcard::contains_wildcard(key) || wildcard::contains_wildcard(value) {
            match labels
                .iter()
                .find(|(k, v)| wildcard::matches(key, k) && wildcard::matches(value, v))
            {
                Some((k, v)) => match_labels.push((k.clone(), v.clone())),
                None => match_labels
                    .push((key.replace(['*', '?'], "0"), value.replace(['*', '?'], "0"))),
            }
        } else {
            match_labels.push((key.clone(), value.clone()));
        }
    }
    for (key, value) in &match_labels {
        if labels.get(key) != Some(value) {
            return Ok(false);
        }
    }
    for requirement in selector.match_expressions.iter().flatten() {
        if !requirement.matches(labels)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn check_subjects(subjects: &[Subject], user: &RequestUser) -> bool {
    subjects.iter().any(|subject| match subject.kind.as_str() {
        "ServiceAccount" => wildcard::matches(
            &format!(
                "system:serviceaccount:{}:{}",
                subject.namespace, subject.name
            ),
            &user.username,
        ),
        "Group" => user
            .groups
            .iter()
            .any(|g| wildcard::matches(&subject.name, g)),
        "User" => wildcard::matches(&subject.name, &user.username),
        _ => false,
    })
}

/// Whether a description and user-info filter matches (no reasons, just the verdict).
fn filter_matches(
    description: &ResourceDescription,
    filter: &ResourceFilter,
    use_user_info: bool,
    target: &MatchTarget<'_>,
) -> bool {
    if !description.operations.is_empty()
        && !description
            .operations
            .iter()
            .any(|op| op == target.operation)
    {
        return false;
    }
    if !description.kinds.is_empty() && !check_kind(&description.kinds, target) {
        return false;
    }
    if let Some(name) = description.name.as_deref().filter(|n| !n.is_empty()) {
        if !wildcard::matches(name, target.name) {
            return false;
        }
    }
    if !description.names.is_empty()
        && !description
            .names
            .iter()
            .any(|n| wildcard::matches(n, target.name))
    {
        return false;
    }
    if !description.namespaces.is_empty() {
        let namespace = if target.kind == "Namespace" {
            target.name
        } else {
            target.namespace
        };
        if !description
            .namespaces
            .iter()
            .any(|n| wildcard::matches(n, namespace))
        {
            return false;
        }
    }
    if let Some(annotations) = description.annotations.as_ref().filter(|a| !a.is_empty()) {
        let all = annotations.iter().all(|(k, v)| {
            target
                .annotations
                .iter()
                .any(|(k1, v1)| wildcard::matches(k, k1) && wildcard::matches(v, v1))
        });
        if !all {
            return false;
        }
    }
    if let Some(selector) = &description.selector {
        if !selector_matches(selector, target.labels).unwrap_or(false) {
            return false;
        }
    }
    if let Some(selector) = &description.namespace_selector {
        if target.kind == "Namespace" {
            return false;
        }
        if !target.kind.is_empty()
            && !selector_matches(selector, target.namespace_labels).unwrap_or(false)
        {
            return false;
        }
    }
    if use_user_info {
        let empty = RequestUser::default();
        let user = target.user.unwrap_or(&empty);
        if !filter.roles.is_empty() && !user.roles.iter().any(|r| filter.roles.contains(r)) {
            return false;
        }
        if !filter.cluster_roles.is_empty()
            && !user
                .cluster_roles
                .iter()
                .any(|r| filter.cluster_roles.contains(r))
        {
            return false;
        }
        if !filter.subjects.is_empty() && !check_subjects(&filter.subjects, user) {
            return false;
        }
    }
    true
}

fn match_filter(filter: &ResourceFilter, target: &MatchTarget<'_>) -> bool {
    // Without any request user info, the user-info criteria of match filters are ignored.
    let user_known = target.user.is_some_and(|u| !u.is_empty());
    let has_user = user_known && filter.has_user_info();
    if filter.resources.is_empty() && !has_user {
        return false; // "match cannot be empty"
    }
    filter_matches(&filter.resources, filter, user_known, target)
}

/// Whether an exclude filter selects the target (user-info criteria apply even when the
/// requester is unknown, and then do not match).
pub(crate) fn exclude_filter(filter: &ResourceFilter, target: &MatchTarget<'_>) -> bool {
    if filter.resources.is_empty() && !filter.has_user_info() {
        return false;
    }
    filter_matches(&filter.resources, filter, true, target)
}

/// Whether a rule's `match` selects the target and its `exclude` does not.
pub fn rule_matches(
    match_: &MatchResources,
    exclude: Option<&MatchResources>,
    target: &MatchTarget<'_>,
) -> bool {
    let matched = if !match_.any.is_empty() {
        match_.any.iter().any(|f| match_filter(f, target))
    } else if !match_.all.is_empty() {
        match_.all.iter().all(|f| match_filter(f, target))
    } else {
        match_filter(&match_.legacy_filter(), target)
    };
    if !matched {
        return false;
    }
    let Some(exclude) = exclude else {
        return true;
    };
    let excluded = if !exclude.any.is_empty() {
        exclude.any.iter().any(|f| exclude_filter(f, target))
    } else if !exclude.all.is_empty() {
        exclude.all.iter().all(|f| exclude_filter(f, target))
    } else {
        exclude_filter(&exclude.legacy_filter(), target)
    };
    !excluded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target<'a>(labels: &'a Labels, empty: &'a Labels) -> MatchTarget<'a> {
        MatchTarget {
            group: "apps",
            version: "v1",
            kind: "Deployment",
            subresource: "",
            name: "web",
            namespace: "prod",
            labels,
            annotations: empty,
            namespace_labels: empty,
            operation: "CREATE",
            user: None,
        }
    }

    #[test]
    fn kind_selectors_parse_like_kyverno() {
        assert_eq!(parse_kind_selector("Pod"), ("*", "*", "Pod", ""));
        assert_eq!(parse_kind_selector("Pod/exec"), ("*", "*", "Pod", "exec"));
        assert_eq!(parse_kind_selector("Pod.exec"), ("*", "*", "Pod", "exec"));
        assert_eq!(parse_kind_selector("v1/Pod"), ("*", "v1", "Pod", ""));
        assert_eq!(
            parse_kind_selector("batch/*/CronJob"),
            ("batch", "*", "CronJob", "")
        );
        assert_eq!(parse_kind_selector("*/*"), ("*", "*", "*", "*"));
        assert!(looks_like_version("v2beta1"));
        assert!(!looks_like_version("v2beta"));
        assert!(!looks_like_version("apps"));
    }

    #[test]
    fn filters_and_exclusions() {
        let labels: Labels = [("app".to_owned(), "web".to_owned())].into();
        let empty = Labels::new();
        let t = target(&labels, &empty);
        let rule: MatchResources = serde_json::from_value(serde_json::json!({
            "any": [{"resources": {"kinds": ["Deployment"], "namespaces": ["prod*"], "selector": {"matchLabels": {"app": "w*"}}}}]
        }))
        .unwrap();
        assert!(rule_matches(&rule, None, &t));
        let exclude: MatchResources =
            serde_json::from_value(serde_json::json!({"any": [{"resources": {"names": ["web"]}}]}))
                .unwrap();
        assert!(!rule_matches(&rule, Some(&exclude), &t));
        let pods: MatchResources =
            serde_json::from_value(serde_json::json!({"resources": {"kinds": ["Pod"]}})).unwrap();
        assert!(!rule_matches(&pods, None, &t));
        let by_role: MatchResources = serde_json::from_value(serde_json::json!({"any": [{"resources": {"kinds": ["Deployment"]}, "clusterRoles": ["admin"]}]})).unwrap();
        assert!(
            rule_matches(&by_role, None, &t),
            "user info is ignored when the requester is unknown"
        );
        let exclude_role: MatchResources =
            serde_json::from_value(serde_json::json!({"any": [{"clusterRoles": ["admin"]}]}))
                .unwrap();
        assert!(
            rule_matches(&rule, Some(&exclude_role), &t),
            "an exclude needing roles does not exclude an unknown requester"
        );
    }

    #[test]
    fn selectors_with_expressions() {
        let labels: Labels = [("tier".to_owned(), "db".to_owned())].into();
        let selector: LabelSelector = serde_json::from_value(serde_json::json!({
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["db", "cache"]}, {"key": "x", "operator": "DoesNotExist"}]
        }))
        .unwrap();
        assert_eq!(selector_matches(&selector, &labels), Ok(true));
        let bad: LabelSelector = serde_json::from_value(
            serde_json::json!({"matchExpressions": [{"key": "a", "operator": "In"}]}),
        )
        .unwrap();
        assert!(selector_matches(&bad, &labels).is_err());
    }
}
