//! Field errors of the baseline checks, in the order Kyverno's fork of
//! pod-security-admission lists them.

use super::{
    allowed_apparmor_annotation, allowed_apparmor_type, sysctl_allowed, valid_seccomp_annotation,
    valid_seccomp_type, ALLOWED_CAPABILITIES_1_0, APPARMOR_ANNOTATION_PREFIX,
    SECCOMP_ANNOTATION_CONTAINER, SECCOMP_ANNOTATION_POD, SELINUX_TYPES_1_0, SELINUX_TYPES_1_31,
    SYSCTLS_ALLOWED_1_0, SYSCTLS_ALLOWED_1_27, SYSCTLS_ALLOWED_1_29, SYSCTLS_ALLOWED_1_32,
    SYSCTLS_ALLOWED_1_37,
};
use crate::fields::{container_errors, container_field, BadValue, FieldError};
use crate::pod::{PodView, SeLinuxOptions, SecurityContext};
use crate::text::{go_quote, sorted_set};

/// privileged: `securityContext.privileged` of each privileged container.
pub(crate) fn privileged(pod: &PodView) -> Vec<FieldError> {
    container_errors(pod, |c| {
        c.security_context
            .as_ref()
            .is_some_and(|sc| sc.privileged == Some(true))
            .then(|| {
                FieldError::forbidden(
                    container_field(c, "securityContext.privileged"),
                    BadValue::Bool(true),
                )
            })
    })
}

/// hostNamespaces: `spec.hostNetwork`, `spec.hostPID`, `spec.hostIPC`.
pub(crate) fn host_namespaces(pod: &PodView) -> Vec<FieldError> {
    [
        (pod.host_network, "spec.hostNetwork"),
        (pod.host_pid, "spec.hostPID"),
        (pod.host_ipc, "spec.hostIPC"),
    ]
    .into_iter()
    .filter(|(set, _)| *set)
    .map(|(_, field)| FieldError::forbidden(field.to_owned(), BadValue::Bool(true)))
    .collect()
}

/// hostPathVolumes: `spec.volumes[i].hostPath`, with the host path.
pub(crate) fn host_path_volumes(pod: &PodView) -> Vec<FieldError> {
    pod.volumes
        .iter()
        .enumerate()
        .filter_map(|(index, volume)| {
            volume.host_path.map(|path| {
                FieldError::forbidden(
                    format!("spec.volumes[{index}].hostPath"),
                    BadValue::String(path.to_owned()),
                )
            })
        })
        .collect()
}

/// hostPorts: `ports[i].hostPort` of each container, with the port.
pub(crate) fn host_ports(pod: &PodView) -> Vec<FieldError> {
    pod.containers
        .iter()
        .flat_map(|c| {
            c.host_ports.iter().map(move |host_port| {
                FieldError::forbidden(
                    container_field(c, &format!("ports[{}].hostPort", host_port.index)),
                    BadValue::Int(host_port.port),
                )
            })
        })
        .collect()
}

/// hostProbesAndHostLifecycle: none (upstream attaches no list).
pub(crate) fn host_probes_and_host_lifecycle(_pod: &PodView) -> Vec<FieldError> {
    Vec::new()
}

/// capabilities_baseline: `securityContext.capabilities.add` of each
/// container, with its non-default capabilities.
pub(crate) fn capabilities_baseline(pod: &PodView) -> Vec<FieldError> {
    container_errors(pod, |c| {
        let caps = c.security_context.as_ref()?.capabilities.as_ref()?;
        let forbidden: Vec<String> = caps
            .add
            .iter()
            .filter(|cap| !ALLOWED_CAPABILITIES_1_0.contains(cap))
            .map(|cap| (*cap).to_owned())
            .collect();
        (!forbidden.is_empty()).then(|| {
            FieldError::forbidden(
                container_field(c, "securityContext.capabilities.add"),
                BadValue::List(sorted_set(forbidden)),
            )
        })
    })
}

