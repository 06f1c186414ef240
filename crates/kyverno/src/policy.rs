//! The `kyverno.io/v1` (and `v2beta1`) `ClusterPolicy` / `Policy` model: typed where Kyverno's
//! schema is typed, raw JSON where it is schemaless (patterns, conditions).

use crate::autogen;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub use kanon_core::{LabelSelector, LabelSelectorRequirement};

/// What resources a filter selects (`ResourceDescription`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDescription {
    /// Kinds: `Kind`, `version/Kind`, `group/version/Kind`, `Kind/subresource`, wildcards.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// One name (wildcards allowed).
    #[serde(default)]
    pub name: Option<String>,
    /// Names (wildcards allowed).
    #[serde(default)]
    pub names: Vec<String>,
    /// Namespaces (wildcards allowed).
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// Annotations that must be present (wildcards in keys and values).
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Label selector on the resource.
    #[serde(default)]
    pub selector: Option<LabelSelector>,
    /// Label selector on the resource's namespace.
    #[serde(default)]
    pub namespace_selector: Option<LabelSelector>,
    /// Admission operations.
    #[serde(default)]
    pub operations: Vec<String>,
}

impl ResourceDescription {
    /// Whether nothing is specified.
    pub fn is_empty(&self) -> bool {
        self == &ResourceDescription::default()
    }
}

/// A subject of a `match`/`exclude` filter.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Subject {
    /// `User`, `Group` or `ServiceAccount`.
    #[serde(default)]
    pub kind: String,
    /// Name (wildcards allowed).
    #[serde(default)]
    pub name: String,
    /// Namespace, for service accounts.
    #[serde(default)]
    pub namespace: String,
}

/// One filter of `match.any`/`match.all` (resources plus user info).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceFilter {
    /// Resource criteria.
    #[serde(default)]
    pub resources: ResourceDescription,
    /// Users, groups and service accounts.
    #[serde(default)]
    pub subjects: Vec<Subject>,
    /// Roles.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Cluster roles.
    #[serde(default)]
    pub cluster_roles: Vec<String>,
}

impl ResourceFilter {
    /// Whether the filter has user-info criteria.
    pub fn has_user_info(&self) -> bool {
        !self.subjects.is_empty() || !self.roles.is_empty() || !self.cluster_roles.is_empty()
    }
}

/// `match` or `exclude`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchResources {
    /// Matches if any filter matches.
    #[serde(default)]
    pub any: Vec<ResourceFilter>,
    /// Matches if every filter matches.
    #[serde(default)]
    pub all: Vec<ResourceFilter>,
    /// Legacy single filter: resources.
    #[serde(default)]
    pub resources: ResourceDescription,
    /// Legacy single filter: subjects.
    #[serde(default)]
    pub subjects: Vec<Subject>,
    /// Legacy single filter: roles.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Legacy single filter: cluster roles.
    #[serde(default)]
    pub cluster_roles: Vec<String>,
}

impl MatchResources {
    /// The legacy form as one filter.
    pub fn legacy_filter(&self) -> ResourceFilter {
        ResourceFilter {
            resources: self.resources.clone(),
            subjects: self.subjects.clone(),
            roles: self.roles.clone(),
            cluster_roles: self.cluster_roles.clone(),
        }
    }

    /// Every kind named anywhere.
    pub fn kinds(&self) -> Vec<&str> {
        self.resources
            .kinds
            .iter()
            .chain(self.any.iter().flat_map(|f| f.resources.kinds.iter()))
            .chain(self.all.iter().flat_map(|f| f.resources.kinds.iter()))
            .map(String::as_str)
            .collect()
    }

    /// Every resource description (legacy, any, all).
    pub fn descriptions(&self) -> Vec<&ResourceDescription> {
        std::iter::once(&self.resources)
            .chain(self.any.iter().map(|f| &f.resources))
            .chain(self.all.iter().map(|f| &f.resources))
            .collect()
    }

