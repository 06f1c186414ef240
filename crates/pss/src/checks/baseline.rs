//! The checks of the baseline profile.

pub(super) mod fields;

use super::Violation;
use crate::pod::{PodView, SeLinuxOptions, SecurityContext};
use crate::text::{go_quote, join_quote, pluralize, sorted_set};

/// `"container" "a"` / `"containers" "a", "b"`.
pub(super) fn containers_phrase(names: &[&str]) -> String {
    format!(
        "{} {}",
        pluralize("container", "containers", names.len()),
        join_quote(names)
    )
}

/// Names of the containers, in visiting order, whose security context (`None` when unset)
/// makes `bad` true.
pub(super) fn containers_where<'a>(
    pod: &PodView<'a>,
    bad: impl Fn(Option<&SecurityContext<'a>>) -> bool,
) -> Vec<&'a str> {
    pod.containers
        .iter()
        .filter(|c| bad(c.security_context.as_ref()))
        .map(|c| c.name)
        .collect()
}

/// privileged, v1.0+: `securityContext.privileged` must not be true.
pub(super) fn privileged_1_0(pod: &PodView) -> Option<Violation> {
    let bad = containers_where(pod, |sc| sc.is_some_and(|sc| sc.privileged == Some(true)));
    (!bad.is_empty()).then(|| Violation {
        reason: "privileged",
        detail: format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&bad)
        ),
    })
}

/// hostNamespaces, v1.0+: no host network, PID or IPC namespace.
pub(super) fn host_namespaces_1_0(pod: &PodView) -> Option<Violation> {
    let mut used = Vec::new();
    if pod.host_network {
        used.push("hostNetwork=true");
    }
    if pod.host_pid {
        used.push("hostPID=true");
    }
    if pod.host_ipc {
        used.push("hostIPC=true");
    }
    (!used.is_empty()).then(|| Violation {
        reason: "host namespaces",
        detail: used.join(", "),
    })
}

/// hostPathVolumes, v1.0+: no `hostPath` volumes.
pub(super) fn host_path_volumes_1_0(pod: &PodView) -> Option<Violation> {
    let bad: Vec<&str> = pod
        .volumes
        .iter()
        .filter(|v| v.host_path.is_some())
        .map(|v| v.name)
        .collect();
    (!bad.is_empty()).then(|| Violation {
        reason: "hostPath volumes",
        detail: format!(
            "{} {}",
            pluralize("volume", "volumes", bad.len()),
            join_quote(&bad)
        ),
    })
}

/// hostPorts, v1.0+: no host ports.
pub(super) fn host_ports_1_0(pod: &PodView) -> Option<Violation> {
    let mut bad = Vec::new();
    let mut ports = Vec::new();
    for container in &pod.containers {
        if !container.host_ports.is_empty() {
            bad.push(container.name);
            ports.extend(container.host_ports.iter().map(|p| p.port.to_string()));
        }
    }
    if bad.is_empty() {
        return None;
    }
    let ports = sorted_set(ports);
    Some(Violation {
        reason: "hostPort",
        detail: format!(
            "{} {} {} {}",
            containers_phrase(&bad),
            pluralize("uses", "use", bad.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        ),
    })
}

/// hostProbesAndHostLifecycle, v1.34+: probes and lifecycle handlers must not set `host`.
pub(super) fn host_probes_and_host_lifecycle_1_34(pod: &PodView) -> Option<Violation> {
    let mut bad = Vec::new();
    let mut hosts = Vec::new();
    for container in &pod.containers {
        if !container.probe_hosts.is_empty() {
            bad.push(container.name);
            hosts.extend_from_slice(&container.probe_hosts);
        }
    }
    if bad.is_empty() {
        return None;
    }
    let bad = sorted_set(bad);
    let hosts = sorted_set(hosts);
    Some(Violation {
        reason: "probe or lifecycle host",
        detail: format!(
            "{} {} {} {}",
            containers_phrase(&bad),
            pluralize("uses", "use", bad.len()),
            pluralize(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                hosts.len()
            ),
            join_quote(&hosts)
        ),
    })
}

const ALLOWED_CAPABILITIES_1_0: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// capabilities_baseline, v1.0+: only the default capabilities may be added.
pub(super) fn capabilities_baseline_1_0(pod: &PodView) -> Option<Violation> {
    let mut bad = Vec::new();
    let mut capabilities = Vec::new();
    for container in &pod.containers {
        let Some(caps) = container
            .security_context
            .as_ref()
            .and_then(|sc| sc.capabilities.as_ref())
        else {
            continue;
        };
        let mut valid = true;
        for cap in &caps.add {
            if !ALLOWED_CAPABILITIES_1_0.contains(cap) {
                valid = false;
                capabilities.push(*cap);
            }
        }
        if !valid {
            bad.push(container.name);
        }
    }
    (!bad.is_empty()).then(|| Violation {
        reason: "non-default capabilities",
        detail: format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&bad),
            join_quote(&sorted_set(capabilities))
        ),
    })
}

