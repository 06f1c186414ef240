//! Validation patterns: walking a resource against a pattern tree with Kyverno's anchors,
//! ordering and skip-versus-fail rules (`validate.MatchPattern`).

use crate::anchor::{self, AnchorKind};
use crate::scalar;
use crate::value::{go_type, sprint};
use crate::wildcard;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

const CONDITIONAL_MISMATCH: &str = "conditional anchor mismatch";
const GLOBAL_MISMATCH: &str = "global anchor mismatch";
const NEGATION_MATCHED: &str = "negation anchor matched in resource";

/// How a pattern walk ended, when it did not match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// A conditional or global anchor did not hold: the rule does not apply.
    Skip(String),
    /// The resource does not satisfy the pattern at `path`.
    Fail {
        /// The failing path, `/`-separated with a trailing `/` (`/spec/containers/0/image/`).
        path: String,
        /// What did not match.
        message: String,
    },
    /// The walk could not decide (an anchored key missing from the resource, a list shorter
    /// than the pattern): Kyverno reports these as errors.
    Error(String),
}

/// The kind of an error inside the walk (Go distinguishes them by type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Conditional,
    Global,
    Negation,
    /// An aggregated skip (Go's `*PatternError` with `Skip: true`).
    AggregatedSkip,
    Plain,
}

#[derive(Debug, Clone)]
struct WalkError {
    kind: Kind,
    message: String,
}

impl WalkError {
    fn plain(message: String) -> Self {
        WalkError {
            kind: Kind::Plain,
            message,
        }
    }

    fn anchor(kind: Kind, prefix: &str, message: &str) -> Self {
        WalkError {
            kind,
            message: format!("{prefix}: {message}"),
        }
    }

    /// Conditional and global anchor errors mean "does not apply" (checked by type for anchor
    /// errors, by message otherwise, as Kyverno does).
    fn is_skip(&self) -> bool {
        match self.kind {
            Kind::Conditional | Kind::Global => true,
            Kind::Negation => false,
            Kind::AggregatedSkip | Kind::Plain => {
                self.message.contains(CONDITIONAL_MISMATCH)
                    || self.message.contains(GLOBAL_MISMATCH)
            }
        }
    }

    fn is_negation(&self) -> bool {
        match self.kind {
            Kind::Negation => true,
            Kind::Conditional | Kind::Global => false,
            Kind::AggregatedSkip | Kind::Plain => self.message.contains(NEGATION_MATCHED),
        }
    }
}

type Walked = Result<(), (String, WalkError)>;

/// A key and value of a pattern map.
type Entry<'p> = (&'p String, &'p Value);

