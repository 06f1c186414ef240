//! The `validate.podSecurity` sub-rule, on kanon's Pod Security Standards checks with
//! Kyverno's selection rules: `baseline` runs the baseline checks, any other level runs every
//! check; each check at its newest behaviour not newer than the version; Kyverno's bundled
//! policy ends at v1.34, so `latest` means v1.34.

use crate::evaluate::{PolicyInput, RuleResponse, RuleStatus};
use crate::policy::{KyvernoPolicy, Rule};
use crate::wildcard;
use kanon_pss::checks::{CheckDef, Violation, CHECKS};
use kanon_pss::{pod, Level, Version};
use serde_json::{json, Value};

/// The newest policy version of Kyverno's bundled Pod Security checks.
const KYVERNO_LATEST_MINOR: u32 = 34;

/// Check ids per Kyverno control name.
fn control_checks(control: &str) -> &'static [&'static str] {
    match control {
        "Host Namespaces" => &["hostNamespaces"],
        "Privileged Containers" => &["privileged"],
        "Capabilities" => &["capabilities_baseline", "capabilities_restricted"],
        "HostPath Volumes" => &["hostPathVolumes"],
        "Host Ports" => &["hostPorts"],
        "AppArmor" => &["appArmorProfile"],
        "SELinux" => &["seLinuxOptions"],
        "/proc Mount Type" => &["procMount"],
        "Seccomp" => &["seccompProfile_baseline", "seccompProfile_restricted"],
        "Sysctls" => &["sysctls"],
        "HostProcess" => &["windowsHostProcess"],
        "Volume Types" => &["restrictedVolumes"],
        "Privilege Escalation" => &["allowPrivilegeEscalation"],
        "Running as Non-root" => &["runAsNonRoot"],
        "Running as Non-root user" => &["runAsUser"],
        _ => &[],
    }
}

/// One `exclude` entry.
struct Exclusion {
    checks: &'static [&'static str],
    images: Vec<String>,
}

/// Where a kind keeps the pod to check: (metadata path, spec path).
fn pod_paths(kind: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    Some(match kind {
        "Pod" => (&["metadata"], &["spec"]),
        "DaemonSet"
        | "Deployment"
        | "Job"
        | "StatefulSet"
        | "ReplicaSet"
        | "ReplicationController" => (
            &["spec", "template", "metadata"],
            &["spec", "template", "spec"],
        ),
        "CronJob" => (
            &["spec", "jobTemplate", "metadata"],
            &["spec", "jobTemplate", "spec", "template", "spec"],
        ),
        _ => return None,
    })
}

fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

