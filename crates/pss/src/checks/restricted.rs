//! The checks of the restricted profile (which also runs the baseline checks).

pub(super) mod fields;

use super::baseline::{containers_phrase, containers_where, valid_seccomp_type};
use super::Violation;
use crate::pod::PodView;
use crate::text::{join_quote, pluralize, sorted_set};

/// allowPrivilegeEscalation, v1.8+: must be explicitly false.
pub(super) fn allow_privilege_escalation_1_8(pod: &PodView) -> Option<Violation> {
    let bad = containers_where(pod, |sc| {
        sc.and_then(|sc| sc.allow_privilege_escalation) != Some(false)
    });
    (!bad.is_empty()).then(|| Violation {
        reason: "allowPrivilegeEscalation != false",
        detail: format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_phrase(&bad)
        ),
    })
}

/// allowPrivilegeEscalation, v1.25+: Windows pods are exempt.
pub(super) fn allow_privilege_escalation_1_25(pod: &PodView) -> Option<Violation> {
    if pod.windows {
        return None;
    }
    allow_privilege_escalation_1_8(pod)
}

/// capabilities_restricted, v1.22+: drop ALL, add at most NET_BIND_SERVICE.
pub(super) fn capabilities_restricted_1_22(pod: &PodView) -> Option<Violation> {
    let mut missing_drop_all = Vec::new();
    let mut adding_forbidden = Vec::new();
    let mut forbidden = Vec::new();
    for container in &pod.containers {
        let Some(caps) = container
            .security_context
            .as_ref()
            .and_then(|sc| sc.capabilities.as_ref())
        else {
            missing_drop_all.push(container.name);
            continue;
        };
        if !caps.drop.contains(&"ALL") {
            missing_drop_all.push(container.name);
        }
        let mut added = false;
        for cap in &caps.add {
            if *cap != "NET_BIND_SERVICE" {
                added = true;
                forbidden.push(*cap);
            }
        }
        if added {
            adding_forbidden.push(container.name);
        }
    }
    let mut details = Vec::new();
    if !missing_drop_all.is_empty() {
        details.push(format!(
            "{} must set securityContext.capabilities.drop=[\"ALL\"]",
            containers_phrase(&missing_drop_all)
        ));
    }
    if !adding_forbidden.is_empty() {
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&adding_forbidden),
            join_quote(&sorted_set(forbidden))
        ));
    }
    (!details.is_empty()).then(|| Violation {
        reason: "unrestricted capabilities",
        detail: details.join("; "),
    })
}

/// capabilities_restricted, v1.25+: Windows pods are exempt.
pub(super) fn capabilities_restricted_1_25(pod: &PodView) -> Option<Violation> {
    if pod.windows {
        return None;
    }
    capabilities_restricted_1_22(pod)
}