/// procMount, v1.0+: `procMount` must be unset or `Default`.
pub(super) fn proc_mount_1_0(pod: &PodView) -> Option<Violation> {
    let mut bad = Vec::new();
    let mut types = Vec::new();
    for container in &pod.containers {
        if let Some(proc_mount) = container
            .security_context
            .as_ref()
            .and_then(|sc| sc.proc_mount)
        {
            if proc_mount != "Default" {
                bad.push(container.name);
                types.push(proc_mount);
            }
        }
    }
    (!bad.is_empty()).then(|| Violation {
        reason: "procMount",
        detail: format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&bad),
            join_quote(&sorted_set(types))
        ),
    })
}

/// procMount, v1.35+: any value is allowed for pods in a user namespace.
pub(super) fn proc_mount_1_35(pod: &PodView) -> Option<Violation> {
    if pod.in_user_namespace() {
        return None;
    }
    proc_mount_1_0(pod)
}

const SELINUX_TYPES_1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];
const SELINUX_TYPES_1_31: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/// seLinuxOptions, v1.0+.
pub(super) fn selinux_options_1_0(pod: &PodView) -> Option<Violation> {
    selinux_options(pod, SELINUX_TYPES_1_0)
}

/// seLinuxOptions, v1.31+: `container_engine_t` is allowed.
pub(super) fn selinux_options_1_31(pod: &PodView) -> Option<Violation> {
    selinux_options(pod, SELINUX_TYPES_1_31)
}

fn selinux_options(pod: &PodView, allowed: &[&str]) -> Option<Violation> {
    let mut bad_types = Vec::new();
    let mut set_user = false;
    let mut set_role = false;
    let mut valid = |options: &SeLinuxOptions<'_>| {
        let mut ok = true;
        if !allowed.contains(&options.type_) {
            ok = false;
            bad_types.push(options.type_.to_owned());
        }
        if !options.user.is_empty() {
            ok = false;
            set_user = true;
        }
        if !options.role.is_empty() {
            ok = false;
            set_role = true;
        }
        ok
    };
    let mut setters = Vec::new();
    if let Some(options) = &pod.security_context.selinux {
        if !valid(options) {
            setters.push("pod".to_owned());
        }
    }
    let mut bad = Vec::new();
    for container in &pod.containers {
        if let Some(options) = container
            .security_context
            .as_ref()
            .and_then(|sc| sc.selinux.as_ref())
        {
            if !valid(options) {
                bad.push(container.name);
            }
        }
    }
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    let mut data = Vec::new();
    let bad_types = sorted_set(bad_types);
    if !bad_types.is_empty() {
        data.push(format!(
            "{} {}",
            pluralize("type", "types", bad_types.len()),
            join_quote(&bad_types)
        ));
    }
    if set_user {
        data.push("user may not be set".to_owned());
    }
    if set_role {
        data.push("role may not be set".to_owned());
    }
    Some(Violation {
        reason: "seLinuxOptions",
        detail: format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters.join(" and "),
            data.join("; ")
        ),
    })
}

const SECCOMP_ANNOTATION_POD: &str = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_ANNOTATION_CONTAINER: &str = "container.seccomp.security.alpha.kubernetes.io/";

