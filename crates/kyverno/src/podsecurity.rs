//! The `validate.podSecurity` sub-rule, as Kyverno evaluates it (`pkg/pss`) on its fork of
//! pod-security-admission, run here on kanon's Pod Security Standards checks.
//!
//! Selection: `baseline` runs the baseline checks, any other level runs every check (no
//! restricted-replaces-baseline overrides), each at its newest behaviour not newer than the
//! version, or its oldest when the version predates the check; the fork ends at v1.34, so
//! `latest` and newer versions mean v1.34. A failed check reports its reason and its field
//! errors ([`kanon_pss::fields`]).
//!
//! Exclusions (the rule's `exclude` entries, then those of matching policy exceptions) run the
//! control's checks again on a reduced pod and remove, for each field error found there that
//! the entry selects, one matching field error of the full pod: see [`apply_exclusions`].

use crate::evaluate::{PolicyInput, RuleResponse, RuleStatus};
use crate::exceptions::PolicyException;
use crate::policy::Rule;
use crate::wildcard;
use kanon_pss::checks::{CheckDef, CHECKS};
use kanon_pss::fields::{BadValue, ErrorType, FieldError};
use kanon_pss::pod::{self, PodView};
use kanon_pss::{Level, Version};
use serde_json::{Map, Value};
use std::sync::LazyLock;

/// The newest policy version of Kyverno's fork of pod-security-admission.
const KYVERNO_LATEST_MINOR: u32 = 34;

/// Check ids per Kyverno control name (`PSS_control_name_to_ids`).
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

/// One exclusion (`PodSecurityStandard`): an `exclude` entry of the rule or a `podSecurity`
/// entry of a policy exception.
#[derive(Debug, Default)]
struct PodSecurityStandard {
    /// The checks of `controlName`.
    checks: &'static [&'static str],
    /// `images`: empty for a pod-level exclusion.
    images: Vec<String>,
    /// `restrictedField`, with `*` for indexes; empty selects every field.
    restricted_field: String,
    /// `values`: wildcards that every bad value of a field error must match.
    values: Vec<String>,
}

impl PodSecurityStandard {
    fn from_value(entry: &Value) -> PodSecurityStandard {
        let text = |key: &str| entry.get(key).and_then(Value::as_str).unwrap_or("");
        let list = |key: &str| -> Vec<String> {
            entry
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        };
        PodSecurityStandard {
            checks: control_checks(text("controlName")),
            images: list("images"),
            restricted_field: text("restrictedField").to_owned(),
            values: list("values"),
        }
    }

    fn list(entries: Option<&Value>) -> Vec<PodSecurityStandard> {
        entries
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(PodSecurityStandard::from_value)
            .collect()
    }
}

/// A failed check (`PSSCheckResult`): its id, reason and field errors.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CheckResult {
    id: &'static str,
    reason: &'static str,
    errors: Vec<FieldError>,
}

/// The checks of the fork, in its order (`policy.DefaultChecks()`: registration order, which
/// is the order of the checks' file names and so of their ids).
static KYVERNO_CHECKS: LazyLock<Vec<&'static CheckDef>> = LazyLock::new(|| {
    let mut checks: Vec<&CheckDef> = CHECKS
        .iter()
        .filter(|def| {
            def.versions
                .first()
                .is_some_and(|v| v.min_minor <= KYVERNO_LATEST_MINOR)
        })
        .collect();
    checks.sort_by_key(|def| def.id);
    checks
});

/// The level and version a rule evaluates pods at.
#[derive(Debug, Clone, Copy)]
struct Profile {
    level: Level,
    minor: u32,
}

impl Profile {
    /// Runs the checks (only those in `only`, when given) and returns the failed ones with
    /// their field errors (`evaluatePSS`).
    fn evaluate(self, pod: &PodView<'_>, only: Option<&[&str]>) -> Vec<CheckResult> {
        let mut results = Vec::new();
        for def in KYVERNO_CHECKS.iter() {
            if self.level == Level::Baseline && def.level != Level::Baseline {
                continue;
            }
            if only.is_some_and(|ids| !ids.contains(&def.id)) {
                continue;
            }
            let behaviour = def
                .versions
                .iter()
                .rev()
                .find(|v| v.min_minor <= self.minor)
                .or_else(|| def.versions.first());
            let Some(behaviour) = behaviour else {
                continue;
            };
            if let Some(violation) = (behaviour.check)(pod) {
                results.push(CheckResult {
                    id: def.id,
                    reason: violation.reason,
                    errors: (behaviour.fields)(pod),
                });
            }
        }
        results
    }
}

