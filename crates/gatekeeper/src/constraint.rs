//! Constraints: an instance of a template's kind with `spec.match`, `spec.parameters` and an
//! enforcement action.

use crate::error::Error;
use crate::schema;
use kanon_core::object;
use kanon_core::selector::LabelSelector;
use kanon_core::Labels;
use serde_json::Value;

/// What happens with a constraint's violations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enforcement {
    /// `deny` (the default): the request is rejected; a `fail` result.
    Deny,
    /// `dryrun`: recorded by audit only; an unscored `skip`-like audit result.
    Dryrun,
    /// `warn`: admitted with a warning; a `warn` result.
    Warn,
    /// An action Gatekeeper does not know: gator still counts its results; kanon reports
    /// them as `error` results elsewhere.
    Unrecognized(String),
    /// `scoped`: per enforcement point (`validation.gatekeeper.sh`, `audit.gatekeeper.sh`,
    /// `gator.gatekeeper.sh`...), each with its own action.
    Scoped(Vec<(String, Enforcement)>),
}

impl Enforcement {
    fn parse(text: &str) -> Enforcement {
        match text.to_ascii_lowercase().as_str() {
            "" | "deny" => Enforcement::Deny,
            "dryrun" => Enforcement::Dryrun,
            "warn" => Enforcement::Warn,
            _ => Enforcement::Unrecognized(text.to_owned()),
        }
    }

    /// The action at one enforcement point (the webhook is `validation.gatekeeper.sh`, audit
    /// `audit.gatekeeper.sh`); `None` when a scoped constraint does not act there.
    pub fn at(&self, point: &str) -> Option<&Enforcement> {
        match self {
            Enforcement::Scoped(points) => points
                .iter()
                .find(|(p, _)| p == point || p == "*")
                .map(|(_, action)| action),
            other => Some(other),
        }
    }

    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Enforcement::Deny => "deny",
            Enforcement::Dryrun => "dryrun",
            Enforcement::Warn => "warn",
            Enforcement::Unrecognized(_) => "unrecognized",
            Enforcement::Scoped(_) => "scoped",
        }
    }
}

/// `spec.match`.
#[derive(Debug, Clone, Default)]
pub struct Match {
    kinds: Option<Vec<(Vec<String>, Vec<String>)>>,
    scope: Scope,
    namespaces: Option<Vec<String>>,
    excluded_namespaces: Option<Vec<String>>,
    label_selector: Option<LabelSelector>,
    namespace_selector: Option<LabelSelector>,
    name: Option<String>,
    source: Source,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Scope {
    #[default]
    All,
    Cluster,
    Namespaced,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Source {
    #[default]
    All,
    Original,
    Generated,
}

/// What matching needs to know about one object of a request.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// API group of the request's kind.
    pub group: &'a str,
    /// Kind.
    pub kind: &'a str,
    /// The object.
    pub object: &'a Value,
    /// The request's namespace (`None` for cluster-scoped objects).
    pub namespace: Option<&'a str>,
    /// Labels of that namespace, when known.
    pub namespace_labels: Option<&'a Labels>,
    /// Whether the object comes from an expansion template.
    pub generated: bool,
}

impl Match {
    /// A match that selects nothing (a constraint whose `spec.match` is broken).
    fn nothing() -> Match {
        Match {
            kinds: Some(Vec::new()),
            ..Match::default()
        }
    }