/// procMount: `securityContext.procMount` of each container, with its value.
pub(crate) fn proc_mount(pod: &PodView) -> Vec<FieldError> {
    container_errors(pod, |c| {
        let proc_mount = c.security_context.as_ref()?.proc_mount?;
        (proc_mount != "Default").then(|| {
            FieldError::forbidden(
                container_field(c, "securityContext.procMount"),
                BadValue::String(proc_mount.to_owned()),
            )
        })
    })
}

/// seLinuxOptions v1.0+.
pub(crate) fn selinux_options_1_0(pod: &PodView) -> Vec<FieldError> {
    selinux_options(pod, SELINUX_TYPES_1_0)
}

/// seLinuxOptions v1.31+.
pub(crate) fn selinux_options_1_31(pod: &PodView) -> Vec<FieldError> {
    selinux_options(pod, SELINUX_TYPES_1_31)
}

/// `seLinuxOptions.type`, `.user` and `.role` of the pod, then of each container.
fn selinux_options(pod: &PodView, allowed: &[&str]) -> Vec<FieldError> {
    let mut out = Vec::new();
    let mut check = |options: &SeLinuxOptions<'_>, prefix: &str| {
        let fields = [
            ("type", options.type_, !allowed.contains(&options.type_)),
            ("user", options.user, !options.user.is_empty()),
            ("role", options.role, !options.role.is_empty()),
        ];
        for (name, value, bad) in fields {
            if bad {
                out.push(FieldError::forbidden(
                    format!("{prefix}securityContext.seLinuxOptions.{name}"),
                    BadValue::String(value.to_owned()),
                ));
            }
        }
    };
    if let Some(options) = &pod.security_context.selinux {
        check(options, "spec.");
    }
    for c in &pod.containers {
        if let Some(options) = c
            .security_context
            .as_ref()
            .and_then(|sc| sc.selinux.as_ref())
        {
            check(options, &container_field(c, ""));
        }
    }
    out
}