fn valid_seccomp_annotation(value: &str) -> bool {
    value == "runtime/default" || value == "docker/default" || value.starts_with("localhost/")
}

/// seccompProfile_baseline, v1.0–v1.18: the alpha seccomp annotations.
pub(super) fn seccomp_profile_baseline_1_0(pod: &PodView) -> Option<Violation> {
    let mut forbidden = Vec::new();
    if let Some(value) = pod.annotation(SECCOMP_ANNOTATION_POD) {
        if !valid_seccomp_annotation(value) {
            forbidden.push(format!("{SECCOMP_ANNOTATION_POD}={}", go_quote(value)));
        }
    }
    for container in &pod.containers {
        let key = format!("{SECCOMP_ANNOTATION_CONTAINER}{}", container.name);
        if let Some(value) = pod.annotation(&key) {
            if !valid_seccomp_annotation(value) {
                forbidden.push(format!("{key}={}", go_quote(value)));
            }
        }
    }
    if forbidden.is_empty() {
        return None;
    }
    let forbidden = sorted_set(forbidden);
    Some(Violation {
        reason: "seccompProfile",
        detail: format!(
            "forbidden {} {}",
            pluralize("annotation", "annotations", forbidden.len()),
            forbidden.join(", ")
        ),
    })
}

pub(super) fn valid_seccomp_type(profile_type: &str) -> bool {
    profile_type == "RuntimeDefault" || profile_type == "Localhost"
}

/// seccompProfile_baseline, v1.19+: `seccompProfile.type`, when set, must be `RuntimeDefault`
/// or `Localhost`.
pub(super) fn seccomp_profile_baseline_1_19(pod: &PodView) -> Option<Violation> {
    let mut setters = Vec::new();
    let mut values = Vec::new();
    if let Some(profile_type) = pod.security_context.seccomp_type {
        if !valid_seccomp_type(profile_type) {
            setters.push("pod".to_owned());
            values.push(profile_type);
        }
    }
    let mut bad = Vec::new();
    for container in &pod.containers {
        if let Some(profile_type) = container
            .security_context
            .as_ref()
            .and_then(|sc| sc.seccomp_type)
        {
            if !valid_seccomp_type(profile_type) {
                bad.push(container.name);
                values.push(profile_type);
            }
        }
    }
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    (!setters.is_empty()).then(|| Violation {
        reason: "seccompProfile",
        detail: format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters.join(" and "),
            join_quote(&sorted_set(values))
        ),
    })
}

