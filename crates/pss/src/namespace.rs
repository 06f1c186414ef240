//! The policy of a namespace: levels per mode, read from `pod-security.kubernetes.io/*` labels.

use crate::level::{Level, LevelVersion, Version};
use std::collections::BTreeMap;

/// Label prefix of Pod Security Admission.
pub const LABEL_PREFIX: &str = "pod-security.kubernetes.io/";

const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";
const ENFORCE_VERSION_LABEL: &str = "pod-security.kubernetes.io/enforce-version";
const AUDIT_LABEL: &str = "pod-security.kubernetes.io/audit";
const AUDIT_VERSION_LABEL: &str = "pod-security.kubernetes.io/audit-version";
const WARN_LABEL: &str = "pod-security.kubernetes.io/warn";
const WARN_VERSION_LABEL: &str = "pod-security.kubernetes.io/warn-version";

/// A mode of Pod Security Admission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Violations reject the Pod.
    Enforce,
    /// Violations are returned to the user as warnings.
    Warn,
    /// Violations are recorded in the audit log.
    Audit,
}

impl Mode {
    /// The label name of the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Warn => "warn",
            Mode::Audit => "audit",
        }
    }
}

/// The level-version per mode for one namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamespacePolicy {
    /// Enforce mode.
    pub enforce: LevelVersion,
    /// Warn mode.
    pub warn: LevelVersion,
    /// Audit mode.
    pub audit: LevelVersion,
}

impl NamespacePolicy {
    /// Everything privileged: Pod Security Admission's built-in default.
    pub const PRIVILEGED: NamespacePolicy = NamespacePolicy {
        enforce: LevelVersion {
            level: Level::Privileged,
            version: Version::Latest,
        },
        warn: LevelVersion {
            level: Level::Privileged,
            version: Version::Latest,
        },
        audit: LevelVersion {
            level: Level::Privileged,
            version: Version::Latest,
        },
    };

    /// kanon's default: baseline enforced, restricted warned, both `latest`.
    pub const KANON_DEFAULT: NamespacePolicy = NamespacePolicy {
        enforce: LevelVersion {
            level: Level::Baseline,
            version: Version::Latest,
        },
        warn: LevelVersion {
            level: Level::Restricted,
            version: Version::Latest,
        },
        audit: LevelVersion {
            level: Level::Privileged,
            version: Version::Latest,
        },
    };

    /// The level-version of a mode.
    pub fn get(&self, mode: Mode) -> LevelVersion {
        match mode {
            Mode::Enforce => self.enforce,
            Mode::Warn => self.warn,
            Mode::Audit => self.audit,
        }
    }
}

/// A `pod-security.kubernetes.io/*` label with an invalid value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelError {
    /// The label key.
    pub label: String,
    /// The value found.
    pub value: String,
    /// Why it is invalid.
    pub error: crate::Error,
}

impl std::fmt::Display for LabelError {
    /// Formats as the API server's field error:
    /// `metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "x": must be ...`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "metadata.labels[{}]: Invalid value: {}: {}",
            self.label,
            crate::text::go_quote(&self.value),
            self.error
        )
    }
}