/// seccompProfile_baseline v1.0–v1.18: the forbidden annotations, grouped
/// by `key="value"`. Upstream groups them in a Go map, so the order of the groups varies
/// from run to run; kanon sorts them.
pub(crate) fn seccomp_profile_baseline_1_0(pod: &PodView) -> Vec<FieldError> {
    let mut found = Vec::new();
    let mut check = |key: String| {
        if let Some(value) = pod.annotation(&key) {
            if !valid_seccomp_annotation(value) {
                found.push((
                    format!("{key}={}", go_quote(value)),
                    FieldError::forbidden(
                        format!("metadata.annotations[{key}]"),
                        BadValue::String(value.to_owned()),
                    ),
                ));
            }
        }
    };
    check(SECCOMP_ANNOTATION_POD.to_owned());
    for container in &pod.containers {
        check(format!("{SECCOMP_ANNOTATION_CONTAINER}{}", container.name));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found.into_iter().map(|(_, error)| error).collect()
}

/// seccompProfile_baseline v1.19+: `seccompProfile.type` of the pod, then of each container,
/// with the type.
pub(crate) fn seccomp_profile_baseline_1_19(pod: &PodView) -> Vec<FieldError> {
    profile_type_errors(
        pod,
        pod.security_context.seccomp_type,
        |sc| sc.seccomp_type,
        valid_seccomp_type,
        "securityContext.seccompProfile.type",
    )
}

/// A profile type (`field`, under the pod spec and under each container) that the pod, then
/// each container, sets to a value `allowed` rejects.
fn profile_type_errors<'a>(
    pod: &PodView<'a>,
    pod_type: Option<&'a str>,
    container_type: fn(&SecurityContext<'a>) -> Option<&'a str>,
    allowed: fn(&str) -> bool,
    field: &str,
) -> Vec<FieldError> {
    let error = |path: String, profile_type: &str| {
        FieldError::forbidden(path, BadValue::String(profile_type.to_owned()))
    };
    let mut out: Vec<FieldError> = pod_type
        .filter(|t| !allowed(t))
        .map(|t| error(format!("spec.{field}"), t))
        .into_iter()
        .collect();
    out.extend(container_errors(pod, |c| {
        let profile_type = c.security_context.as_ref().and_then(container_type)?;
        (!allowed(profile_type)).then(|| error(container_field(c, field), profile_type))
    }));
    out
}

fn sysctls(pod: &PodView, allowed: &[&[&str]]) -> Vec<FieldError> {
    pod.security_context
        .sysctls
        .iter()
        .enumerate()
        .filter(|(_, name)| !sysctl_allowed(name, allowed))
        .map(|(index, name)| {
            FieldError::forbidden(
                format!("spec.securityContext.sysctls[{index}].name"),
                BadValue::String((*name).to_owned()),
            )
        })
        .collect()
}

/// sysctls v1.0+: `spec.securityContext.sysctls[i].name`, with the name.
pub(crate) fn sysctls_1_0(pod: &PodView) -> Vec<FieldError> {
    sysctls(pod, SYSCTLS_ALLOWED_1_0)
}

/// sysctls v1.27+.
pub(crate) fn sysctls_1_27(pod: &PodView) -> Vec<FieldError> {
    sysctls(pod, SYSCTLS_ALLOWED_1_27)
}

/// sysctls v1.29+.
pub(crate) fn sysctls_1_29(pod: &PodView) -> Vec<FieldError> {
    sysctls(pod, SYSCTLS_ALLOWED_1_29)
}

/// sysctls v1.32+.
pub(crate) fn sysctls_1_32(pod: &PodView) -> Vec<FieldError> {
    sysctls(pod, SYSCTLS_ALLOWED_1_32)
}

/// sysctls v1.37+.
pub(crate) fn sysctls_1_37(pod: &PodView) -> Vec<FieldError> {
    sysctls(pod, SYSCTLS_ALLOWED_1_37)
}

/// windowsHostProcess: `windowsOptions.hostProcess` of the pod, then of
/// each container.
pub(crate) fn windows_host_process(pod: &PodView) -> Vec<FieldError> {
    let mut out = Vec::new();
    if pod.security_context.windows_host_process == Some(true) {
        out.push(FieldError::forbidden(
            "spec.securityContext.windowsOptions.hostProcess".to_owned(),
            BadValue::Bool(true),
        ));
    }
    out.extend(container_errors(pod, |c| {
        (c.security_context.as_ref()?.windows_host_process == Some(true)).then(|| {
            FieldError::forbidden(
                container_field(c, "securityContext.windowsOptions.hostProcess"),
                BadValue::Bool(true),
            )
        })
    }));
    out
}

/// appArmorProfile: `appArmorProfile.type` of the pod, then of each
/// container, then the forbidden annotations. Upstream visits the annotations in Go map
/// order, which varies from run to run; kanon takes them sorted by key.
pub(crate) fn apparmor_profile(pod: &PodView) -> Vec<FieldError> {
    let mut out = profile_type_errors(
        pod,
        pod.security_context.apparmor_type,
        |sc| sc.apparmor_type,
        allowed_apparmor_type,
        "securityContext.appArmorProfile.type",
    );
    let mut annotations: Vec<(&String, &str)> = pod
        .annotations
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| {
            let value = value.as_str()?;
            (key.starts_with(APPARMOR_ANNOTATION_PREFIX) && !allowed_apparmor_annotation(value))
                .then_some((key, value))
        })
        .collect();
    annotations.sort();
    out.extend(annotations.into_iter().map(|(key, value)| {
        FieldError::forbidden(
            format!("metadata.annotations[{key}]"),
            BadValue::String(value.to_owned()),
        )
    }));
    out
}