/// Where a kind keeps the pod to check: (metadata path, spec path), as Kyverno reads them.
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

/// Evaluates the sub-rule, given the policy exceptions that match the request. DELETE
/// requests produce no response.
pub(crate) fn evaluate(
    rule: &Rule,
    spec: &Value,
    input: &PolicyInput<'_>,
    object: &Value,
    exceptions: &[&PolicyException],
) -> Option<RuleResponse> {
    if input.operation == "DELETE" {
        return None;
    }
    let response = |status: RuleStatus, message: String| {
        Some(RuleResponse {
            rule: rule.name.clone(),
            status,
            message,
        })
    };
    // An exception without podSecurity entries skips the rule outright.
    if let Some(exception) = exceptions.iter().find(|e| e.pod_security.is_empty()) {
        return response(
            RuleStatus::Skip,
            format!(
                "rule is skipped due to policy exception {}",
                exception.key()
            ),
        );
    }
    let level_text = spec.get("level").and_then(Value::as_str).unwrap_or("");
    let level = match Level::parse(level_text) {
        Ok(level) => level,
        Err(e) => {
            return response(
                RuleStatus::Error,
                format!("failed to parse pod security level: {e}"),
            )
        }
    };
    let version_text = spec.get("version").and_then(Value::as_str).unwrap_or("");
    let minor = match version_text {
        "" | "latest" => KYVERNO_LATEST_MINOR,
        text => match Version::parse(text) {
            Ok(version) => version.effective_minor().min(KYVERNO_LATEST_MINOR),
            Err(e) => {
                return response(
                    RuleStatus::Error,
                    format!("failed to parse pod security api version: {e}"),
                )
            }
        },
    };
    let profile = Profile { level, minor };
    let kind = input.kind.kind.as_str();
    let Some((meta_path, spec_path)) = pod_paths(kind) else {
        return response(
            RuleStatus::Error,
            "Error while getting new resource: could not find correct resource type".to_owned(),
        );
    };
    let null = Value::Null;
    let pod = PodParts {
        metadata: at(object, meta_path).unwrap_or(&null),
        spec: at(object, spec_path).unwrap_or(&null),
    };
    let outcome = match evaluate_pod(profile, &pod, spec.get("exclude"), exceptions) {
        Ok(outcome) => outcome,
        Err(e) => {
            return response(
                RuleStatus::Error,
                format!("cannot evaluate Pod Security: {e}"),
            )
        }
    };
    match outcome {
        Outcome::Allowed => response(
            RuleStatus::Pass,
            format!("Validation rule '{}' passed.", rule.name),
        ),
        Outcome::Excepted => {
            let keys: Vec<String> = exceptions.iter().map(|e| e.key()).collect();
            response(
                RuleStatus::Skip,
                format!(
                    "rule is skipped due to policy exceptions {}",
                    keys.join(", ")
                ),
            )
        }
        Outcome::Forbidden(mut results) => {
            for error in results.iter_mut().flat_map(|r| r.errors.iter_mut()) {
                error.field = reported_field(&error.field, kind);
            }
            response(
                RuleStatus::Fail,
                format!(
                    "Validation rule '{}' failed. It violates PodSecurity \"{level_text}:{version_text}\": {}",
                    rule.name,
                    format_checks(&results)
                ),
            )
        }
    }
}

/// The pod as Kyverno builds it from the resource: metadata and spec.
struct PodParts<'a> {
    metadata: &'a Value,
    spec: &'a Value,
}

/// What became of a pod.
#[derive(Debug)]
enum Outcome {
    /// No check failed, or the rule's exclusions removed every failure.
    Allowed,
    /// Checks failed, but the exceptions' exclusions removed every failure.
    Excepted,
    /// These checks failed.
    Forbidden(Vec<CheckResult>),
}

/// The pod as Kyverno decodes it, without the API server's defaulting: no `hostPort` from
/// `containerPort` and no `emptyDir` for a volume without a source, which the fork reports
/// as a restricted volume of type `unknown`.
fn decoded_view<'a>(
    metadata: Option<&'a Value>,
    spec: &'a Value,
) -> Result<PodView<'a>, kanon_core::object::FieldError> {
    let mut view = pod::view(metadata, Some(spec), "", false)?;
    for volume in &mut view.volumes {
        if volume.sourceless {
            volume.restricted_type = Some("unknown");
        }
    }
    Ok(view)
}

