//! Levels (`privileged`, `baseline`, `restricted`) and policy versions (`v1.23`, `latest`).

use std::fmt;

/// A Pod Security Standards level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// No restrictions.
    Privileged,
    /// Prevents known privilege escalations.
    Baseline,
    /// Hardening best practices; includes baseline.
    Restricted,
}

impl Level {
    /// The label value (`baseline`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }

    /// Parses a label value. Errors carry Pod Security Admission's message.
    pub fn parse(text: &str) -> Result<Level, crate::Error> {
        match text {
            "privileged" => Ok(Level::Privileged),
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            _ => Err(crate::Error::InvalidLevel(text.to_owned())),
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A policy version: `latest` or `v1.<minor>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// The newest policy kanon implements (and any future one).
    Latest,
    /// The policy as it was defined in Kubernetes `v1.<minor>`.
    V1(u32),
}

impl Version {
    /// Parses `latest` or `v1.<minor>` (no leading zeros), as Pod Security Admission does.
    pub fn parse(text: &str) -> Result<Version, crate::Error> {
        if text == "latest" {
            return Ok(Version::Latest);
        }
        let minor = text
            .strip_prefix("v1.")
            .filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()))
            .filter(|m| *m == "0" || !m.starts_with('0'))
            .and_then(|m| m.parse::<u32>().ok())
            .ok_or_else(|| crate::Error::InvalidVersion(text.to_owned()))?;
        Ok(Version::V1(minor))
    }

    /// The minor version whose policy applies: versions newer than kanon's newest policy, and
    /// `latest`, use the newest one.
    pub fn effective_minor(self) -> u32 {
        match self {
            Version::Latest => crate::registry::LATEST_MINOR,
            Version::V1(minor) => minor.min(crate::registry::LATEST_MINOR),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Latest => f.write_str("latest"),
            Version::V1(minor) => write!(f, "v1.{minor}"),
        }
    }
}

/// A level at a version, written `baseline:v1.23` in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LevelVersion {
    /// The level.
    pub level: Level,
    /// The version.
    pub version: Version,
}

impl LevelVersion {
    /// A level at a version.
    pub fn new(level: Level, version: Version) -> Self {
        LevelVersion { level, version }
    }

    /// Parses `LEVEL[:VERSION]` (the CLI's `--pss` syntax); the version defaults to `latest`.
    pub fn parse(text: &str) -> Result<LevelVersion, crate::Error> {
        let (level, version) = match text.split_once(':') {
            Some((level, version)) => (level, Version::parse(version)?),
            None => (text, Version::Latest),
        };
        Ok(LevelVersion::new(Level::parse(level)?, version))
    }

    /// Whether two level-versions evaluate identically: both privileged, or equal.
    pub fn equivalent(&self, other: &LevelVersion) -> bool {
        (self.level == Level::Privileged && other.level == Level::Privileged) || self == other
    }
}

impl fmt::Display for LevelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_like_pod_security_admission() {
        assert_eq!(Version::parse("latest").unwrap(), Version::Latest);
        assert_eq!(Version::parse("v1.0").unwrap(), Version::V1(0));
        assert_eq!(Version::parse("v1.23").unwrap(), Version::V1(23));
        for bad in [
            "v1.01",
            "v2.0",
            "1.23",
            "v1.",
            "v1.x",
            "Latest",
            "v1.99999999999",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Version::parse("v1.99").unwrap().effective_minor(), 37);
        assert_eq!(Version::parse("v1.99").unwrap().to_string(), "v1.99");
    }

    #[test]
    fn level_versions_parse_from_the_cli_form() {
        let lv = LevelVersion::parse("baseline:v1.23").unwrap();
        assert_eq!(lv.to_string(), "baseline:v1.23");
        assert_eq!(
            LevelVersion::parse("restricted").unwrap().to_string(),
            "restricted:latest"
        );
        assert!(LevelVersion::parse("strict").is_err());
    }
}