const SYSCTLS_1_0: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
];
const SYSCTLS_1_27: &[&str] = &["net.ipv4.ip_local_reserved_ports"];
const SYSCTLS_1_29: &[&str] = &[
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];
const SYSCTLS_1_32: &[&str] = &["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
const SYSCTLS_1_37: &[&str] = &[
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

/// The allowed sysctls of each version, as the sets added up to it.
const SYSCTLS_ALLOWED_1_0: &[&[&str]] = &[SYSCTLS_1_0];
const SYSCTLS_ALLOWED_1_27: &[&[&str]] = &[SYSCTLS_1_0, SYSCTLS_1_27];
const SYSCTLS_ALLOWED_1_29: &[&[&str]] = &[SYSCTLS_1_0, SYSCTLS_1_27, SYSCTLS_1_29];
const SYSCTLS_ALLOWED_1_32: &[&[&str]] = &[SYSCTLS_1_0, SYSCTLS_1_27, SYSCTLS_1_29, SYSCTLS_1_32];
const SYSCTLS_ALLOWED_1_37: &[&[&str]] = &[
    SYSCTLS_1_0,
    SYSCTLS_1_27,
    SYSCTLS_1_29,
    SYSCTLS_1_32,
    SYSCTLS_1_37,
];

fn sysctl_allowed(name: &str, allowed: &[&[&str]]) -> bool {
    allowed.iter().any(|set| set.contains(&name))
}

fn sysctls(pod: &PodView, allowed: &[&[&str]]) -> Option<Violation> {
    let forbidden: Vec<&str> = pod
        .security_context
        .sysctls
        .iter()
        .copied()
        .filter(|name| !sysctl_allowed(name, allowed))
        .collect();
    (!forbidden.is_empty()).then(|| Violation {
        reason: "forbidden sysctls",
        detail: forbidden.join(", "),
    })
}

/// sysctls, v1.0+: only the safe set.
pub(super) fn sysctls_1_0(pod: &PodView) -> Option<Violation> {
    sysctls(pod, SYSCTLS_ALLOWED_1_0)
}

/// sysctls, v1.27+: adds `net.ipv4.ip_local_reserved_ports`.
pub(super) fn sysctls_1_27(pod: &PodView) -> Option<Violation> {
    sysctls(pod, SYSCTLS_ALLOWED_1_27)
}

/// sysctls, v1.29+: adds the TCP keepalive and fin-timeout sysctls.
pub(super) fn sysctls_1_29(pod: &PodView) -> Option<Violation> {
    sysctls(pod, SYSCTLS_ALLOWED_1_29)
}

/// sysctls, v1.32+: adds `net.ipv4.tcp_rmem` and `net.ipv4.tcp_wmem`.
pub(super) fn sysctls_1_32(pod: &PodView) -> Option<Violation> {
    sysctls(pod, SYSCTLS_ALLOWED_1_32)
}

/// sysctls, v1.37+: adds `net.ipv4.tcp_slow_start_after_idle` and `net.ipv4.tcp_notsent_lowat`.
pub(super) fn sysctls_1_37(pod: &PodView) -> Option<Violation> {
    sysctls(pod, SYSCTLS_ALLOWED_1_37)
}

/// windowsHostProcess, v1.0+: `windowsOptions.hostProcess` must not be true.
pub(super) fn windows_host_process_1_0(pod: &PodView) -> Option<Violation> {
    let bad = containers_where(pod, |sc| {
        sc.is_some_and(|sc| sc.windows_host_process == Some(true))
    });
    let mut setters = Vec::new();
    if pod.security_context.windows_host_process == Some(true) {
        setters.push("pod".to_owned());
    }
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    (!setters.is_empty()).then(|| Violation {
        reason: "hostProcess",
        detail: format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters.join(" and ")
        ),
    })
}

const APPARMOR_ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn allowed_apparmor_type(profile_type: &str) -> bool {
    profile_type == "RuntimeDefault" || profile_type == "Localhost"
}

fn allowed_apparmor_annotation(value: &str) -> bool {
    value.is_empty() || value == "runtime/default" || value.starts_with("localhost/")
}

/// appArmorProfile, v1.0+: no profile other than the runtime default or a localhost one,
/// in fields or in the beta annotations.
pub(super) fn apparmor_profile_1_0(pod: &PodView) -> Option<Violation> {
    let mut setters = Vec::new();
    let mut values = Vec::new();
    if let Some(profile_type) = pod.security_context.apparmor_type {
        if !allowed_apparmor_type(profile_type) {
            setters.push("pod".to_owned());
            values.push(profile_type.to_owned());
        }
    }
    let mut bad = Vec::new();
    for container in &pod.containers {
        if let Some(profile_type) = container
            .security_context
            .as_ref()
            .and_then(|sc| sc.apparmor_type)
        {
            if !allowed_apparmor_type(profile_type) {
                bad.push(container.name);
                values.push(profile_type.to_owned());
            }
        }
    }
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    let mut annotations: Vec<String> = pod
        .annotations
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| {
            let value = value.as_str()?;
            (key.starts_with(APPARMOR_ANNOTATION_PREFIX) && !allowed_apparmor_annotation(value))
                .then(|| format!("{key}={}", go_quote(value)))
        })
        .collect();
    let mut values = sorted_set(values);
    if !annotations.is_empty() {
        annotations.sort();
        setters.push(pluralize("annotation", "annotations", annotations.len()).to_owned());
        values.extend(annotations);
    }
    (!setters.is_empty()).then(|| Violation {
        reason: pluralize(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            values.len(),
        ),
        detail: format!(
            "{} must not set AppArmor profile type to {}",
            setters.join(" and "),
            join_quote(&values)
        ),
    })
}
