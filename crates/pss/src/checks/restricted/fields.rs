//! Field errors of the restricted checks, in the order Kyverno's fork of
//! pod-security-admission lists them.

use crate::fields::{container_errors, container_field, BadValue, FieldError};
use crate::pod::{Container, PodView};
use crate::text::sorted_set;

/// allowPrivilegeEscalation: `securityContext.allowPrivilegeEscalation` of
/// each container that does not set it to false (Required without a security context; the
/// string `nil` when unset; `true`).
pub(crate) fn allow_privilege_escalation(pod: &PodView) -> Vec<FieldError> {
    container_errors(pod, |c| {
        let field = container_field(c, "securityContext.allowPrivilegeEscalation");
        match c.security_context.as_ref() {
            None => Some(FieldError::required(field)),
            Some(sc) => match sc.allow_privilege_escalation {
                None => Some(FieldError::forbidden(
                    field,
                    BadValue::String("nil".to_owned()),
                )),
                Some(true) => Some(FieldError::forbidden(field, BadValue::Bool(true))),
                Some(false) => None,
            },
        }
    })
}

/// capabilities_restricted: first `capabilities.drop` of each container that
/// does not drop ALL (Required when nothing is dropped, else the dropped set), then
/// `capabilities.add` of each container adding more than NET_BIND_SERVICE.
pub(crate) fn capabilities_restricted(pod: &PodView) -> Vec<FieldError> {
    let mut missing_drop_all = Vec::new();
    let mut adding_forbidden = Vec::new();
    for c in &pod.containers {
        let drop_field = || container_field(c, "securityContext.capabilities.drop");
        let Some(caps) = c
            .security_context
            .as_ref()
            .and_then(|sc| sc.capabilities.as_ref())
        else {
            missing_drop_all.push(FieldError::required(drop_field()));
            continue;
        };
        if !caps.drop.contains(&"ALL") {
            missing_drop_all.push(if caps.drop.is_empty() {
                FieldError::required(drop_field())
            } else {
                FieldError::forbidden(drop_field(), BadValue::List(owned_set(&caps.drop)))
            });
        }
        let added: Vec<&str> = caps
            .add
            .iter()
            .copied()
            .filter(|cap| *cap != "NET_BIND_SERVICE")
            .collect();
        if !added.is_empty() {
            adding_forbidden.push(FieldError::forbidden(
                container_field(c, "securityContext.capabilities.add"),
                BadValue::List(owned_set(&added)),
            ));
        }
    }
    missing_drop_all.extend(adding_forbidden);
    missing_drop_all
}

fn owned_set(items: &[&str]) -> Vec<String> {
    sorted_set(items.iter().map(|item| (*item).to_owned()).collect())
}

/// restrictedVolumes: `spec.volumes[i].<type>` of each volume of a
/// restricted type, without a value.
pub(crate) fn restricted_volumes(pod: &PodView) -> Vec<FieldError> {
    pod.volumes
        .iter()
        .enumerate()
        .filter_map(|(index, volume)| {
            let volume_type = volume.restricted_type?;
            Some(FieldError::forbidden(
                format!("spec.volumes[{index}].{volume_type}"),
                BadValue::none(),
            ))
        })
        .collect()
}

/// runAsNonRoot: the pod's and the containers' `runAsNonRoot: false`, then
/// (unlike the message, which stops at the explicit ones) `runAsNonRoot` of each container
/// that leaves it unset without a pod-level `true`, as Required.
pub(crate) fn run_as_non_root(pod: &PodView) -> Vec<FieldError> {
    let mut out = Vec::new();
    let pod_value = pod.security_context.run_as_non_root;
    if pod_value == Some(false) {
        out.push(FieldError::forbidden(
            "spec.securityContext.runAsNonRoot".to_owned(),
            BadValue::Bool(false),
        ));
    }
    let value = |c: &Container<'_>| {
        c.security_context
            .as_ref()
            .and_then(|sc| sc.run_as_non_root)
    };
    out.extend(container_errors(pod, |c| {
        (value(c) == Some(false)).then(|| {
            FieldError::forbidden(
                container_field(c, "securityContext.runAsNonRoot"),
                BadValue::Bool(false),
            )
        })
    }));
    if pod_value != Some(true) {
        out.extend(container_errors(pod, |c| {
            value(c)
                .is_none()
                .then(|| FieldError::required(container_field(c, "securityContext.runAsNonRoot")))
        }));
    }
    out
}

/// runAsUser: `runAsUser: 0` of the pod, then of each container.
pub(crate) fn run_as_user(pod: &PodView) -> Vec<FieldError> {
    let mut out = Vec::new();
    if pod.security_context.run_as_user == Some(0) {
        out.push(FieldError::forbidden(
            "spec.securityContext.runAsUser".to_owned(),
            BadValue::Int(0),
        ));
    }
    out.extend(container_errors(pod, |c| {
        (c.security_context.as_ref()?.run_as_user == Some(0)).then(|| {
            FieldError::forbidden(
                container_field(c, "securityContext.runAsUser"),
                BadValue::Int(0),
            )
        })
    }));
    out
}

/// seccompProfile_restricted: the forbidden `seccompProfile.type` of the pod
/// and of each container; when there are none, `seccompProfile.type` of each container that
/// leaves it unset without a valid pod-level profile, as Required.
pub(crate) fn seccomp_profile_restricted(pod: &PodView) -> Vec<FieldError> {
    let explicit = crate::checks::baseline::fields::seccomp_profile_baseline_1_19(pod);
    if !explicit.is_empty() || pod.security_context.seccomp_type.is_some() {
        return explicit;
    }
    container_errors(pod, |c| {
        c.security_context
            .as_ref()
            .and_then(|sc| sc.seccomp_type)
            .is_none()
            .then(|| {
                FieldError::required(container_field(c, "securityContext.seccompProfile.type"))
            })
    })
}