    /// Every filter (legacy, any, all) that has user info.
    pub fn has_user_info(&self) -> bool {
        self.legacy_filter().has_user_info()
            || self.any.iter().any(ResourceFilter::has_user_info)
            || self.all.iter().any(ResourceFilter::has_user_info)
    }
}

/// The `validate` block of a rule.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    /// Message, with variables.
    #[serde(default)]
    pub message: Option<String>,
    /// `Audit` or `Enforce` for this rule.
    #[serde(default)]
    pub failure_action: Option<String>,
    /// Per-namespace overrides of the action.
    #[serde(default)]
    pub failure_action_overrides: Option<Value>,
    /// Whether violations present before an UPDATE are allowed (default true).
    #[serde(default)]
    pub allow_existing_violations: Option<bool>,
    /// A pattern.
    #[serde(default)]
    pub pattern: Option<Value>,
    /// Alternative patterns.
    #[serde(default)]
    pub any_pattern: Option<Value>,
    /// Deny conditions.
    #[serde(default)]
    pub deny: Option<Value>,
    /// Loops.
    #[serde(default)]
    pub foreach: Option<Vec<Value>>,
    /// Pod Security Standards sub-rule.
    #[serde(default)]
    pub pod_security: Option<Value>,
    /// Whether `pattern` and `anyPattern` hold no variables, so evaluation can use them
    /// without substitution (computed when the policy is compiled).
    #[serde(skip)]
    pub static_patterns: bool,
    /// CEL expressions (`expressions`, `variables`), compiled into [`Rule::cel`].
    #[serde(default)]
    pub cel: Option<Value>,
    /// Signed manifests (not supported).
    #[serde(default)]
    pub manifests: Option<Value>,
    /// Assertion trees (not supported).
    #[serde(default)]
    pub assert: Option<Value>,
}

/// One rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Name.
    pub name: String,
    /// `match`.
    pub match_: MatchResources,
    /// `exclude`.
    pub exclude: Option<MatchResources>,
    /// `context` entries, raw.
    pub context: Vec<Value>,
    /// `preconditions`, raw (list or `{any, all}`).
    pub preconditions: Option<Value>,
    /// `validate`.
    pub validate: Option<Validation>,
    /// The compiled `validate.cel` block (with `celPreconditions`).
    pub cel: Option<std::sync::Arc<crate::celrule::CelRule>>,
    /// The dialect features this rule uses that kanon does not evaluate yet.
    pub unsupported: Vec<&'static str>,
    /// The rule as written (after autogen rewriting for generated rules).
    pub raw: Value,
}

/// Why a document is not a usable policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The document is not a Kyverno policy.
    #[error("not a kyverno.io ClusterPolicy or Policy: {0}")]
    NotAPolicy(String),
    /// A field has the wrong shape.
    #[error("{path}: {message}")]
    Field {
        /// JSON path of the field.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl Rule {
    /// Reads a rule from its JSON.
    pub fn from_value(raw: &Value, path: &str) -> Result<Rule, PolicyError> {
        let field = |message: String| PolicyError::Field {
            path: path.to_owned(),
            message,
        };
        let name = raw
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| field("rule has no name".to_owned()))?
            .to_owned();
        let parse = |key: &str| -> Result<Option<Value>, PolicyError> {
            Ok(raw.get(key).filter(|v| !v.is_null()).cloned())
        };
        let match_: MatchResources = match parse("match")? {
            Some(value) => {
                serde_json::from_value(value).map_err(|e| field(format!("match: {e}")))?
            }
            None => MatchResources::default(),
        };
        let exclude: Option<MatchResources> = match parse("exclude")? {
            Some(value) => {
                Some(serde_json::from_value(value).map_err(|e| field(format!("exclude: {e}")))?)
            }
            None => None,
        };
        let context = match parse("context")? {
            Some(Value::Array(entries)) => entries,
            Some(_) => return Err(field("context must be a list".to_owned())),
            None => Vec::new(),
        };
        let validate: Option<Validation> = match parse("validate")? {
            Some(value) => {
                Some(serde_json::from_value(value).map_err(|e| field(format!("validate: {e}")))?)
            }
            None => None,
        };
        let mut unsupported = Vec::new();
        for (key, feature) in [
            ("mutate", "mutate rules"),
            ("generate", "generate rules"),
            ("verifyImages", "verifyImages rules"),
        ] {
            if parse(key)?.is_some() {
                unsupported.push(feature);
            }
        }
        let mut cel = None;
        if let Some(v) = &validate {
            if let Some(block) = &v.cel {
                let compiled = crate::celrule::CelRule::compile(
                    block,
                    raw.get("celPreconditions").filter(|p| !p.is_null()),
                    v.message.as_deref(),
                )
                .map_err(field)?;
                cel = Some(std::sync::Arc::new(compiled));
            } else if parse("celPreconditions")?.is_some() {
                unsupported.push("celPreconditions without validate.cel");
            }
            if v.manifests.is_some() {
                unsupported.push("validate.manifests");
            }
            if v.assert.is_some() {
                unsupported.push("validate.assert");
            }
        }
        Ok(Rule {
            name,
            match_,
            exclude,
            context,
            preconditions: parse("preconditions")?,
            validate,
            cel,
            unsupported,
            raw: raw.clone(),
        })
    }
}