/// Evaluates the sub-rule. DELETE requests produce no response.
pub(crate) fn evaluate(
    rule: &Rule,
    spec: &Value,
    _policy: &KyvernoPolicy,
    input: &PolicyInput<'_>,
    object: &Value,
    _old_object: &Value,
) -> Option<RuleResponse> {
    if input.operation == "DELETE" {
        return None;
    }
    let error = |message: String| {
        Some(RuleResponse {
            rule: rule.name.clone(),
            status: RuleStatus::Error,
            message,
        })
    };
    let level_text = spec.get("level").and_then(Value::as_str).unwrap_or("");
    let level = match Level::parse(level_text) {
        Ok(level) => level,
        Err(e) => return error(format!("failed to parse pod security level: {e}")),
    };
    let version_text = spec.get("version").and_then(Value::as_str).unwrap_or("");
    let minor = match version_text {
        "" | "latest" => KYVERNO_LATEST_MINOR,
        text => match Version::parse(text) {
            Ok(version) => version.effective_minor(),
            Err(e) => return error(format!("failed to parse pod security api version: {e}")),
        },
    };
    let Some((meta_path, spec_path)) = pod_paths(&input.kind.kind) else {
        return error(
            "Error while getting new resource: could not find correct resource type".to_owned(),
        );
    };
    let exclusions: Vec<Exclusion> = spec
        .get("exclude")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|item| Exclusion {
                    checks: control_checks(
                        item.get("controlName")
                            .and_then(Value::as_str)
                            .unwrap_or(""),
                    ),
                    images: item
                        .get("images")
                        .and_then(Value::as_array)
                        .map(|list| {
                            list.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let metadata = at(object, meta_path).unwrap_or(&Value::Null);
    let empty_spec = json!({});
    let pod_spec = at(object, spec_path).unwrap_or(&empty_spec);
    // One view of the pod serves every check no exclusion touches.
    let view = match pod::view(Some(metadata), Some(pod_spec), "", true) {
        Ok(view) => view,
        Err(e) => return error(format!("cannot evaluate Pod Security: {e}")),
    };
    let mut violations = Vec::new();
    for def in CHECKS {
        let first_minor = def.versions.first().map_or(0, |v| v.min_minor);
        if first_minor > KYVERNO_LATEST_MINOR {
            continue;
        }
        if level == Level::Baseline && def.level != Level::Baseline {
            continue;
        }
        match check_with_exclusions(def, minor, &view, metadata, pod_spec, &exclusions) {
            Ok(Some(violation)) => violations.push(violation),
            Ok(None) => {}
            Err(e) => return error(format!("cannot evaluate Pod Security: {e}")),
        }
    }
    if violations.is_empty() {
        return Some(RuleResponse {
            rule: rule.name.clone(),
            status: RuleStatus::Pass,
            message: format!("Validation rule '{}' passed.", rule.name),
        });
    }
    let version_label = if version_text.is_empty() {
        "latest"
    } else {
        version_text
    };
    let details: String = violations
        .iter()
        .map(|v| {
            format!(
                "(Forbidden reason: {}, field error list: [{}])",
                v.reason, v.detail
            )
        })
        .collect();
    Some(RuleResponse {
        rule: rule.name.clone(),
        status: RuleStatus::Fail,
        message: format!(
            "Validation rule '{}' failed. It violates PodSecurity \"{level_text}:{version_label}\": {details}",
            rule.name
        ),
    })
}

/// Runs one check, honouring exclusions: a container-level exclusion (with `images`) removes
/// the matching containers from the check; a pod-level exclusion (no `images`) removes the
/// pod-level fields from it.
fn check_with_exclusions(
    def: &CheckDef,
    minor: u32,
    view: &pod::PodView<'_>,
    metadata: &Value,
    spec: &Value,
    exclusions: &[Exclusion],
) -> Result<Option<Violation>, kanon_core::object::FieldError> {
    let behaviour = def
        .versions
        .iter()
        .rev()
        .find(|v| v.min_minor <= minor)
        .or_else(|| def.versions.first());
    let Some(behaviour) = behaviour else {
        return Ok(None);
    };
    let mut relevant = exclusions
        .iter()
        .filter(|e| e.checks.contains(&def.id))
        .peekable();
    if relevant.peek().is_none() {
        return Ok((behaviour.check)(view));
    }
    let mut spec = spec.clone();
    let mut metadata = metadata.clone();
    for exclusion in relevant {
        if exclusion.images.is_empty() {
            clear_pod_level(&mut spec, &mut metadata);
        } else {
            remove_containers(&mut spec, &exclusion.images);
        }
    }
    let view = pod::view(Some(&metadata), Some(&spec), "", true)?;
    Ok((behaviour.check)(&view))
}

/// Drops the pod-level fields the checks read, keeping the containers.
fn clear_pod_level(spec: &mut Value, metadata: &mut Value) {
    if let Some(map) = spec.as_object_mut() {
        for key in [
            "hostNetwork",
            "hostPID",
            "hostIPC",
            "volumes",
            "securityContext",
        ] {
            map.shift_remove(key);
        }
    }
    if let Some(annotations) = metadata
        .get_mut("annotations")
        .and_then(Value::as_object_mut)
    {
        annotations.clear();
    }
    // Without pod-level settings the containers would look implicitly bad; they are judged
    // only on what they set themselves, as if the pod level were compliant.
    if let Some(map) = spec.as_object_mut() {
        map.insert(
            "securityContext".to_owned(),
            json!({"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}}),
        );
    }
}

fn remove_containers(spec: &mut Value, images: &[String]) {
    for group in ["initContainers", "containers", "ephemeralContainers"] {
        if let Some(Value::Array(containers)) = spec.get_mut(group) {
            containers.retain(|c| {
                let image = c.get("image").and_then(Value::as_str).unwrap_or("");
                !images
                    .iter()
                    .any(|pattern| wildcard::matches(pattern, image))
            });
        }
    }
}