/// Kyverno's `EvaluatePod`, then the exceptions' exclusions.
fn evaluate_pod(
    profile: Profile,
    pod: &PodParts<'_>,
    exclude: Option<&Value>,
    exceptions: &[&PolicyException],
) -> Result<Outcome, kanon_core::object::FieldError> {
    let view = decoded_view(Some(pod.metadata), pod.spec)?;
    let mut results = profile.evaluate(&view, None);
    if results.is_empty() {
        return Ok(Outcome::Allowed);
    }
    let excludes = PodSecurityStandard::list(exclude);
    apply_exclusions(profile, pod, &view, &excludes, &mut results)?;
    if results.is_empty() {
        return Ok(Outcome::Allowed);
    }
    if !exceptions.is_empty() {
        let excludes: Vec<PodSecurityStandard> = exceptions
            .iter()
            .flat_map(|e| e.pod_security.iter())
            .map(PodSecurityStandard::from_value)
            .collect();
        apply_exclusions(profile, pod, &view, &excludes, &mut results)?;
        if results.is_empty() {
            return Ok(Outcome::Excepted);
        }
    }
    Ok(Outcome::Forbidden(results))
}

/// Kyverno's `ApplyPodSecurityExclusion`: each entry in turn evaluates its control's checks
/// on a reduced pod and removes the matching field errors from `results`, dropping a check
/// whose errors are all removed.
///
/// The reduced pod of a pod-level entry (no `images`) is the whole pod with its containers
/// replaced by a single empty container named `fake`; that of a container-level entry has
/// only the containers whose image matches one of `images`, with no pod-level field at all
/// (no security context, no annotations).
///
/// Kyverno rebuilds the list of failed checks from a Go map after each entry, so the order of
/// the remaining checks varies from run to run there; kanon keeps them in check order.
fn apply_exclusions(
    profile: Profile,
    pod: &PodParts<'_>,
    view: &PodView<'_>,
    excludes: &[PodSecurityStandard],
    results: &mut Vec<CheckResult>,
) -> Result<(), kanon_core::object::FieldError> {
    for exclude in excludes {
        // Only the control's checks can lose errors: skip the reduced pod when none failed.
        if !results.iter().any(|r| exclude.checks.contains(&r.id)) {
            continue;
        }
        if exclude.images.is_empty() {
            let spec = pod_level_spec(pod.spec);
            let reduced = decoded_view(Some(pod.metadata), &spec)?;
            let excluded = profile.evaluate(&reduced, Some(exclude.checks));
            exempt(results, &excluded, exclude, view, None);
        } else {
            let spec = matching_containers_spec(pod.spec, &exclude.images);
            let reduced = decoded_view(None, &spec)?;
            let excluded = profile.evaluate(&reduced, Some(exclude.checks));
            exempt(results, &excluded, exclude, view, Some(&reduced));
        }
    }
    Ok(())
}

/// The spec with one empty container named `fake` and no init or ephemeral containers.
fn pod_level_spec(spec: &Value) -> Value {
    let mut out: Map<String, Value> = spec
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| {
            !matches!(
                key.as_str(),
                "containers" | "initContainers" | "ephemeralContainers"
            )
        })
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    out.insert(
        "containers".to_owned(),
        Value::Array(vec![Value::Object(Map::from_iter([(
            "name".to_owned(),
            Value::String("fake".to_owned()),
        )]))]),
    );
    Value::Object(out)
}

/// A spec with only the containers (of each list) whose image matches one of `images`.
fn matching_containers_spec(spec: &Value, images: &[String]) -> Value {
    let mut out = Map::new();
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        let matching: Vec<Value> = spec
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|container| {
                let image = container.get("image").and_then(Value::as_str).unwrap_or("");
                images
                    .iter()
                    .any(|pattern| wildcard::matches(pattern, image))
            })
            .cloned()
            .collect();
        if !matching.is_empty() {
            out.insert(list.to_owned(), Value::Array(matching));
        }
    }
    Value::Object(out)
}

/// A field error's path with its indexes wildcarded and, for a container-level exclusion,
/// the container it is in: (list, index), read the way Kyverno's `parseField` reads them
/// (the first number, and the second run of letters).
fn parse_field(field: &str, container_level: bool) -> (String, Option<(&str, usize)>) {
    let mut wildcarded = String::with_capacity(field.len());
    let mut in_digits = false;
    for c in field.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                wildcarded.push('*');
            }
            in_digits = true;
        } else {
            wildcarded.push(c);
            in_digits = false;
        }
    }
    if !container_level {
        return (wildcarded, None);
    }
    let list = field
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|word| !word.is_empty())
        .nth(1)
        .filter(|word| {
            matches!(
                *word,
                "containers" | "initContainers" | "ephemeralContainers"
            )
        });
    let index = field
        .split(|c: char| !c.is_ascii_digit())
        .find(|digits| !digits.is_empty())
        .and_then(|digits| digits.parse().ok());
    (wildcarded, list.zip(index))
}