/// A compiled Kyverno policy.
#[derive(Debug, Clone)]
pub struct KyvernoPolicy {
    /// `ClusterPolicy` or `Policy`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// Namespace of a `Policy` (`default` when unset); `None` for a `ClusterPolicy`.
    pub namespace: Option<String>,
    /// `metadata.annotations`.
    pub annotations: BTreeMap<String, String>,
    /// `spec.validationFailureAction` (or its `failureAction` successor).
    pub validation_failure_action: Option<String>,
    /// `spec.background` (default true).
    pub background: bool,
    /// `spec.applyRules` (`All` or `One`).
    pub apply_one: bool,
    /// The rules as written.
    pub rules: Vec<Rule>,
    /// Rules for pod controllers other than CronJob, by kind (`autogen-<rule>`).
    pub autogen: BTreeMap<String, Vec<Rule>>,
    /// Why Kyverno would refuse this policy, if it would.
    pub invalid: Option<String>,
    /// The policy document.
    pub raw: Value,
}

impl KyvernoPolicy {
    /// The key results use: `name`, or `namespace/name` for a `Policy`.
    pub fn key(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => self.name.clone(),
        }
    }

    /// Whether a document is a Kyverno `ClusterPolicy` or `Policy`.
    pub fn is_policy_document(value: &Value) -> bool {
        let api_version = value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
        matches!(api_version, "kyverno.io/v1" | "kyverno.io/v2beta1")
            && matches!(kind, "ClusterPolicy" | "Policy")
    }

    /// Compiles a policy document.
    pub fn from_value(value: &Value) -> Result<KyvernoPolicy, PolicyError> {
        if !Self::is_policy_document(value) {
            return Err(PolicyError::NotAPolicy(format!(
                "{}/{}",
                value
                    .get("apiVersion")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
                value.get("kind").and_then(Value::as_str).unwrap_or("")
            )));
        }
        let kind = value
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let metadata = value.get("metadata");
        let name = metadata
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let namespace = (kind == "Policy").then(|| {
            metadata
                .and_then(|m| m.get("namespace"))
                .and_then(Value::as_str)
                .filter(|ns| !ns.is_empty())
                .unwrap_or("default")
                .to_owned()
        });
        let annotations = metadata
            .and_then(|m| m.get("annotations"))
            .and_then(Value::as_object)
            .map(|map| {
                map.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        let spec = value.get("spec").cloned().unwrap_or(Value::Null);
        let rules_raw = match spec.get("rules") {
            Some(Value::Array(rules)) => rules.clone(),
            None | Some(Value::Null) => Vec::new(),
            Some(_) => {
                return Err(PolicyError::Field {
                    path: "spec.rules".to_owned(),
                    message: "must be a list".to_owned(),
                })
            }
        };
        let rules = rules_raw
            .iter()
            .enumerate()
            .map(|(index, raw)| Rule::from_value(raw, &format!("spec.rules[{index}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let validation_failure_action = spec
            .get("validationFailureAction")
            .or_else(|| spec.get("failureAction"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let background = spec
            .get("background")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let apply_one = spec.get("applyRules").and_then(Value::as_str) == Some("One");
        let mut policy = KyvernoPolicy {
            kind,
            name,
            namespace,
            annotations,
            validation_failure_action,
            background,
            apply_one,
            rules,
            autogen: BTreeMap::new(),
            invalid: None,
            raw: value.clone(),
        };
        policy.autogen = autogen::generate(&policy);
        for rule in policy
            .rules
            .iter_mut()
            .chain(policy.autogen.values_mut().flatten())
        {
            if let Some(validate) = rule.validate.as_mut() {
                validate.static_patterns = ![&validate.pattern, &validate.any_pattern]
                    .into_iter()
                    .flatten()
                    .any(crate::variables::has_variables);
            }
        }
        policy.invalid = crate::validity::check(&policy).err();
        Ok(policy)
    }

    /// The rules that apply to a resource of this kind: the policy's rules, plus the rules
    /// generated for pod controllers when the kind is one.
    pub fn rules_for_kind(&self, kind: &str) -> Vec<&Rule> {
        match self.autogen.get(kind) {
            Some(generated) => self
                .rules
                .iter()
                .filter(|r| !r.name.starts_with("autogen-"))
                .chain(generated.iter())
                .collect(),
            None => self.rules.iter().collect(),
        }
    }

    /// Whether `policies.kyverno.io/scored` is `"false"`.
    pub fn unscored(&self) -> bool {
        self.annotations
            .get("policies.kyverno.io/scored")
            .map(String::as_str)
            == Some("false")
    }

    /// The failure action of a rule for a resource in `namespace` (with these labels): the
    /// rule's or policy's action, unless an override (`failureActionOverrides`, or the
    /// policy's deprecated `validationFailureActionOverrides`) names the namespace.
    pub fn enforces_in(
        &self,
        rule: &Rule,
        namespace: &str,
        namespace_labels: &kanon_core::Labels,
    ) -> bool {
        let overrides = rule
            .validate
            .as_ref()
            .and_then(|v| v.failure_action_overrides.as_ref())
            .or_else(|| {
                self.raw
                    .get("spec")
                    .and_then(|s| s.get("validationFailureActionOverrides"))
            });
        for entry in overrides.and_then(Value::as_array).into_iter().flatten() {
            let action = entry.get("action").and_then(Value::as_str).unwrap_or("");
            let by_name = entry
                .get("namespaces")
                .and_then(Value::as_array)
                .is_some_and(|list| {
                    list.iter()
                        .filter_map(Value::as_str)
                        .any(|p| crate::wildcard::matches(p, namespace))
                });
            let by_selector = entry
                .get("namespaceSelector")
                .filter(|s| !s.is_null())
                .and_then(|s| serde_json::from_value::<LabelSelector>(s.clone()).ok())
                .is_some_and(|s| {
                    crate::matching::selector_matches(&s, namespace_labels).unwrap_or(false)
                });
            if by_name || by_selector {
                return action.eq_ignore_ascii_case("enforce");
            }
        }
        self.enforces(rule)
    }

    /// The failure action of a rule: the rule's own, else the policy's; `Enforce` or `Audit`
    /// (Kyverno's default is Audit).
    pub fn enforces(&self, rule: &Rule) -> bool {
        let action = rule
            .validate
            .as_ref()
            .and_then(|v| v.failure_action.clone())
            .or_else(|| self.validation_failure_action.clone())
            .unwrap_or_default();
        action.eq_ignore_ascii_case("enforce")
    }
}
