//! Semantic versions and ranges as `github.com/blang/semver/v4` parses them, for Kyverno's
//! `semver_compare`: strict `MAJOR.MINOR.PATCH[-pre][+build]` versions, comparators
//! `>`, `>=`, `<`, `<=`, `=`/`==`/none, `!`/`!=`, spaces for AND, `||` for OR, and `x`
//! wildcards (`1.2.x`, `>=1.x`) expanded as blang expands them.

use std::cmp::Ordering;

/// A parsed version.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<PreRelease>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PreRelease {
    Numeric(u64),
    Alpha(String),
}

fn numbers_only(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit())
}

fn alphanumeric_only(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn numeric_part(text: &str, what: &str) -> Result<u64, String> {
    if !numbers_only(text) {
        return Err(format!(
            "Invalid character(s) found in {what} number {text:?}"
        ));
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err(format!(
            "{what} number must not contain leading zeroes {text:?}"
        ));
    }
    text.parse().map_err(|e| format!("{e}"))
}

impl Version {
    /// blang's strict `semver.Parse`.
    pub(crate) fn parse(text: &str) -> Result<Version, String> {
        if text.is_empty() {
            return Err("Version string empty".into());
        }
        let parts: Vec<&str> = text.splitn(3, '.').collect();
        let [major, minor, rest] = parts.as_slice() else {
            return Err("No Major.Minor.Patch elements found".into());
        };
        let major = numeric_part(major, "Major")?;
        let minor = numeric_part(minor, "Minor")?;
        let mut patch = *rest;
        let mut build = None;
        if let Some((before, after)) = patch.split_once('+') {
            build = Some(after);
            patch = before;
        }
        let mut pre = Vec::new();
        if let Some((before, after)) = patch.split_once('-') {
            for part in after.split('.') {
                pre.push(PreRelease::parse(part)?);
            }
            patch = before;
        }
        let patch = numeric_part(patch, "Patch")?;
        if let Some(build) = build {
            for part in build.split('.') {
                if part.is_empty() {
                    return Err("Build meta data is empty".into());
                }
                if !alphanumeric_only(part) {
                    return Err(format!(
                        "Invalid character(s) found in build meta data {part:?}"
                    ));
                }
            }
        }
        Ok(Version {
            major,
            minor,
            patch,
            pre,
        })
    }
}

impl PreRelease {
    fn parse(text: &str) -> Result<PreRelease, String> {
        if text.is_empty() {
            return Err("Prerelease is empty".into());
        }
        if numbers_only(text) {
            if text.len() > 1 && text.starts_with('0') {
                return Err(format!(
                    "Leading zeroes are not allowed in prerelease {text:?}"
                ));
            }
            return text
                .parse()
                .map(PreRelease::Numeric)
                .map_err(|e| format!("{e}"));
        }
        if alphanumeric_only(text) {
            return Ok(PreRelease::Alpha(text.to_owned()));
        }
        Err(format!("Invalid character(s) found in prerelease {text:?}"))
    }
}

impl Ord for PreRelease {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (PreRelease::Numeric(a), PreRelease::Numeric(b)) => a.cmp(b),
            (PreRelease::Numeric(_), PreRelease::Alpha(_)) => Ordering::Less,
            (PreRelease::Alpha(_), PreRelease::Numeric(_)) => Ordering::Greater,
            (PreRelease::Alpha(a), PreRelease::Alpha(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for PreRelease {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
}

/// A parsed range: OR of ANDs of comparisons.
#[derive(Debug, Clone)]
pub(crate) struct Range {
    any_of: Vec<Vec<(Op, Version)>>,
}

impl Range {
    /// blang's `semver.ParseRange`.
    pub(crate) fn parse(text: &str) -> Result<Range, String> {
        let parts = split_and_trim(text);
        let or_parts = split_or_parts(&parts)?;
        let expanded = expand_wildcards(or_parts)?;
        let mut any_of = Vec::new();
        for and_parts in expanded {
            let mut all_of = Vec::new();
            for part in and_parts {
                let (op_text, version_text) = split_comparator(&part)?;
                let op = match op_text {
                    "" | "=" | "==" => Op::Eq,
                    "!" | "!=" => Op::Ne,
                    ">" => Op::Gt,
                    ">=" => Op::Gte,
                    "<" => Op::Lt,
                    "<=" => Op::Lte,
                    other => {
                        return Err(format!("Could not parse comparator {other:?} in {part:?}"))
                    }
                };
                let version = Version::parse(version_text)
                    .map_err(|e| format!("Could not parse Range {part:?}: {e}"))?;
                all_of.push((op, version));
            }
            any_of.push(all_of);
        }
        Ok(Range { any_of })
    }

    /// Whether `version` is in the range.
    pub(crate) fn contains(&self, version: &Version) -> bool {
        self.any_of.iter().any(|all_of| {
            all_of.iter().all(|(op, bound)| {
                let ordering = version.cmp(bound);
                match op {
                    Op::Eq => ordering.is_eq(),
                    Op::Ne => !ordering.is_eq(),
                    Op::Gt => ordering.is_gt(),
                    Op::Gte => ordering.is_ge(),
                    Op::Lt => ordering.is_lt(),
                    Op::Lte => ordering.is_le(),
                }
            })
        })
    }
}

/// Splits on spaces, except spaces right after a comparator character (`>= 1.2.3`).
fn split_and_trim(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut result = Vec::new();
    let mut last = 0usize;
    let mut last_char = 0u8;
    for (i, &c) in bytes.iter().enumerate() {
        if c == b' ' && !matches!(last_char, b'>' | b'<' | b'=') {
            if i > 0 && last < i - 1 {
                result.push(text.get(last..i).unwrap_or_default().to_owned());
            }
            last = i + 1;
        } else if c != b' ' {
            last_char = c;
        }
    }
    if last + 1 < bytes.len() {
        result.push(text.get(last..).unwrap_or_default().to_owned());
    }
    result
        .into_iter()
        .map(|part| part.replace(' ', ""))
        .collect()
}

fn split_or_parts(parts: &[String]) -> Result<Vec<Vec<String>>, String> {
    let mut or_parts = Vec::new();
    let mut last = 0;
    for (i, part) in parts.iter().enumerate() {
        if part == "||" {
            if i == 0 {
                return Err("First element in range is '||'".into());
            }
            or_parts.push(parts.get(last..i).unwrap_or_default().to_vec());
            last = i + 1;
        }
    }
    if last == parts.len() {
        return Err("Last element in range is '||'".into());
    }
    or_parts.push(parts.get(last..).unwrap_or_default().to_vec());
    Ok(or_parts)
}

fn split_comparator(part: &str) -> Result<(&str, &str), String> {
    let index = part
        .find(|c: char| c.is_ascii_digit())
        .ok_or_else(|| format!("Could not get version from string: {part:?}"))?;
    let (op, version) = part.split_at(index);
    Ok((op.trim(), version))
}

/// blang's `expandWildcardVersion`, quirks included (`1.x.x` expands like `1.x`'s patch form).
fn expand_wildcards(parts: Vec<Vec<String>>) -> Result<Vec<Vec<String>>, String> {
    let mut expanded = Vec::new();
    for and_parts in parts {
        let mut new_parts = Vec::new();
        for part in and_parts {
            if !part.contains('x') {
                new_parts.push(part);
                continue;
            }
            let (op, version) = split_comparator(&part)?;
            let pieces: Vec<&str> = version.split('.').collect();
            // 1 part: major wildcard; 2: minor; 3: patch (blang counts parts, not position).
            let wildcard = if pieces.last() == Some(&"x") {
                pieces.len()
            } else {
                0
            };
            let flat = {
                let once = version.replacen(".x.x", ".x", 1).replacen(".x", ".0", 1);
                if once.split('.').count() == 2 {
                    format!("{once}.0")
                } else {
                    once
                }
            };
            let (result_op, increment) = match op {
                ">" => (">=", true),
                ">=" => (">=", false),
                "<" => ("<", false),
                "<=" => ("<", true),
                "" | "=" | "==" => {
                    new_parts.push(format!(">={flat}"));
                    ("<", true)
                }
                "!=" | "!" => {
                    new_parts.push(format!("<{flat}"));
                    (">=", true)
                }
                _ => ("", false),
            };
            let result_version = if increment {
                match wildcard {
                    3 => increment_part(&flat, 1),
                    2 => increment_part(&flat, 0),
                    _ => String::new(),
                }
            } else {
                flat
            };
            new_parts.push(format!("{result_op}{result_version}"));
        }
        expanded.push(new_parts);
    }
    Ok(expanded)
}

/// Increments the minor (`index` 1) or major (`index` 0) part and zeroes the rest.
fn increment_part(version: &str, index: usize) -> String {
    let pieces: Vec<&str> = version.split('.').collect();
    if pieces.len() != 3 {
        return String::new();
    }
    let Some(Ok(value)) = pieces.get(index).map(|p| p.parse::<u64>()) else {
        return String::new();
    };
    match index {
        0 => format!("{}.0.0", value + 1),
        _ => format!("{}.{}.0", pieces.first().copied().unwrap_or("0"), value + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(version: &str, range: &str) -> bool {
        let version = Version::parse(version).unwrap_or_default();
        Range::parse(range).unwrap().contains(&version)
    }

    #[test]
    fn ranges() {
        assert!(check("4.1.3", ">=4.1.x"));
        assert!(!check("4.1.3", "!4.x.x"));
        assert!(check("1.8.6", ">1.0.0 <2.0.0"));
        assert!(!check("2.1.5", "<2.0.0 || >=3.0.0"));
        assert!(check("3.1.5", "<2.0.0 || >=3.0.0"));
        assert!(check("1.2.3", "1.2.3"));
        assert!(check("1.2.3", "=1.2.3"));
        assert!(check("1.2.3", ">= 1.2.3"));
        assert!(!check("1.2.3", "!=1.2.3"));
        assert!(check("1.2.5", "1.2.x"));
        assert!(!check("1.3.0", "1.2.x"));
        assert!(check("1.9.0", "1.x"));
        assert!(!check("2.0.0", "<=1.x"));
        assert!(check("1.0.0-alpha", "<1.0.0"));
        assert!(check("1.0.0-alpha.1", ">1.0.0-alpha"));
        assert!(check("1.0.0-alpha.beta", ">1.0.0-alpha.1"));
        assert!(check("1.0.0-rc.1+build.5", "=1.0.0-rc.1"));
        // An invalid version is 0.0.0.
        assert!(check("v1.2.3", "<0.0.1"));
    }

    #[test]
    fn invalid() {
        for bad in ["", "1.2", "01.2.3", "1.2.3-", "1.2.3+", "1.2.3-01", "a.b.c"] {
            assert!(Version::parse(bad).is_err(), "{bad:?}");
        }
        for bad in [">>1.2.3", "|| 1.2.3", "1.2.3 ||", "abc", "~1.2.3"] {
            assert!(Range::parse(bad).is_err(), "{bad:?}");
        }
    }
}