/// Joins errors as Go's `multierr.Combine` prints them.
fn combine(errors: &[WalkError]) -> String {
    errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Matches `resource` against `pattern` from the root.
pub fn match_pattern(resource: &Value, pattern: &Value) -> Result<(), Mismatch> {
    let mut walk = Walk::default();
    let mut path = String::from("/");
    match walk.element(resource, pattern, &mut path) {
        Ok(()) => Ok(()),
        Err((path, error)) => {
            if error.is_skip() {
                Err(Mismatch::Skip(error.message))
            } else if error.is_negation() {
                Err(Mismatch::Fail {
                    path,
                    message: error.message,
                })
            } else if walk.keys_are_missing() || path.is_empty() {
                Err(Mismatch::Error(error.message))
            } else {
                Err(Mismatch::Fail {
                    path,
                    message: error.message,
                })
            }
        }
    }
}

#[derive(Default)]
struct Walk {
    /// Conditional, existence and negation anchors seen, and whether the resource ever had
    /// their key (Kyverno's `AnchorMap`).
    anchors: BTreeMap<String, bool>,
}

static NULL: Value = Value::Null;

/// Appends `segment/` to the path; returns the length to truncate back to.
fn push_segment(path: &mut String, segment: impl std::fmt::Display) -> usize {
    use std::fmt::Write as _;
    let length = path.len();
    let _ = write!(path, "{segment}/");
    length
}

impl Walk {
    fn keys_are_missing(&self) -> bool {
        self.anchors
            .iter()
            .any(|(key, present)| !present && !anchor::is_one_of(key, &[AnchorKind::Negation]))
    }

    fn record_anchors(&mut self, pattern: &Map<String, Value>, resource: &Map<String, Value>) {
        for key in pattern.keys() {
            let Some(a) = anchor::parse(key) else {
                continue;
            };
            if !matches!(
                a.kind,
                AnchorKind::Condition | AnchorKind::Existence | AnchorKind::Negation
            ) {
                continue;
            }
            let present = self.anchors.entry(key.clone()).or_insert(false);
            if !*present && resource.contains_key(a.key) {
                *present = true;
            }
        }
    }

    /// Validates each `(resource, pattern)` pair at `path{index}/`. A failure stops the
    /// walk; when every element was skipped (no anchor applied anywhere), the skips are
    /// aggregated into one.
    fn elements<'v>(
        &mut self,
        pairs: impl Iterator<Item = (&'v Value, &'v Value)>,
        path: &mut String,
    ) -> Walked {
        let mut applied = 0usize;
        let mut skips = Vec::new();
        for (index, (item, pattern_item)) in pairs.enumerate() {
            let length = push_segment(path, index);
            let result = self.element(item, pattern_item, path);
            path.truncate(length);
            match result {
                Ok(()) => applied += 1,
                Err((_, error)) if error.is_skip() => skips.push(error),
                Err(failure) => return Err(failure),
            }
        }
        if applied == 0 && !skips.is_empty() {
            return Err((
                path.clone(),
                WalkError {
                    kind: Kind::AggregatedSkip,
                    message: combine(&skips),
                },
            ));
        }
        Ok(())
    }

    fn element(&mut self, resource: &Value, pattern: &Value, path: &mut String) -> Walked {
        match pattern {
            Value::Object(pattern_map) => {
                let Value::Object(resource_map) = resource else {
                    return Err((
                        path.clone(),
                        WalkError::plain(format!(
                            "pattern and resource have different structures. Path: {path}. Expected {}, found {}",
                            go_type(pattern),
                            go_type(resource)
                        )),
                    ));
                };
                self.record_anchors(pattern_map, resource_map);
                self.map(resource_map, pattern_map, path)
            }
            Value::Array(pattern_list) => {
                let Value::Array(resource_list) = resource else {
                    return Err((
                        path.clone(),
                        WalkError::plain(format!(
                            "validation rule failed at path {path}, resource does not satisfy the expected overlay pattern"
                        )),
                    ));
                };
                self.array(resource, resource_list, pattern_list, path)
            }
            scalar_pattern => {
                let ok = match resource {
                    Value::Array(items) => items
                        .iter()
                        .all(|item| scalar::validate(item, scalar_pattern)),
                    other => scalar::validate(other, scalar_pattern),
                };
                if ok {
                    Ok(())
                } else {
                    Err((
                        path.clone(),
                        WalkError::plain(format!(
                            "resource value '{}' does not match '{}' at path {path}",
                            sprint(resource),
                            sprint(scalar_pattern)
                        )),
                    ))
                }
            }
        }
    }

    fn map(
        &mut self,
        resource: &Map<String, Value>,
        pattern: &Map<String, Value>,
        path: &mut String,
    ) -> Walked {
        let expanded = expand_in_metadata(pattern, resource);
        let pattern = expanded.as_ref().unwrap_or(pattern);

        // Phase 1: conditional, existence, equality and negation anchors, in key order.
        let (mut anchors, mut rest): (Vec<Entry<'_>>, Vec<Entry<'_>>) =
            pattern.iter().partition(|(key, _)| {
                anchor::is_one_of(
                    key,
                    &[
                        AnchorKind::Condition,
                        AnchorKind::Existence,
                        AnchorKind::Equality,
                        AnchorKind::Negation,
                    ],
                )
            });
        anchors.sort_by(|a, b| a.0.cmp(b.0));
        let mut skips: Vec<WalkError> = Vec::new();
        let mut applied = 0usize;
        let direct_skip =
            |skips: &[WalkError]| skips.iter().any(|e| e.kind != Kind::AggregatedSkip);
        for (key, value) in &anchors {
            match self.handle(key, value, resource, path) {
                Ok(()) => applied += 1,
                Err((error_path, error)) => {
                    if error.is_skip() {
                        skips.push(error);
                        continue;
                    }
                    if !direct_skip(&skips) {
                        return Err((error_path, error));
                    }
                }
            }
        }
        if !skips.is_empty() && (applied == 0 || direct_skip(&skips)) {
            return Err((
                path.clone(),
                WalkError {
                    kind: Kind::AggregatedSkip,
                    message: combine(&skips),
                },
            ));
        }

        // Phase 2: everything else; global anchors and subtrees holding anchors first.
        rest.sort_by(|a, b| a.0.cmp(b.0));
        let mut front: Vec<(&String, &Value)> = Vec::new();
        let mut back: Vec<(&String, &Value)> = Vec::new();
        for (key, value) in rest {
            if anchor::is_one_of(key, &[AnchorKind::Global]) || has_nested_anchors(value) {
                front.insert(0, (key, value));
            } else {
                back.push((key, value));
            }
        }
        for (key, value) in front.into_iter().chain(back) {
            self.handle(key, value, resource, path)?;
        }
        Ok(())
    }

    /// One key of a pattern map (Kyverno's element handlers).
    fn handle(
        &mut self,
        key: &str,
        pattern: &Value,
        resource: &Map<String, Value>,
        path: &mut String,
    ) -> Walked {
        let Some(a) = anchor::parse(key) else {
            return self.default_key(key, pattern, resource, path);
        };
        if a.kind == AnchorKind::AddIfNotPresent {
            // `+(key)` is looked up literally, as an ordinary key.
            return self.default_key(key, pattern, resource, path);
        }
        let length = push_segment(path, a.key);
        let result = self.anchored(&a, pattern, resource, path);
        path.truncate(length);
        result
    }

    /// An anchored key; `current` is the path of its value.
    fn anchored(
        &mut self,
        a: &anchor::Anchor<'_>,
        pattern: &Value,
        resource: &Map<String, Value>,
        current: &mut String,
    ) -> Walked {
        match a.kind {
            AnchorKind::Condition => match resource.get(a.key) {
                Some(value) => match self.element(value, pattern, current) {
                    Ok(()) => Ok(()),
                    Err((error_path, error)) => Err((
                        error_path,
                        WalkError::anchor(Kind::Conditional, CONDITIONAL_MISMATCH, &error.message),
                    )),
                },
                None => Err((
                    current.clone(),
                    WalkError::anchor(
                        Kind::Conditional,
                        CONDITIONAL_MISMATCH,
                        "conditional anchor key doesn't exist in the resource",
                    ),
                )),
            },
            AnchorKind::Global => match resource.get(a.key) {
                Some(value) => match self.element(value, pattern, current) {
                    Ok(()) => Ok(()),
                    Err((error_path, error)) => Err((
                        error_path,
                        WalkError::anchor(Kind::Global, GLOBAL_MISMATCH, &error.message),
                    )),
                },
                None => Ok(()),
            },
            AnchorKind::Equality => match resource.get(a.key) {
                Some(value) => self.element(value, pattern, current),
                None => Ok(()),
            },
            AnchorKind::Negation => {
                if resource.contains_key(a.key) {
                    Err((
                        current.clone(),
                        WalkError::anchor(Kind::Negation, NEGATION_MATCHED, &format!("{current} is not allowed")),
                    ))
                } else {
                    Ok(())
                }
            }
            AnchorKind::Existence => match resource.get(a.key) {
                None => Ok(()),
                Some(Value::Array(items)) => {
                    let Value::Array(pattern_items) = pattern else {
                        return Err((
                            current.clone(),
                            WalkError::plain(format!(
                                "invalid pattern type {}: Pattern has to be of list to compare against resource",
                                go_type(pattern)
                            )),
                        ));
                    };
                    for pattern_item in pattern_items {
                        if !pattern_item.is_object() {
                            return Err((
                                current.clone(),
                                WalkError::plain(format!(
                                    "invalid pattern type {}: Pattern has to be of type map to compare against items in resource",
                                    go_type(pattern)
                                )),
                            ));
                        }
                        let found = items.iter().enumerate().any(|(index, item)| {
                            let length = push_segment(current, index);
                            let found = self.element(item, pattern_item, current).is_ok();
                            current.truncate(length);
                            found
                        });
                        if !found {
                            return Err((
                                current.clone(),
                                WalkError::plain(format!("existence anchor validation failed at path {current}")),
                            ));
                        }
                    }
                    Ok(())
                }
                Some(other) => Err((
                    current.clone(),
                    WalkError::plain(format!(
                        "invalid resource type {}: Existence ^ () anchor can be used only on list/array type resource",
                        go_type(other)
                    )),
                )),
            },
            AnchorKind::AddIfNotPresent => Ok(()),
        }
    }

    fn default_key(
        &mut self,
        key: &str,
        pattern: &Value,
        resource: &Map<String, Value>,
        path: &mut String,
    ) -> Walked {
        let value = resource.get(key).unwrap_or(&NULL);
        if pattern.as_str() == Some("*") {
            return if value.is_null() {
                Err((
                    path.clone(),
                    WalkError::plain(format!("{path}/{key} not found")),
                ))
            } else {
                Ok(())
            };
        }
        let length = push_segment(path, key);
        let result = self.element(value, pattern, path);
        path.truncate(length);
        result
    }

    /// `whole` is the resource array as a value (`resource` is its items): a scalar
    /// pattern item is compared with the array as a whole.
    fn array(
        &mut self,
        whole: &Value,
        resource: &[Value],
        pattern: &[Value],
        path: &mut String,
    ) -> Walked {
        let Some(first) = pattern.first() else {
            return Err((
                path.clone(),
                WalkError::plain("pattern Array empty".to_owned()),
            ));
        };
        match first {
            Value::Object(_) => self.elements(resource.iter().map(|item| (item, first)), path),
            Value::Array(_) => {
                if resource.len() < pattern.len() {
                    return Err((
                        String::new(),
                        WalkError::plain(format!(
                            "validate Array failed, array length mismatch, resource Array len is {} and pattern Array len is {}",
                            resource.len(),
                            pattern.len()
                        )),
                    ));
                }
                self.elements(resource.iter().zip(pattern), path)
            }
            scalar_pattern => self.element(whole, scalar_pattern, path),
        }
    }
}