/// Resolves a namespace's labels to its policy, falling back to `defaults` for modes the
/// labels do not set, with Pod Security Admission's rules: an invalid enforce level means
/// `restricted`, an invalid warn or audit level means `privileged` (fail open), an invalid
/// version means `latest`; and when the labels set an enforce level stricter than the warn
/// level, warn follows enforce (level, and version unless a warn version is set). The policy is
/// always usable; errors are returned beside it.
pub fn policy_from_labels(
    labels: &BTreeMap<String, String>,
    defaults: &NamespacePolicy,
) -> (NamespacePolicy, Vec<LabelError>) {
    let mut policy = *defaults;
    let mut errors = Vec::new();
    if labels.is_empty() {
        return (policy, errors);
    }
    let get = |key: &'static str| labels.get(key).map(|value| (key.to_owned(), value.clone()));
    let mut has_enforce_level = false;
    let mut has_warn_level = false;
    let mut has_warn_version = false;
    for (mode, level_key, version_key) in [
        (Mode::Enforce, ENFORCE_LABEL, ENFORCE_VERSION_LABEL),
        (Mode::Audit, AUDIT_LABEL, AUDIT_VERSION_LABEL),
        (Mode::Warn, WARN_LABEL, WARN_VERSION_LABEL),
    ] {
        let slot = match mode {
            Mode::Enforce => &mut policy.enforce,
            Mode::Warn => &mut policy.warn,
            Mode::Audit => &mut policy.audit,
        };
        if let Some((label, value)) = get(level_key) {
            if mode == Mode::Warn {
                has_warn_level = true;
            }
            match Level::parse(&value) {
                Ok(level) => {
                    slot.level = level;
                    if mode == Mode::Enforce {
                        has_enforce_level = true;
                    }
                }
                Err(error) => {
                    slot.level = if mode == Mode::Enforce {
                        Level::Restricted
                    } else {
                        Level::Privileged
                    };
                    errors.push(LabelError {
                        label,
                        value,
                        error,
                    });
                }
            }
        }
        if let Some((label, value)) = get(version_key) {
            if mode == Mode::Warn {
                has_warn_version = true;
            }
            match Version::parse(&value) {
                Ok(version) => slot.version = version,
                Err(error) => {
                    slot.version = Version::Latest;
                    errors.push(LabelError {
                        label,
                        value,
                        error,
                    });
                }
            }
        }
    }
    if !has_warn_level && has_enforce_level && policy.enforce.level > policy.warn.level {
        policy.warn.level = policy.enforce.level;
        if !has_warn_version {
            policy.warn.version = policy.enforce.version;
        }
    }
    (policy, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (format!("{LABEL_PREFIX}{k}"), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn labels_override_defaults_per_mode() {
        let (policy, errors) = policy_from_labels(
            &labels(&[
                ("enforce", "baseline"),
                ("warn", "restricted"),
                ("audit", "restricted"),
            ]),
            &NamespacePolicy::PRIVILEGED,
        );
        assert!(errors.is_empty());
        assert_eq!(policy.enforce.to_string(), "baseline:latest");
        assert_eq!(policy.warn.to_string(), "restricted:latest");
        assert_eq!(policy.audit.to_string(), "restricted:latest");
    }

    #[test]
    fn warn_follows_a_stricter_enforce_level() {
        let pinned = labels(&[("enforce", "restricted"), ("enforce-version", "v1.23")]);
        let (policy, _) = policy_from_labels(&pinned, &NamespacePolicy::PRIVILEGED);
        assert_eq!(policy.warn.to_string(), "restricted:v1.23");
        // Not stricter than the default warn level: warn keeps its own version.
        let (policy, _) = policy_from_labels(&pinned, &NamespacePolicy::KANON_DEFAULT);
        assert_eq!(policy.warn.to_string(), "restricted:latest");
        let (policy, _) = policy_from_labels(
            &labels(&[("enforce", "privileged")]),
            &NamespacePolicy::KANON_DEFAULT,
        );
        assert_eq!(policy.warn.to_string(), "restricted:latest");
    }

    #[test]
    fn invalid_labels_fail_closed_for_enforce_and_open_for_warn() {
        let (policy, errors) = policy_from_labels(
            &labels(&[
                ("enforce", "strict"),
                ("warn", "nope"),
                ("audit-version", "1.2"),
            ]),
            &NamespacePolicy::PRIVILEGED,
        );
        assert_eq!(policy.enforce.level, Level::Restricted);
        assert_eq!(policy.warn.level, Level::Privileged);
        assert_eq!(errors.len(), 3);
        assert_eq!(
            errors[0].to_string(),
            "metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": must be one of privileged, baseline, restricted"
        );
    }
}
