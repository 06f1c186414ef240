//! Container image references as Kyverno reads them (`pkg/utils/image/infos.go`): the
//! `images` context variable and the `image_normalize` function.
//!
//! Kyverno prefixes `docker.io/` when the first path segment does not look like a registry
//! (no `.` or `:`, not `localhost`, all lower case), parses the result with the
//! `distribution/reference` grammar (not the normalizing variant, so no `library/` is
//! added), and defaults the tag to `latest` when there is neither tag nor digest.
//!
//! ```
//! use kanon_jmespath::image::parse_image;
//! let info = parse_image("nginx").unwrap();
//! assert_eq!(info.reference, "docker.io/nginx:latest");
//! let info = parse_image("ghcr.io/kyverno/test:1.0").unwrap();
//! assert_eq!((info.registry.as_str(), info.path.as_str(), info.name.as_str(), info.tag.as_str()),
//!            ("ghcr.io", "kyverno/test", "test", "1.0"));
//! ```

use std::sync::OnceLock;

use regex::Regex;
use serde_json::{Map, Value};

/// Kyverno's default registry.
pub const DEFAULT_REGISTRY: &str = "docker.io";

/// The parts of an image reference, as Kyverno's `ImageInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageInfo {
    /// Registry host and optional port, e.g. `docker.io`, `localhost:5000`.
    pub registry: String,
    /// Repository path without the registry, e.g. `kyverno/test`.
    pub path: String,
    /// Last segment of the path, e.g. `test`.
    pub name: String,
    /// Tag, or `latest` when neither tag nor digest is given; empty for digest-only images.
    pub tag: String,
    /// Digest such as `sha256:…`, or empty.
    pub digest: String,
    /// `registry/path@digest` when there is a digest, else `registry/path:tag`.
    pub reference: String,
    /// `registry/path:tag` (with an empty tag for digest-only images).
    pub reference_with_tag: String,
}

impl ImageInfo {
    /// The JSON object Kyverno puts in the context: keys `registry`, `name`, `path`, `tag`,
    /// `digest`, `reference`, `referenceWithTag`, with empty values omitted (except `name` and
    /// `path`, which are always present).
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        let mut put = |key: &str, value: &str, always: bool| {
            if always || !value.is_empty() {
                map.insert(key.to_owned(), Value::String(value.to_owned()));
            }
        };
        put("registry", &self.registry, false);
        put("name", &self.name, true);
        put("path", &self.path, true);
        put("tag", &self.tag, false);
        put("digest", &self.digest, false);
        put("reference", &self.reference, false);
        put("referenceWithTag", &self.reference_with_tag, false);
        Value::Object(map)
    }
}

/// Why an image reference could not be parsed; `Display` reads as Kyverno's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad image: {full_name}, defaultRegistry: {DEFAULT_REGISTRY}, enableDefaultRegistryMutation: true: {reason}")]
pub struct ImageError {
    /// The reference after the default registry was added.
    pub full_name: String,
    /// The reference parser's message (`invalid reference format`, …).
    pub reason: String,
}

struct Patterns {
    reference: Regex,
    name: Regex,
    digest: Regex,
}

fn patterns() -> Option<&'static Patterns> {
    static PATTERNS: OnceLock<Option<Patterns>> = OnceLock::new();
    PATTERNS
        .get_or_init(|| {
            // The distribution/reference grammar, with Go's ASCII `\w` spelled out.
            let alphanumeric = "[a-z0-9]+";
            let separator = "(?:[._]|__|[-]+)";
            let path_component = format!("{alphanumeric}(?:{separator}{alphanumeric})*");
            let remote_name = format!("{path_component}(?:/{path_component})*");
            let domain_component = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
            let domain_name = format!("{domain_component}(?:\\.{domain_component})*");
            let ipv6 = r"\[(?:[a-fA-F0-9:]+)\]";
            let domain = format!("(?:{domain_name}|{ipv6})(?::[0-9]+)?");
            let name = format!("(?:{domain}/)?{remote_name}");
            let tag = "[0-9A-Za-z_][0-9A-Za-z_.-]{0,127}";
            let digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}";
            Some(Patterns {
                reference: Regex::new(&format!("^({name})(?::({tag}))?(?:@({digest}))?$")).ok()?,
                name: Regex::new(&format!("^(?:({domain})/)?({remote_name})$")).ok()?,
                digest: Regex::new(&format!("^{digest}$")).ok()?,
            })
        })
        .as_ref()
}

/// The pieces `distribution/reference.Parse` finds: (domain, path, tag, digest).
fn parse_reference(text: &str) -> Result<(String, String, String, String), String> {
    let patterns = patterns().ok_or("reference patterns failed to compile")?;
    if text.is_empty() {
        return Err("repository name must have at least one component".into());
    }
    let Some(captures) = patterns.reference.captures(text) else {
        let lower = text.to_lowercase();
        if lower != text && patterns.reference.is_match(&lower) {
            return Err("repository name must be lowercase".into());
        }
        return Err("invalid reference format".into());
    };
    let group = |i: usize| captures.get(i).map_or("", |m| m.as_str()).to_owned();
    let (name, tag, digest) = (group(1), group(2), group(3));
    let (domain, path) = match patterns.name.captures(&name) {
        Some(parts) => (
            parts.get(1).map_or("", |m| m.as_str()).to_owned(),
            parts.get(2).map_or("", |m| m.as_str()).to_owned(),
        ),
        None => (String::new(), name.clone()),
    };
    if path.len() > 255 {
        return Err("repository name must not be more than 255 characters".into());
    }
    if !digest.is_empty() {
        validate_digest(&digest, &patterns.digest)?;
    }
    Ok((domain, path, tag, digest))
}

