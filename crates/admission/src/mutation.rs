//! Mutation: a mutating dialect only changes a copy of the object; the webhook turns the
//! difference into the RFC 6902 JSON Patch the API server applies.

use kanon_core::AdmissionRequest;
use serde_json::{json, Map, Value};

/// Something that changes objects on admission.
pub trait Mutator: Send + Sync + std::fmt::Debug {
    /// A name for logs and metrics.
    fn name(&self) -> &str;
    /// Changes `object` (the request's new object) in place, if this mutator applies.
    fn mutate(&self, request: &AdmissionRequest, object: &mut Value);
}

/// Sets the pod-level `securityContext.seccompProfile` of Pods and pod templates when it is
/// absent (`--default-seccomp RuntimeDefault`).
#[derive(Debug, Clone)]
pub struct DefaultSeccomp {
    /// The profile type to set: `RuntimeDefault`, `Localhost` or `Unconfined`.
    pub profile_type: String,
}

impl Mutator for DefaultSeccomp {
    fn name(&self) -> &str {
        "default-seccomp"
    }

    fn mutate(&self, request: &AdmissionRequest, object: &mut Value) {
        if request
            .sub_resource
            .as_deref()
            .is_some_and(|s| !s.is_empty())
        {
            return;
        }
        let path: &[&str] = match (request.kind.group.as_str(), request.kind.kind.as_str()) {
            ("", "Pod") => &["spec"],
            ("", "PodTemplate") => &["template", "spec"],
            ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet")
            | ("batch", "Job")
            | ("", "ReplicationController") => &["spec", "template", "spec"],
            ("batch", "CronJob") => &["spec", "jobTemplate", "spec", "template", "spec"],
            _ => return,
        };
        let Some(spec) = path
            .iter()
            .try_fold(object, |value, key| value.get_mut(*key))
            .and_then(Value::as_object_mut)
        else {
            return;
        };
        let context = spec
            .entry("securityContext")
            .or_insert_with(|| Value::Object(Map::new()));
        if context.is_null() {
            *context = Value::Object(Map::new());
        }
        if let Some(context) = context.as_object_mut() {
            if context.get("seccompProfile").is_none_or(Value::is_null) {
                context.insert("seccompProfile".into(), json!({"type": self.profile_type}));
            }
        }
    }
}

/// The JSON Patch that turns `before` into `after` (`add`, `remove` and `replace`
/// operations; arrays that differ are replaced whole).
pub fn diff(before: &Value, after: &Value) -> Vec<Value> {
    let mut operations = Vec::new();
    diff_at(before, after, &mut String::new(), &mut operations);
    operations
}

fn diff_at(before: &Value, after: &Value, path: &mut String, out: &mut Vec<Value>) {
    if before == after {
        return;
    }
    match (before, after) {
        (Value::Object(old), Value::Object(new)) => {
            for (key, old_value) in old {
                let length = path.len();
                push_token(path, key);
                match new.get(key) {
                    None => out.push(json!({"op": "remove", "path": path.as_str()})),
                    Some(new_value) => diff_at(old_value, new_value, path, out),
                }
                path.truncate(length);
            }
            for (key, new_value) in new {
                if !old.contains_key(key) {
                    let length = path.len();
                    push_token(path, key);
                    out.push(json!({"op": "add", "path": path.as_str(), "value": new_value}));
                    path.truncate(length);
                }
            }
        }
        _ => out.push(json!({"op": "replace", "path": path.as_str(), "value": after})),
    }
}

/// Appends `/token` with RFC 6901 escaping (`~` → `~0`, `/` → `~1`).
fn push_token(path: &mut String, token: &str) {
    path.push('/');
    for c in token.chars() {
        match c {
            '~' => path.push_str("~0"),
            '/' => path.push_str("~1"),
            c => path.push(c),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use kanon_core::GroupVersionKind;

    fn pod_request(kind: &str, group: &str) -> AdmissionRequest {
        AdmissionRequest {
            kind: GroupVersionKind {
                group: group.into(),
                version: "v1".into(),
                kind: kind.into(),
            },
            ..AdmissionRequest::default()
        }
    }

    #[test]
    fn seccomp_is_set_only_when_absent() {
        let mutator = DefaultSeccomp {
            profile_type: "RuntimeDefault".into(),
        };
        let before = json!({"spec": {"containers": [{"name": "c"}]}});
        let mut after = before.clone();
        mutator.mutate(&pod_request("Pod", ""), &mut after);
        assert_eq!(
            diff(&before, &after),
            [json!({"op": "add", "path": "/spec/securityContext",
                    "value": {"seccompProfile": {"type": "RuntimeDefault"}}})]
        );

        let before = json!({"spec": {"template": {"spec": {"securityContext": {"runAsUser": 1}}}}});
        let mut after = before.clone();
        mutator.mutate(&pod_request("Deployment", "apps"), &mut after);
        assert_eq!(
            diff(&before, &after),
            [
                json!({"op": "add", "path": "/spec/template/spec/securityContext/seccompProfile",
                    "value": {"type": "RuntimeDefault"}})
            ]
        );

        let set = json!({"spec": {"securityContext": {"seccompProfile": {"type": "Localhost"}}}});
        let mut after = set.clone();
        mutator.mutate(&pod_request("Pod", ""), &mut after);
        assert_eq!(after, set);

        let service = json!({"spec": {"ports": []}});
        let mut after = service.clone();
        mutator.mutate(&pod_request("Service", ""), &mut after);
        assert_eq!(after, service);
    }

    #[test]
    fn diffs_escape_keys_and_remove_and_replace() {
        let before = json!({"metadata": {"annotations": {"a/b": "1", "gone": "x"}}, "n": 1});
        let after = json!({"metadata": {"annotations": {"a/b": "2", "t~": "y"}}, "n": [1]});
        assert_eq!(
            diff(&before, &after),
            [
                json!({"op": "replace", "path": "/metadata/annotations/a~1b", "value": "2"}),
                json!({"op": "remove", "path": "/metadata/annotations/gone"}),
                json!({"op": "add", "path": "/metadata/annotations/t~0", "value": "y"}),
                json!({"op": "replace", "path": "/n", "value": [1]}),
            ]
        );
    }
}