/// restrictedVolumes, v1.0+: only the allowed inline volume sources.
pub(super) fn restricted_volumes_1_0(pod: &PodView) -> Option<Violation> {
    let mut bad = Vec::new();
    let mut types = Vec::new();
    for volume in &pod.volumes {
        if let Some(volume_type) = volume.restricted_type {
            bad.push(volume.name);
            types.push(volume_type);
        }
    }
    if bad.is_empty() {
        return None;
    }
    let types = sorted_set(types);
    Some(Violation {
        reason: "restricted volume types",
        detail: format!(
            "{} {} {} {} {}",
            pluralize("volume", "volumes", bad.len()),
            join_quote(&bad),
            pluralize("uses", "use", bad.len()),
            pluralize(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            join_quote(&types)
        ),
    })
}

/// runAsNonRoot, v1.0+: pod or every container must set `runAsNonRoot: true`, and none may
/// set it to false.
pub(super) fn run_as_non_root_1_0(pod: &PodView) -> Option<Violation> {
    let mut setters = Vec::new();
    let mut pod_non_root = false;
    match pod.security_context.run_as_non_root {
        Some(false) => setters.push("pod".to_owned()),
        Some(true) => pod_non_root = true,
        None => {}
    }
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    for container in &pod.containers {
        match container
            .security_context
            .as_ref()
            .and_then(|sc| sc.run_as_non_root)
        {
            Some(false) => explicit.push(container.name),
            Some(true) => {}
            None if !pod_non_root => implicit.push(container.name),
            None => {}
        }
    }
    if !explicit.is_empty() {
        setters.push(containers_phrase(&explicit));
    }
    if !setters.is_empty() {
        return Some(Violation {
            reason: "runAsNonRoot != true",
            detail: format!(
                "{} must not set securityContext.runAsNonRoot=false",
                setters.join(" and ")
            ),
        });
    }
    (!implicit.is_empty()).then(|| Violation {
        reason: "runAsNonRoot != true",
        detail: format!(
            "pod or {} must set securityContext.runAsNonRoot=true",
            containers_phrase(&implicit)
        ),
    })
}

/// runAsNonRoot, v1.35+: any value is allowed for pods in a user namespace.
pub(super) fn run_as_non_root_1_35(pod: &PodView) -> Option<Violation> {
    if pod.in_user_namespace() {
        return None;
    }
    run_as_non_root_1_0(pod)
}

/// runAsUser, v1.23+: no `runAsUser: 0`.
pub(super) fn run_as_user_1_23(pod: &PodView) -> Option<Violation> {
    let mut setters = Vec::new();
    if pod.security_context.run_as_user == Some(0) {
        setters.push("pod".to_owned());
    }
    let bad = containers_where(pod, |sc| sc.is_some_and(|sc| sc.run_as_user == Some(0)));
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    (!setters.is_empty()).then(|| Violation {
        reason: "runAsUser=0",
        detail: format!("{} must not set runAsUser=0", setters.join(" and ")),
    })
}

/// runAsUser, v1.35+: any value is allowed for pods in a user namespace.
pub(super) fn run_as_user_1_35(pod: &PodView) -> Option<Violation> {
    if pod.in_user_namespace() {
        return None;
    }
    run_as_user_1_23(pod)
}

/// seccompProfile_restricted, v1.19+: the pod or every container must set
/// `RuntimeDefault` or `Localhost`.
pub(super) fn seccomp_profile_restricted_1_19(pod: &PodView) -> Option<Violation> {
    let mut setters = Vec::new();
    let mut values = Vec::new();
    let mut pod_set = false;
    if let Some(profile_type) = pod.security_context.seccomp_type {
        if valid_seccomp_type(profile_type) {
            pod_set = true;
        } else {
            setters.push("pod".to_owned());
            values.push(profile_type);
        }
    }
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    for container in &pod.containers {
        match container
            .security_context
            .as_ref()
            .and_then(|sc| sc.seccomp_type)
        {
            Some(profile_type) if !valid_seccomp_type(profile_type) => {
                explicit.push(container.name);
                values.push(profile_type);
            }
            Some(_) => {}
            None if !pod_set => implicit.push(container.name),
            None => {}
        }
    }
    if !explicit.is_empty() {
        setters.push(containers_phrase(&explicit));
    }
    if !setters.is_empty() {
        return Some(Violation {
            reason: "seccompProfile",
            detail: format!(
                "{} must not set securityContext.seccompProfile.type to {}",
                setters.join(" and "),
                join_quote(&sorted_set(values))
            ),
        });
    }
    (!implicit.is_empty()).then(|| Violation {
        reason: "seccompProfile",
        detail: format!(
            "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
            containers_phrase(&implicit)
        ),
    })
}

/// seccompProfile_restricted, v1.25+: Windows pods are exempt.
pub(super) fn seccomp_profile_restricted_1_25(pod: &PodView) -> Option<Violation> {
    if pod.windows {
        return None;
    }
    seccomp_profile_restricted_1_19(pod)
}

/// procMount_restricted, v1.35+: `procMount` must be unset or `Default`, even in a user
/// namespace (replaces the relaxed baseline check).
pub(super) fn proc_mount_restricted_1_35(pod: &PodView) -> Option<Violation> {
    super::baseline::proc_mount_1_0(pod)
}
