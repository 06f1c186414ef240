//! Every Pod Security Standards check, with the versions at which its behaviour changed.

mod baseline;
mod restricted;

use crate::fields::FieldsFn;
use crate::level::Level;
use crate::pod::PodView;

/// A failed check: Pod Security Admission's reason and detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Short reason, e.g. `privileged`.
    pub reason: &'static str,
    /// Detail, e.g. `container "x" must not set securityContext.privileged=true`.
    pub detail: String,
}

/// A check function: `None` when the pod is allowed.
pub type CheckFn = fn(&PodView<'_>) -> Option<Violation>;

/// One behaviour of a check, in force from a minor version on.
#[derive(Debug, Clone, Copy)]
pub struct VersionedCheck {
    /// First Kubernetes minor version (`v1.<minor>`) with this behaviour.
    pub min_minor: u32,
    /// The behaviour.
    pub check: CheckFn,
    /// The field errors of a pod this behaviour rejects, as Kyverno reports them.
    pub fields: FieldsFn,
    /// Baseline checks that this restricted check replaces at these versions.
    pub overrides: &'static [&'static str],
}

/// A check as Pod Security Admission registers it.
#[derive(Debug, Clone, Copy)]
pub struct CheckDef {
    /// Check id, e.g. `capabilities_baseline`.
    pub id: &'static str,
    /// Level the check belongs to.
    pub level: Level,
    /// Behaviours by version, oldest first.
    pub versions: &'static [VersionedCheck],
}

const fn v(min_minor: u32, check: CheckFn, fields: FieldsFn) -> VersionedCheck {
    VersionedCheck {
        min_minor,
        check,
        fields,
        overrides: &[],
    }
}

const fn replacing(
    min_minor: u32,
    check: CheckFn,
    fields: FieldsFn,
    overrides: &'static [&'static str],
) -> VersionedCheck {
    VersionedCheck {
        min_minor,
        check,
        fields,
        overrides,
    }
}