/// Whether a pattern subtree holds any anchor (condition, existence, equality, negation or
/// global) at any depth.
fn has_nested_anchors(pattern: &Value) -> bool {
    match pattern {
        Value::Object(map) => map.iter().any(|(key, value)| {
            anchor::is_one_of(
                key,
                &[
                    AnchorKind::Condition,
                    AnchorKind::Existence,
                    AnchorKind::Equality,
                    AnchorKind::Negation,
                    AnchorKind::Global,
                ],
            ) || has_nested_anchors(value)
        }),
        Value::Array(items) => items.iter().any(has_nested_anchors),
        _ => false,
    }
}

/// Kyverno's `ExpandInMetadata`: wildcard keys in a pattern's `metadata.labels` and
/// `metadata.annotations` become the first resource key they match. Returns the rewritten
/// pattern map, or `None` when nothing applies.
fn expand_in_metadata(
    pattern: &Map<String, Value>,
    resource: &Map<String, Value>,
) -> Option<Map<String, Value>> {
    let (metadata_key, Value::Object(pattern_metadata)) = pattern_entry(pattern, "metadata")?
    else {
        return None;
    };
    let resource_metadata = resource.get("metadata").filter(|m| !m.is_null())?;
    // Only wildcard keys or non-string values change in the rebuild; without any, the
    // pattern stays as written (and is not copied).
    let rebuilt = |tag: &str| {
        pattern_entry(pattern_metadata, tag)
            .and_then(|(_, v)| v.as_object())
            .is_some_and(|m| {
                m.iter()
                    .any(|(k, v)| wildcard::contains_wildcard(k) || !v.is_string())
            })
    };
    if !rebuilt("labels") && !rebuilt("annotations") {
        return None;
    }
    let mut new_metadata = pattern_metadata.clone();
    let mut changed = false;
    for tag in ["labels", "annotations"] {
        let Some((tag_key, pattern_tag)) = pattern_entry(pattern_metadata, tag) else {
            continue;
        };
        let Some(pattern_tag) = string_map(pattern_tag) else {
            continue;
        };
        let Some(resource_tag) = resource_metadata
            .as_object()
            .and_then(|m| pattern_entry(m, tag))
            .and_then(|(_, v)| string_map(v))
        else {
            continue;
        };
        let mut result = Map::new();
        for (key, value) in pattern_tag {
            let new_key = if wildcard::contains_wildcard(&key) {
                match anchor::parse(&key) {
                    Some(a) => {
                        let found = resource_tag
                            .iter()
                            .find(|(k, _)| wildcard::matches(a.key, k));
                        anchor::Anchor::render(a.kind, found.map_or(a.key, |(k, _)| k.as_str()))
                    }
                    None => resource_tag
                        .iter()
                        .find(|(k, _)| wildcard::matches(&key, k))
                        .map_or(key.clone(), |(k, _)| k.clone()),
                }
            } else {
                key.clone()
            };
            result.insert(new_key, Value::String(value));
        }
        new_metadata.insert(tag_key.to_owned(), Value::Object(result));
        changed = true;
    }
    if !changed {
        return None;
    }
    let mut new_pattern = pattern.clone();
    new_pattern.insert(metadata_key.to_owned(), Value::Object(new_metadata));
    Some(new_pattern)
}

/// The entry of `map` for `tag`, plain or anchored.
fn pattern_entry<'a>(map: &'a Map<String, Value>, tag: &str) -> Option<(&'a str, &'a Value)> {
    map.iter()
        .find(|(key, _)| key.as_str() == tag || anchor::parse(key).is_some_and(|a| a.key == tag))
        .map(|(key, value)| (key.as_str(), value))
}

/// The string-valued entries of a map (others are dropped, as Kyverno's rebuild does).
fn string_map(value: &Value) -> Option<Vec<(String, String)>> {
    let map = value.as_object()?;
    Some(
        map.iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
            .collect(),
    )
}

#[cfg(test)]
mod tests;