    fn from_value(value: Option<&Value>) -> Result<Match, String> {
        let Some(value) = value.filter(|v| !v.is_null()) else {
            return Ok(Match::default());
        };
        let strings = |v: Option<&Value>, field: &str| -> Result<Option<Vec<String>>, String> {
            match v {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| {
                        i.as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| format!("spec.match.{field} must hold strings"))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some),
                Some(_) => Err(format!("spec.match.{field} must be a list")),
            }
        };
        let kinds = match value.get("kinds") {
            None | Some(Value::Null) => None,
            Some(Value::Array(entries)) if entries.is_empty() => None,
            Some(Value::Array(entries)) => Some(
                entries
                    .iter()
                    .map(|e| {
                        Ok((
                            strings(e.get("apiGroups"), "kinds.apiGroups")?.unwrap_or_default(),
                            strings(e.get("kinds"), "kinds.kinds")?.unwrap_or_default(),
                        ))
                    })
                    .collect::<Result<Vec<_>, String>>()?,
            ),
            Some(_) => return Err("spec.match.kinds must be a list".into()),
        };
        let selector = |field: &str| -> Result<Option<LabelSelector>, String> {
            match value.get(field) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => serde_json::from_value(v.clone())
                    .map(Some)
                    .map_err(|e| format!("spec.match.{field}: {e}")),
            }
        };
        // Gatekeeper reads any other scope as `*`.
        let scope = match value.get("scope").and_then(Value::as_str) {
            Some("Cluster") => Scope::Cluster,
            Some("Namespaced") => Scope::Namespaced,
            _ => Scope::All,
        };
        let source = match value.get("source").and_then(Value::as_str) {
            None | Some("All") => Source::All,
            Some("Original") => Source::Original,
            Some("Generated") => Source::Generated,
            Some(other) => return Err(format!("spec.match.source: unsupported value {other:?}")),
        };
        Ok(Match {
            kinds,
            scope,
            // Empty lists and names match everything, as absent ones do.
            namespaces: strings(value.get("namespaces"), "namespaces")?.filter(|l| !l.is_empty()),
            excluded_namespaces: strings(value.get("excludedNamespaces"), "excludedNamespaces")?
                .filter(|l| !l.is_empty()),
            label_selector: selector("labelSelector")?,
            namespace_selector: selector("namespaceSelector")?,
            name: value
                .get("name")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            source,
        })
    }

    /// Whether the kinds criterion admits `group`/`kind` (the cheap pre-filter).
    pub fn may_match(&self, group: &str, kind: &str) -> bool {
        let Some(kinds) = &self.kinds else {
            return true;
        };
        kinds.iter().any(|(groups, kinds)| {
            let any = |list: &[String], value: &str| {
                list.is_empty() || list.iter().any(|x| x == "*" || x == value)
            };
            any(groups, group) && any(kinds, kind)
        })
    }

    /// Whether the constraint applies to `subject`. `Err` is Gatekeeper's matching error (an
    /// unknown namespace under a `namespaceSelector`).
    pub fn matches(&self, subject: &Subject<'_>) -> Result<bool, String> {
        if !self.may_match(subject.group, subject.kind) {
            return Ok(false);
        }
        match self.source {
            Source::Original if subject.generated => return Ok(false),
            Source::Generated if !subject.generated => return Ok(false),
            _ => {}
        }
        let is_namespace = subject.group.is_empty() && subject.kind == "Namespace";
        let namespace = if is_namespace {
            Some(object::name(subject.object))
        } else {
            subject.namespace.filter(|n| !n.is_empty())
        };
        match self.scope {
            Scope::Cluster if namespace.is_some() && !is_namespace => return Ok(false),
            Scope::Namespaced if namespace.is_none() || is_namespace => return Ok(false),
            _ => {}
        }
        if let Some(ns) = namespace {
            if let Some(list) = &self.namespaces {
                if !list.iter().any(|p| wildcard(p, ns)) {
                    return Ok(false);
                }
            }
            if let Some(list) = &self.excluded_namespaces {
                if list.iter().any(|p| wildcard(p, ns)) {
                    return Ok(false);
                }
            }
        }
        if let Some(selector) = &self.label_selector {
            if !selector.matches(&labels_of(subject.object))? {
                return Ok(false);
            }
        }
        if let Some(selector) = &self.namespace_selector {
            if is_namespace {
                if !selector.matches(&labels_of(subject.object))? {
                    return Ok(false);
                }
            } else if let Some(ns) = namespace {
                let Some(labels) = subject.namespace_labels else {
                    return Err(format!(
                        "unable to match constraint: namespace {ns:?} is not known (namespaceSelector needs its labels)"
                    ));
                };
                if !selector.matches(labels)? {
                    return Ok(false);
                }
            }
        }
        if let Some(pattern) = &self.name {
            let name = object::name(subject.object);
            let generate_name = subject
                .object
                .pointer("/metadata/generateName")
                .and_then(Value::as_str);
            let by_generate_name =
                pattern.ends_with('*') && generate_name.is_some_and(|g| wildcard(pattern, g));
            if !wildcard(pattern, name) && !by_generate_name {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Gatekeeper's namespace and name wildcards: an optional `*` at the start and/or the end.
fn wildcard(pattern: &str, value: &str) -> bool {
    match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
        _ if pattern == "*" => true,
        (Some(rest), _) if rest.ends_with('*') => value.contains(rest.trim_end_matches('*')),
        (Some(suffix), _) => value.ends_with(suffix),
        (None, Some(prefix)) => value.starts_with(prefix),
        (None, None) => pattern == value,
    }
}

/// An object's labels (non-string values skipped).
pub(crate) fn labels_of(object: &Value) -> Labels {
    object::labels(object)
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// A loaded Constraint.
#[derive(Debug, Clone)]
pub struct Constraint {
    /// The constraint kind (= a template's kind).
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `spec.match`.
    pub matcher: Match,
    /// `spec.parameters` (`None` when absent), with the template schema's defaults once bound.
    pub parameters: Option<Value>,
    /// `spec.enforcementAction`.
    pub enforcement: Enforcement,
    /// The whole document (CEL's `params`).
    pub document: Value,
    /// Why `spec.match` breaks the constraint schema, if it does.
    match_error: Option<String>,
}

impl Constraint {
    /// Why `spec.match` breaks the constraint CRD's schema, if it does (the constraint then
    /// matches nothing and fails to bind).
    pub fn match_error(&self) -> Option<&str> {
        self.match_error.as_deref()
    }
}

/// The checks the constraint CRD's schema makes on `spec.match`: namespace patterns, the
/// `source` and `scope` values.
fn match_schema_error(value: Option<&Value>) -> Option<String> {
    let value = value?;
    let namespace = |n: &str| {
        let inner = n.strip_prefix('*').unwrap_or(n);
        let inner = inner.strip_suffix('*').unwrap_or(inner);
        inner
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == ':')
    };
    if let Some(name) = value.get("name").filter(|n| !n.is_null()) {
        if !name.as_str().is_some_and(namespace) {
            return Some(format!(
                "spec.match.name: Invalid value: {name}: spec.match.name in body should match '^\\*?[-:a-z0-9]*\\*?$'"
            ));
        }
    }
    for field in ["namespaces", "excludedNamespaces"] {
        for (i, n) in value
            .get(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if !n.as_str().is_some_and(namespace) {
                return Some(format!(
                    "spec.match.{field}[{i}]: Invalid value: {n}: spec.match.{field}[{i}] in body should match '^\\*?[-:a-z0-9]*\\*?$'"
                ));
            }
        }
    }
    for field in ["labelSelector", "namespaceSelector"] {
        for (i, requirement) in value
            .pointer(&format!("/{field}/matchExpressions"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let at = format!("spec.match.{field}.matchExpressions[{i}]");
            let operator = requirement
                .get("operator")
                .and_then(Value::as_str)
                .unwrap_or("");
            let values = requirement
                .get("values")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            match operator {
                "In" | "NotIn" if values == 0 => {
                    return Some(format!(
                        "{at}.values: Required value: must be specified when `operator` is 'In' or 'NotIn'"
                    ))
                }
                "Exists" | "DoesNotExist" if values > 0 => {
                    return Some(format!(
                        "{at}.values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                    ))
                }
                "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
                other => {
                    return Some(format!(
                        "{at}.operator: Invalid value: {other:?}: not a valid selector operator"
                    ))
                }
            }
        }
    }
    if let Some(source) = value.get("source").filter(|s| !s.is_null()) {
        if !matches!(source.as_str(), Some("All" | "Original" | "Generated")) {
            return Some(format!(
                "spec.match.source: Unsupported value: {source}: supported values: \"All\", \"Original\", \"Generated\""
            ));
        }
    }
    None
}

impl Constraint {
    /// Whether a document is a Constraint.
    pub fn is_constraint_document(document: &Value) -> bool {
        object::api_version(document).starts_with("constraints.gatekeeper.sh/")
    }

    /// Reads a Constraint document.
    pub fn from_value(document: &Value) -> Result<Constraint, Error> {
        let kind = object::kind(document).to_owned();
        let name = object::name(document).to_owned();
        let invalid = |reason: String| Error::Constraint {
            kind: kind.clone(),
            name: name.clone(),
            reason,
        };
        let spec = document.get("spec").filter(|s| !s.is_null());
        if spec.is_some_and(|s| !s.is_object()) {
            return Err(invalid("spec must be an object".to_owned()));
        }
        // A match that breaks the constraint CRD's schema makes the constraint invalid (see
        // `bind`), like a bad parameter.
        let match_value = spec.and_then(|s| s.get("match"));
        let (matcher, match_error) = match Match::from_value(match_value) {
            Ok(matcher) => (matcher, match_schema_error(match_value)),
            Err(e) => (Match::nothing(), Some(e)),
        };
        let parameters = spec
            .and_then(|s| s.get("parameters"))
            .filter(|p| !p.is_null())
            .cloned();
        let action = spec
            .and_then(|s| s.get("enforcementAction"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let enforcement = if action == "scoped" {
            let mut points = Vec::new();
            for entry in spec
                .and_then(|s| s.get("scopedEnforcementActions"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let action = entry.get("action").and_then(Value::as_str).unwrap_or("");
                let action = Enforcement::parse(action);
                for point in entry
                    .get("enforcementPoints")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.get("name").and_then(Value::as_str))
                {
                    points.push((point.to_owned(), action.clone()));
                }
            }
            Enforcement::Scoped(points)
        } else {
            Enforcement::parse(action)
        };
        Ok(Constraint {
            kind,
            name,
            matcher,
            parameters,
            enforcement,
            document: document.clone(),
            match_error,
        })
    }

    /// Validates the parameters against the template's schema and applies its defaults.
    pub fn bind(&mut self, schema: Option<&Value>) -> Result<(), Error> {
        if let Some(reason) = self.match_error.clone() {
            return Err(Error::Constraint {
                kind: self.kind.clone(),
                name: self.name.clone(),
                reason,
            });
        }
        let Some(schema) = schema else {
            return Ok(());
        };
        // Defaults fill objects that exist: absent parameters stay absent.
        let Some(parameters) = &mut self.parameters else {
            return Ok(());
        };
        schema::validate(schema, parameters, "spec.parameters").map_err(|reason| {
            Error::Constraint {
                kind: self.kind.clone(),
                name: self.name.clone(),
                reason,
            }
        })?;
        schema::apply_defaults(schema, parameters);
        if let Some(spec) = self.document.get_mut("spec").and_then(Value::as_object_mut) {
            spec.insert("parameters".into(), parameters.clone());
        }
        Ok(())
    }

    /// `input.parameters`: the parameters, or `{}`.
    pub fn input_parameters(&self) -> Value {
        self.parameters
            .clone()
            .unwrap_or_else(|| Value::Object(serde_json::Map::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wildcards_take_a_prefix_and_or_suffix_star() {
        assert!(wildcard("kube-*", "kube-system"));
        assert!(wildcard("*-system", "kube-system"));
        assert!(wildcard("*be-sy*", "kube-system"));
        assert!(!wildcard("kube-*", "default"));
        assert!(wildcard("default", "default"));
    }

    #[test]
    fn match_criteria_are_anded() {
        let m = Match::from_value(Some(&json!({
            "kinds": [{"apiGroups": [""], "kinds": ["Pod"]}],
            "excludedNamespaces": ["kube-*"],
            "labelSelector": {"matchLabels": {"app": "x"}}
        })))
        .unwrap();
        let pod = json!({"metadata": {"name": "p", "labels": {"app": "x"}}});
        let subject = |ns| Subject {
            group: "",
            kind: "Pod",
            object: &pod,
            namespace: Some(ns),
            namespace_labels: None,
            generated: false,
        };
        assert!(m.matches(&subject("default")).unwrap());
        assert!(!m.matches(&subject("kube-system")).unwrap());
        assert!(!m.may_match("apps", "Deployment"));
    }

    #[test]
    fn empty_criteria_match_everything_and_generate_name_counts() {
        let m = Match::from_value(Some(
            &json!({"kinds": [], "namespaces": [], "name": "", "scope": "odd"}),
        ))
        .unwrap();
        let pod = json!({"metadata": {"name": "p"}});
        let subject = Subject {
            group: "apps",
            kind: "Deployment",
            object: &pod,
            namespace: Some("x"),
            namespace_labels: None,
            generated: false,
        };
        assert!(m.matches(&subject).unwrap());
        let m = Match::from_value(Some(&json!({"name": "nginx-*"}))).unwrap();
        let named = json!({"metadata": {"name": "web-1", "generateName": "nginx-"}});
        assert!(m
            .matches(&Subject {
                object: &named,
                ..subject
            })
            .unwrap());
    }

    #[test]
    fn unknown_namespace_under_a_namespace_selector_is_an_error() {
        let m = Match::from_value(Some(
            &json!({"namespaceSelector": {"matchLabels": {"a": "b"}}}),
        ))
        .unwrap();
        let pod = json!({"metadata": {"name": "p"}});
        let subject = Subject {
            group: "",
            kind: "Pod",
            object: &pod,
            namespace: Some("x"),
            namespace_labels: None,
            generated: false,
        };
        assert!(m.matches(&subject).is_err());
    }
}