/// All checks of the baseline and restricted profiles.
pub const CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "appArmorProfile",
        level: Level::Baseline,
        versions: &[v(
            0,
            baseline::apparmor_profile_1_0,
            baseline::fields::apparmor_profile,
        )],
    },
    CheckDef {
        id: "capabilities_baseline",
        level: Level::Baseline,
        versions: &[v(
            0,
            baseline::capabilities_baseline_1_0,
            baseline::fields::capabilities_baseline,
        )],
    },
    CheckDef {
        id: "hostNamespaces",
        level: Level::Baseline,
        versions: &[v(
            0,
            baseline::host_namespaces_1_0,
            baseline::fields::host_namespaces,
        )],
    },
    CheckDef {
        id: "hostPathVolumes",
        level: Level::Baseline,
        versions: &[v(
            0,
            baseline::host_path_volumes_1_0,
            baseline::fields::host_path_volumes,
        )],
    },
    CheckDef {
        id: "hostPorts",
        level: Level::Baseline,
        versions: &[v(0, baseline::host_ports_1_0, baseline::fields::host_ports)],
    },
    CheckDef {
        id: "hostProbesAndHostLifecycle",
        level: Level::Baseline,
        versions: &[v(
            34,
            baseline::host_probes_and_host_lifecycle_1_34,
            baseline::fields::host_probes_and_host_lifecycle,
        )],
    },
    CheckDef {
        id: "privileged",
        level: Level::Baseline,
        versions: &[v(0, baseline::privileged_1_0, baseline::fields::privileged)],
    },
    CheckDef {
        id: "procMount",
        level: Level::Baseline,
        versions: &[
            v(0, baseline::proc_mount_1_0, baseline::fields::proc_mount),
            v(35, baseline::proc_mount_1_35, baseline::fields::proc_mount),
        ],
    },
    CheckDef {
        id: "seLinuxOptions",
        level: Level::Baseline,
        versions: &[
            v(
                0,
                baseline::selinux_options_1_0,
                baseline::fields::selinux_options_1_0,
            ),
            v(
                31,
                baseline::selinux_options_1_31,
                baseline::fields::selinux_options_1_31,
            ),
        ],
    },
    CheckDef {
        id: "seccompProfile_baseline",
        level: Level::Baseline,
        versions: &[
            v(
                0,
                baseline::seccomp_profile_baseline_1_0,
                baseline::fields::seccomp_profile_baseline_1_0,
            ),
            v(
                19,
                baseline::seccomp_profile_baseline_1_19,
                baseline::fields::seccomp_profile_baseline_1_19,
            ),
        ],
    },
    CheckDef {
        id: "sysctls",
        level: Level::Baseline,
        versions: &[
            v(0, baseline::sysctls_1_0, baseline::fields::sysctls_1_0),
            v(27, baseline::sysctls_1_27, baseline::fields::sysctls_1_27),
            v(29, baseline::sysctls_1_29, baseline::fields::sysctls_1_29),
            v(32, baseline::sysctls_1_32, baseline::fields::sysctls_1_32),
            v(37, baseline::sysctls_1_37, baseline::fields::sysctls_1_37),
        ],
    },
    CheckDef {
        id: "windowsHostProcess",
        level: Level::Baseline,
        versions: &[v(
            0,
            baseline::windows_host_process_1_0,
            baseline::fields::windows_host_process,
        )],
    },
    CheckDef {
        id: "allowPrivilegeEscalation",
        level: Level::Restricted,
        versions: &[
            v(
                8,
                restricted::allow_privilege_escalation_1_8,
                restricted::fields::allow_privilege_escalation,
            ),
            v(
                25,
                restricted::allow_privilege_escalation_1_25,
                restricted::fields::allow_privilege_escalation,
            ),
        ],
    },
    CheckDef {
        id: "capabilities_restricted",
        level: Level::Restricted,
        versions: &[
            replacing(
                22,
                restricted::capabilities_restricted_1_22,
                restricted::fields::capabilities_restricted,
                &["capabilities_baseline"],
            ),
            replacing(
                25,
                restricted::capabilities_restricted_1_25,
                restricted::fields::capabilities_restricted,
                &["capabilities_baseline"],
            ),
        ],
    },
    CheckDef {
        id: "procMount_restricted",
        level: Level::Restricted,
        versions: &[replacing(
            35,
            restricted::proc_mount_restricted_1_35,
            baseline::fields::proc_mount,
            &["procMount"],
        )],
    },
    CheckDef {
        id: "restrictedVolumes",
        level: Level::Restricted,
        versions: &[replacing(
            0,
            restricted::restricted_volumes_1_0,
            restricted::fields::restricted_volumes,
            &["hostPathVolumes"],
        )],
    },
    CheckDef {
        id: "runAsNonRoot",
        level: Level::Restricted,
        versions: &[
            v(
                0,
                restricted::run_as_non_root_1_0,
                restricted::fields::run_as_non_root,
            ),
            v(
                35,
                restricted::run_as_non_root_1_35,
                restricted::fields::run_as_non_root,
            ),
        ],
    },
    CheckDef {
        id: "runAsUser",
        level: Level::Restricted,
        versions: &[
            v(
                23,
                restricted::run_as_user_1_23,
                restricted::fields::run_as_user,
            ),
            v(
                35,
                restricted::run_as_user_1_35,
                restricted::fields::run_as_user,
            ),
        ],
    },
    CheckDef {
        id: "seccompProfile_restricted",
        level: Level::Restricted,
        versions: &[
            replacing(
                19,
                restricted::seccomp_profile_restricted_1_19,
                restricted::fields::seccomp_profile_restricted,
                &["seccompProfile_baseline"],
            ),
            replacing(
                25,
                restricted::seccomp_profile_restricted_1_25,
                restricted::fields::seccomp_profile_restricted,
                &["seccompProfile_baseline"],
            ),
        ],
    },
];
