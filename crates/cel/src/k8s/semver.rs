//! Semantic versions as `github.com/blang/semver/v4` parses and orders them (Kubernetes'
//! `semver()`), with Kubernetes' optional normalisation.

use std::cmp::Ordering;
use std::fmt;

/// A parsed version: `major.minor.patch[-pre][+build]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Semver {
    pub(crate) major: u64,
    pub(crate) minor: u64,
    pub(crate) patch: u64,
    pre: Vec<PreRelease>,
    build: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PreRelease {
    Numeric(u64),
    Alpha(String),
}

impl fmt::Display for PreRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PreRelease::Numeric(n) => write!(f, "{n}"),
            PreRelease::Alpha(s) => f.write_str(s),
        }
    }
}

fn quoted(s: &str) -> String {
    crate::functions::go_quote(s)
}

fn number(part: &str, what: &str) -> Result<u64, String> {
    if part.is_empty() || !part.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "Invalid character(s) found in {what} number {}",
            quoted(part)
        ));
    }
    if part.len() > 1 && part.starts_with('0') {
        return Err(format!(
            "{} number must not contain leading zeroes {}",
            capitalise(what),
            quoted(part)
        ));
    }
    part.parse()
        .map_err(|e| format!("strconv.ParseUint: parsing {}: {e}", quoted(part)))
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

fn alphanumeric(s: &str) -> bool {
    s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

/// blang/semver's `Parse`; with `normalize`, Kubernetes' `normalizeAndParse` first removes a
/// `v` prefix and leading zeros and fills in a missing minor or patch number.
pub(crate) fn parse(text: &str, normalize: bool) -> Result<Semver, String> {
    if normalize {
        return parse_strict(&normalized(text)?);
    }
    parse_strict(text)
}

fn normalized(text: &str) -> Result<String, String> {
    let text = text.strip_prefix('v').unwrap_or(text);
    let mut parts: Vec<String> = text.splitn(3, '.').map(str::to_string).collect();
    for part in &mut parts {
        if part.len() > 1 {
            let trimmed = part.trim_start_matches('0');
            *part = if trimmed.is_empty() || !trimmed.starts_with(|c: char| c.is_ascii_digit()) {
                format!("0{trimmed}")
            } else {
                trimmed.to_string()
            };
        }
    }
    if parts.len() < 3 {
        if parts.last().is_some_and(|p| p.contains(['+', '-'])) {
            return Err("short version cannot contain PreRelease/Build meta data".into());
        }
        while parts.len() < 3 {
            parts.push("0".into());
        }
    }
    Ok(parts.join("."))
}

fn parse_strict(text: &str) -> Result<Semver, String> {
    if text.is_empty() {
        return Err("Version string empty".into());
    }
    let parts: Vec<&str> = text.splitn(3, '.').collect();
    let [major, minor, rest] = parts.as_slice() else {
        return Err("No Major.Minor.Patch elements found".into());
    };
    let major = number(major, "major")?;
    let minor = number(minor, "minor")?;
    let mut patch_text = *rest;
    let mut build = Vec::new();
    if let Some((head, meta)) = patch_text.split_once('+') {
        for part in meta.split('.') {
            if part.is_empty() {
                return Err("Build meta data is empty".into());
            }
            if !alphanumeric(part) {
                return Err(format!(
                    "Invalid character(s) found in build meta data {}",
                    quoted(part)
                ));
            }
            build.push(part.to_string());
        }
        patch_text = head;
    }
    let mut pre = Vec::new();
    if let Some((head, release)) = patch_text.split_once('-') {
        for part in release.split('.') {
            pre.push(pre_release(part)?);
        }
        patch_text = head;
    }
    let patch = number(patch_text, "patch")?;
    Ok(Semver {
        major,
        minor,
        patch,
        pre,
        build,
    })
}

fn pre_release(part: &str) -> Result<PreRelease, String> {
    if part.is_empty() {
        return Err("Prerelease is empty".into());
    }
    if part.bytes().all(|c| c.is_ascii_digit()) {
        if part.len() > 1 && part.starts_with('0') {
            return Err(format!(
                "Numeric PreRelease version must not contain leading zeroes {}",
                quoted(part)
            ));
        }
        return part
            .parse()
            .map(PreRelease::Numeric)
            .map_err(|e| format!("strconv.ParseUint: parsing {}: {e}", quoted(part)));
    }
    if !alphanumeric(part) {
        return Err(format!(
            "Invalid character(s) found in prerelease {}",
            quoted(part)
        ));
    }
    Ok(PreRelease::Alpha(part.to_string()))
}

impl Semver {
    /// Semantic-version precedence (build metadata ignored).
    pub(crate) fn cmp_precedence(&self, other: &Semver) -> Ordering {
        let core =
            (self.major, self.minor, self.patch).cmp(&(other.major, other.minor, other.patch));
        if core != Ordering::Equal {
            return core;
        }
        match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Greater,
            (false, true) => return Ordering::Less,
            (false, false) => {}
        }
        for (a, b) in self.pre.iter().zip(other.pre.iter()) {
            let ordering = match (a, b) {
                (PreRelease::Numeric(x), PreRelease::Numeric(y)) => x.cmp(y),
                (PreRelease::Numeric(_), PreRelease::Alpha(_)) => Ordering::Less,
                (PreRelease::Alpha(_), PreRelease::Numeric(_)) => Ordering::Greater,
                (PreRelease::Alpha(x), PreRelease::Alpha(y)) => x.cmp(y),
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        self.pre.len().cmp(&other.pre.len())
    }
}

impl fmt::Display for Semver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        for (i, part) in self.pre.iter().enumerate() {
            f.write_str(if i == 0 { "-" } else { "." })?;
            write!(f, "{part}")?;
        }
        for (i, part) in self.build.iter().enumerate() {
            f.write_str(if i == 0 { "+" } else { "." })?;
            f.write_str(part)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_blang() {
        assert_eq!(parse("1.0.0", false).unwrap().to_string(), "1.0.0");
        assert_eq!(
            parse("0.1.0-alpha.1", false).unwrap().to_string(),
            "0.1.0-alpha.1"
        );
        assert!(parse("200K", false).is_err());
        assert!(parse("v1.0", false).is_err());
        assert!(parse("01.0.0", false).is_err());
        assert_eq!(parse("v1.0.0", true).unwrap().to_string(), "1.0.0");
        assert_eq!(parse("1.0", true).unwrap().to_string(), "1.0.0");
        assert_eq!(parse("01.01.01", true).unwrap().to_string(), "1.1.1");
    }

    #[test]
    fn precedence() {
        let v = |s: &str| parse(s, false).unwrap();
        assert_eq!(v("1.2.3").cmp_precedence(&v("2.0.0")), Ordering::Less);
        assert_eq!(v("1.2.3").cmp_precedence(&v("0.1.2")), Ordering::Greater);
        assert_eq!(v("1.0.0-alpha").cmp_precedence(&v("1.0.0")), Ordering::Less);
        assert_eq!(
            v("1.0.0-alpha.1").cmp_precedence(&v("1.0.0-alpha.beta")),
            Ordering::Less
        );
        assert_eq!(v("1.0.0-2").cmp_precedence(&v("1.0.0-11")), Ordering::Less);
        assert_eq!(v("1.0.0+a").cmp_precedence(&v("1.0.0+b")), Ordering::Equal);
    }
}