/// The name of the container at `index` of `list` in the pod, `""` when there is none (a Go
/// zero value).
fn container_name<'a>(pod: &PodView<'a>, (list, index): (&str, usize)) -> &'a str {
    pod.containers
        .iter()
        .find(|c| c.list.field_name() == list && c.index == index)
        .map_or("", |c| c.name)
}

/// The bad values an exclusion's `values` must all match (`extractBadValues`): none for an
/// empty string, the items of a list.
fn bad_values(value: &BadValue) -> Vec<String> {
    match value {
        BadValue::String(text) if text.is_empty() => Vec::new(),
        BadValue::String(text) => vec![text.clone()],
        BadValue::Bool(flag) => vec![flag.to_string()],
        BadValue::Int(number) => vec![number.to_string()],
        BadValue::List(items) => items.clone(),
    }
}

/// Kyverno's `exemptExclusions` for one entry: every field error of the reduced pod's
/// results (`excluded`) for the entry's checks that the entry selects (`restrictedField`
/// equal to the wildcarded path or empty; every bad value matching one of `values`, if any)
/// removes the first field error of the full pod with the same wildcarded path (and, for
/// container-level errors of a container-level entry, in a container of the same name), by
/// swapping the last error into its place. A check left without errors is dropped.
fn exempt(
    results: &mut Vec<CheckResult>,
    excluded: &[CheckResult],
    exclude: &PodSecurityStandard,
    pod: &PodView<'_>,
    matching: Option<&PodView<'_>>,
) {
    let container_level = matching.is_some();
    for excluded_result in excluded {
        if !exclude.checks.contains(&excluded_result.id) {
            continue;
        }
        for excluded_error in &excluded_result.errors {
            let (field, container) = parse_field(&excluded_error.field, container_level);
            if !exclude.restricted_field.is_empty() && field != exclude.restricted_field {
                continue;
            }
            if !exclude.values.is_empty()
                && !bad_values(&excluded_error.bad_value).iter().all(|value| {
                    exclude
                        .values
                        .iter()
                        .any(|pattern| wildcard::matches(pattern, value))
                })
            {
                continue;
            }
            let name = match (container, matching) {
                (Some(container), Some(matching)) => container_name(matching, container),
                _ => "",
            };
            let Some(position) = results.iter().position(|r| r.id == excluded_result.id) else {
                continue;
            };
            let Some(result) = results.get_mut(position) else {
                continue;
            };
            let found = result.errors.iter().position(|error| {
                match parse_field(&error.field, container_level) {
                    (default_field, Some(container)) => {
                        default_field == field && container_name(pod, container) == name
                    }
                    (default_field, None) => default_field == field,
                }
            });
            if let Some(index) = found {
                result.errors.swap_remove(index);
            }
            if result.errors.is_empty() {
                results.remove(position);
            }
        }
    }
}

/// A field's path in the resource, as Kyverno's `convertChecks` rewrites it: every `spec`
/// becomes the pod template's spec for a controller, and every `metadata` becomes
/// `spec.template.metadata`, for every kind (Pods included).
fn reported_field(field: &str, kind: &str) -> String {
    let field = match kind {
        "DaemonSet"
        | "Deployment"
        | "Job"
        | "StatefulSet"
        | "ReplicaSet"
        | "ReplicationController" => field.replace("spec", "spec.template.spec"),
        "CronJob" => field.replace("spec", "spec.jobTemplate.spec.template.spec"),
        _ => field.to_owned(),
    };
    field.replace("metadata", "spec.template.metadata")
}

/// Kyverno's `FormatChecksPrint`: `(Forbidden reason: <reason>, field error list: [<errors>])`
/// per check, where a Forbidden error with a value reads `<field> is forbidden, forbidden
/// values found: <value>` and any other error as Kubernetes prints it.
fn format_checks(results: &[CheckResult]) -> String {
    let mut out = String::new();
    for result in results {
        out.push_str("(Forbidden reason: ");
        out.push_str(result.reason);
        out.push_str(", field error list: [");
        for (index, error) in result.errors.iter().enumerate() {
            if index > 0 {
                out.push_str(", ");
            }
            if error.error_type == ErrorType::Forbidden && error.bad_value.is_set() {
                out.push_str(&format!(
                    "{} is forbidden, forbidden values found: {}",
                    error.field, error.bad_value
                ));
            } else {
                out.push_str(&error.to_string());
            }
        }
        out.push_str("])");
    }
    out
}

#[cfg(test)]
mod tests;
