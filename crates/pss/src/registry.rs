//! Which checks run, in which order, for each level and version.
//!
//! The table is computed once from [`CHECKS`]: for every minor version each check contributes
//! its newest behaviour not newer than that version; restricted includes baseline except the
//! baseline checks that a restricted check replaces at that version; checks run baseline
//! first, then restricted, each group sorted by id (byte order, as upstream sorts them).

use crate::checks::{CheckDef, CheckFn, Violation, CHECKS};
use crate::level::{Level, LevelVersion};
use crate::pod::PodView;
use std::sync::LazyLock;

/// The newest policy version kanon implements; `latest` and newer versions use it.
pub const LATEST_MINOR: u32 = 37;

/// A check scheduled to run: its id and the behaviour for the version.
#[derive(Debug, Clone, Copy)]
pub struct ScheduledCheck {
    /// Check id.
    pub id: &'static str,
    /// The behaviour.
    pub check: CheckFn,
}

/// A failed check with its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckViolation {
    /// Check id.
    pub id: &'static str,
    /// Reason and detail.
    pub violation: Violation,
}

struct Table {
    /// `[minor]` → checks, for baseline and restricted.
    baseline: Vec<Vec<ScheduledCheck>>,
    restricted: Vec<Vec<ScheduledCheck>>,
}

static TABLE: LazyLock<Table> = LazyLock::new(build);

/// The behaviour of `def` at `minor`, if the check exists at that version.
fn behaviour_at(def: &CheckDef, minor: u32) -> Option<&crate::checks::VersionedCheck> {
    def.versions.iter().rev().find(|v| v.min_minor <= minor)
}

fn build() -> Table {
    let mut order: Vec<&CheckDef> = CHECKS.iter().collect();
    order.sort_by_key(|def| (def.level != Level::Baseline, def.id));
    let mut baseline = Vec::new();
    let mut restricted = Vec::new();
    for minor in 0..=LATEST_MINOR {
        let overridden: Vec<&str> = CHECKS
            .iter()
            .filter(|def| def.level == Level::Restricted)
            .filter_map(|def| behaviour_at(def, minor))
            .flat_map(|v| v.overrides.iter().copied())
            .collect();
        let mut base_checks = Vec::new();
        let mut restricted_checks = Vec::new();
        for def in &order {
            let Some(behaviour) = behaviour_at(def, minor) else {
                continue;
            };
            let scheduled = ScheduledCheck {
                id: def.id,
                check: behaviour.check,
            };
            if def.level == Level::Baseline {
                base_checks.push(scheduled);
                if !overridden.contains(&def.id) {
                    restricted_checks.push(scheduled);
                }
            } else {
                restricted_checks.push(scheduled);
            }
        }
        baseline.push(base_checks);
        restricted.push(restricted_checks);
    }
    Table {
        baseline,
        restricted,
    }
}

/// The checks that run for a level and version, in reporting order.
pub fn checks_for(level_version: LevelVersion) -> &'static [ScheduledCheck] {
    let minor = level_version.version.effective_minor() as usize;
    let table = &*TABLE;
    let per_version = match level_version.level {
        Level::Privileged => return &[],
        Level::Baseline => &table.baseline,
        Level::Restricted => &table.restricted,
    };
    per_version.get(minor).map(Vec::as_slice).unwrap_or(&[])
}

/// Evaluates a pod against a level and version, skipping the checks for which `exempt`
/// returns true. Violations come in Pod Security Admission's order.
pub fn evaluate(
    level_version: LevelVersion,
    pod: &PodView<'_>,
    exempt: &dyn Fn(&str) -> bool,
) -> Vec<CheckViolation> {
    checks_for(level_version)
        .iter()
        .filter(|scheduled| !exempt(scheduled.id))
        .filter_map(|scheduled| {
            (scheduled.check)(pod).map(|violation| CheckViolation {
                id: scheduled.id,
                violation,
            })
        })
        .collect()
}

/// Joins violations as Pod Security Admission's `ForbiddenDetail`:
/// `reason (detail), reason (detail)`.
pub fn forbidden_detail(violations: &[CheckViolation]) -> String {
    let mut out = String::new();
    for (index, v) in violations.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        out.push_str(v.violation.reason);
        if !v.violation.detail.is_empty() {
            out.push_str(" (");
            out.push_str(&v.violation.detail);
            out.push(')');
        }
    }
    out
}

/// Every check id, for validating exemption lists.
pub fn check_ids() -> impl Iterator<Item = &'static str> {
    CHECKS.iter().map(|def| def.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::level::Version;

    fn ids(level: Level, minor: u32) -> Vec<&'static str> {
        checks_for(LevelVersion::new(level, Version::V1(minor)))
            .iter()
            .map(|c| c.id)
            .collect()
    }

    #[test]
    fn checks_run_in_upstream_order() {
        assert_eq!(
            ids(Level::Baseline, 37),
            [
                "appArmorProfile",
                "capabilities_baseline",
                "hostNamespaces",
                "hostPathVolumes",
                "hostPorts",
                "hostProbesAndHostLifecycle",
                "privileged",
                "procMount",
                "seLinuxOptions",
                "seccompProfile_baseline",
                "sysctls",
                "windowsHostProcess"
            ]
        );
    }

    #[test]
    fn restricted_replaces_baseline_checks_where_upstream_does() {
        let v18 = ids(Level::Restricted, 18);
        assert!(v18.contains(&"seccompProfile_baseline"));
        assert!(!v18.contains(&"hostPathVolumes"));
        assert!(v18.contains(&"allowPrivilegeEscalation"));
        let v37 = ids(Level::Restricted, 37);
        for replaced in [
            "seccompProfile_baseline",
            "capabilities_baseline",
            "procMount",
            "hostPathVolumes",
        ] {
            assert!(!v37.contains(&replaced), "{replaced}");
        }
        assert!(ids(Level::Restricted, 7)
            .iter()
            .all(|id| *id != "allowPrivilegeEscalation"));
        assert!(ids(Level::Restricted, 22)
            .iter()
            .all(|id| *id != "runAsUser"));
        assert!(ids(Level::Restricted, 23).contains(&"runAsUser"));
    }

    #[test]
    fn latest_and_future_versions_use_the_newest_policy() {
        let latest = checks_for(LevelVersion::new(Level::Restricted, Version::Latest));
        let future = checks_for(LevelVersion::new(Level::Restricted, Version::V1(99)));
        assert_eq!(latest.len(), future.len());
        assert_eq!(latest.len(), ids(Level::Restricted, 37).len());
    }
}