/// go-digest's `Digest.Validate` for the algorithms Kyverno has linked in.
fn validate_digest(digest: &str, shape: &Regex) -> Result<(), String> {
    let Some((algorithm, encoded)) = digest
        .split_once(':')
        .filter(|(a, e)| !a.is_empty() && !e.is_empty())
    else {
        return Err("invalid checksum digest format".into());
    };
    let size = match algorithm {
        "sha256" => 32,
        "sha384" => 48,
        "sha512" => 64,
        _ => {
            if !shape.is_match(digest) {
                return Err("invalid checksum digest format".into());
            }
            return Err("unsupported digest algorithm".into());
        }
    };
    if encoded.len() != size * 2 {
        return Err("invalid checksum digest length".into());
    }
    if !encoded
        .bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err("invalid checksum digest format".into());
    }
    Ok(())
}

/// Kyverno's `addDefaultRegistry`.
fn add_default_registry(image: &str) -> String {
    let needs_registry = match image.find('/') {
        None => true,
        Some(i) => {
            let first = image.get(..i).unwrap_or_default();
            !first.contains(['.', ':']) && first != "localhost" && first.to_lowercase() == first
        }
    };
    if needs_registry {
        format!("{DEFAULT_REGISTRY}/{image}")
    } else {
        image.to_owned()
    }
}

/// Parses an image reference the way Kyverno does (`GetImageInfo` with the default
/// configuration: registry `docker.io`, default-registry mutation on).
pub fn parse_image(image: &str) -> Result<ImageInfo, ImageError> {
    let full_name = add_default_registry(image);
    let (registry, path, mut tag, digest) =
        parse_reference(&full_name).map_err(|reason| ImageError {
            full_name: full_name.clone(),
            reason,
        })?;
    let name = path.rsplit('/').next().unwrap_or_default().to_owned();
    if digest.is_empty() && tag.is_empty() {
        tag = "latest".to_owned();
    }
    let reference_with_tag = if registry.is_empty() {
        format!("{path}:{tag}")
    } else {
        format!("{registry}/{path}:{tag}")
    };
    let repository = if registry.is_empty() {
        path.clone()
    } else {
        format!("{registry}/{path}")
    };
    let reference = if digest.is_empty() {
        format!("{repository}:{tag}")
    } else {
        format!("{repository}@{digest}")
    };
    let mut info = ImageInfo {
        registry,
        path,
        name,
        tag,
        digest,
        reference,
        reference_with_tag,
    };
    // Kyverno's quirk: a first path segment with `_` becomes the registry when none was found.
    if info.registry.is_empty() {
        if let Some((first, rest)) = info.path.split_once('/') {
            if first.contains('_') {
                let (first, rest) = (first.to_owned(), rest.to_owned());
                info.registry = first;
                info.path = rest;
            }
        }
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(image: &str) -> String {
        parse_image(image).unwrap().reference
    }

    #[test]
    fn normalizes_like_kyverno() {
        assert_eq!(reference("nginx"), "docker.io/nginx:latest");
        assert_eq!(reference("docker.io/nginx"), "docker.io/nginx:latest");
        assert_eq!(
            reference("docker.io/library/nginx"),
            "docker.io/library/nginx:latest"
        );
        assert_eq!(
            reference("ghcr.io/library/nginx"),
            "ghcr.io/library/nginx:latest"
        );
        assert_eq!(reference("ghcr.io/nginx:1.2"), "ghcr.io/nginx:1.2");
        assert_eq!(reference("myrepo/nginx:1.2"), "docker.io/myrepo/nginx:1.2");
        assert_eq!(reference("localhost/app"), "localhost/app:latest");
        assert_eq!(reference("localhost:5000/a/b:v1"), "localhost:5000/a/b:v1");
    }

    #[test]
    fn fields() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let info = parse_image(&format!("localhost:5000/a/b@{digest}")).unwrap();
        assert_eq!(info.registry, "localhost:5000");
        assert_eq!(info.path, "a/b");
        assert_eq!(info.name, "b");
        assert_eq!(info.tag, "");
        assert_eq!(info.digest, digest);
        assert_eq!(info.reference, format!("localhost:5000/a/b@{digest}"));
        assert_eq!(info.reference_with_tag, "localhost:5000/a/b:");
        let value = info.to_value();
        assert!(value.get("tag").is_none());
        assert_eq!(value["name"], "b");
        let info = parse_image(&format!("nginx:1.0@{digest}")).unwrap();
        assert_eq!(info.tag, "1.0");
        assert_eq!(info.reference, format!("docker.io/nginx@{digest}"));
        assert_eq!(
            parse_image("nginx").unwrap().to_value(),
            serde_json::json!({"registry": "docker.io", "name": "nginx", "path": "nginx", "tag": "latest",
                               "reference": "docker.io/nginx:latest", "referenceWithTag": "docker.io/nginx:latest"})
        );
    }

    #[test]
    fn errors() {
        let error = |image: &str| parse_image(image).unwrap_err().to_string();
        assert_eq!(
            error(""),
            "bad image: docker.io/, defaultRegistry: docker.io, enableDefaultRegistryMutation: true: invalid reference format"
        );
        assert!(error("docker.io/Nginx").ends_with(": repository name must be lowercase"));
        assert!(error("nginx:bad tag").ends_with(": invalid reference format"));
        assert!(error("nginx@sha256:abc").ends_with(": invalid reference format"));
        assert!(error(&format!("nginx@sha256:{}", "a".repeat(40)))
            .ends_with(": invalid checksum digest length"));
        assert!(error(&format!("nginx@md5:{}", "a".repeat(32)))
            .ends_with(": unsupported digest algorithm"));
        assert!(error(&format!("nginx@sha256:{}", "A".repeat(64)))
            .ends_with(": invalid checksum digest format"));
    }
}
