//! Evaluating one policy on one request: context, match/exclude, preconditions, exceptions,
//! and the validate body (`deny`, `pattern`, `anyPattern`, `foreach`, `podSecurity`), with
//! Kyverno's statuses and messages.

use crate::conditions;
use crate::context::{split_dotted, Checkpoint, Context, EntryLoader, PendingEntry};
use crate::exceptions::PolicyException;
use crate::matching::{rule_matches, MatchTarget, RequestUser};
use crate::pattern::{match_pattern, Mismatch};
use crate::podsecurity;
use crate::policy::{KyvernoPolicy, Rule};
use crate::variables::{substitute_all, substitute_cow, substitute_string};
use kanon_core::{GroupVersionKind, Labels};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// The status of one rule on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleStatus {
    /// The resource satisfies the rule.
    Pass,
    /// The resource violates the rule.
    Fail,
    /// A violation that only warns.
    Warn,
    /// The rule could not be evaluated.
    Error,
    /// The rule does not apply (preconditions, conditional anchors, exceptions).
    Skip,
}

impl RuleStatus {
    /// The lower-case name (`pass`...).
    pub fn as_str(self) -> &'static str {
        match self {
            RuleStatus::Pass => "pass",
            RuleStatus::Fail => "fail",
            RuleStatus::Warn => "warn",
            RuleStatus::Error => "error",
            RuleStatus::Skip => "skip",
        }
    }
}

impl fmt::Display for RuleStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleResponse {
    /// The rule's name (the generated name for autogen rules).
    pub rule: String,
    /// The status.
    pub status: RuleStatus,
    /// Kyverno's message.
    pub message: String,
}

impl RuleResponse {
    pub(crate) fn new(rule: &str, status: RuleStatus, message: impl Into<String>) -> Self {
        RuleResponse {
            rule: rule.to_owned(),
            status,
            message: message.into(),
        }
    }

    fn error(rule: &str, what: &str, error: &str) -> Self {
        Self::new(rule, RuleStatus::Error, format!("{what}: {error}"))
    }
}

/// Data an offline run supplies instead of a cluster (a test's values file).
pub trait ValueSource {
    /// Variables (dotted path, value) for a policy on a resource, applied before any rule.
    fn resource_values(&self, policy: &str, resource: &str) -> Vec<(String, Value)>;
    /// Variables for one rule (`autogen-` names resolve to the rule they were generated from).
    fn rule_values(&self, policy: &str, rule: &str) -> Vec<(String, Value)>;
    /// A canned answer for an `apiCall` URL (`service.url` or `urlPath`) and method.
    fn api_call(&self, _method: &str, _url: &str) -> Option<Result<Value, String>> {
        None
    }
    /// Whether any canned API answer exists (without any, `apiCall` entries are not loaded).
    fn has_api_calls(&self) -> bool {
        false
    }
    /// A global context entry's data (`globalReference`), when provided.
    fn global_context(&self, _name: &str) -> Option<Value> {
        None
    }
}

/// No values: a real admission request, or `kanon apply`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoValues;

impl ValueSource for NoValues {
    fn resource_values(&self, _: &str, _: &str) -> Vec<(String, Value)> {
        Vec::new()
    }
    fn rule_values(&self, _: &str, _: &str) -> Vec<(String, Value)> {
        Vec::new()
    }
}

/// The requester, as policies see it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserContext {
    /// For match/exclude.
    pub user: RequestUser,
    /// `request.userInfo` as JSON.
    pub user_info: Value,
}

/// One request to evaluate policies on.
pub struct PolicyInput<'a> {
    /// The new object (`Null` for DELETE).
    pub object: &'a Value,
    /// The old object (`Null` unless UPDATE or DELETE).
    pub old_object: &'a Value,
    /// The kind of the request.
    pub kind: &'a GroupVersionKind,
    /// The subresource, or `""`.
    pub subresource: &'a str,
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    pub operation: &'a str,
    /// Labels of the object's namespace.
    pub namespace_labels: &'a Labels,
    /// The requester, when known.
    pub user: Option<&'a UserContext>,
    /// Offline data.
    pub values: &'a dyn ValueSource,
    /// Policy exceptions in force.
    pub exceptions: &'a [PolicyException],
    /// Parameter objects for `validate.cel` rules with `paramKind`/`paramRef`.
    pub params: &'a dyn kanon_vap::ParamSource,
}

fn metadata_str<'a>(object: &'a Value, key: &str) -> &'a str {
    object
        .get("metadata")
        .and_then(|m| m.get(key))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn string_map(object: &Value, key: &str) -> Labels {
    object
        .get("metadata")
        .and_then(|m| m.get(key))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// Loads context entries on demand.
struct Loader<'a> {
    values: &'a dyn ValueSource,
}

impl EntryLoader for Loader<'_> {
    fn load(&self, context: &mut Context, entry: &PendingEntry) -> Result<(), String> {
        let spec = &entry.spec;
        if let Some(variable) = spec.get("variable").filter(|v| !v.is_null()) {
            let value = load_variable(variable, context, self)?;
            context.set(&entry.name, value);
            return Ok(());
        }
        if let Some(api_call) = spec.get("apiCall").filter(|v| !v.is_null()) {
            if !self.values.has_api_calls() {
                return Ok(());
            }
            let substituted = substitute_all(api_call, context, self)?;
            let url = substituted
                .get("service")
                .and_then(|s| s.get("url"))
                .and_then(Value::as_str)
                .or_else(|| substituted.get("urlPath").and_then(Value::as_str))
                .unwrap_or("");
            let method = substituted
                .get("method")
                .and_then(Value::as_str)
                .unwrap_or("GET");
            if let Some(answer) = self.values.api_call(method, url) {
                context.set(&entry.name, with_jmes_path(&substituted, answer?)?);
            }
            return Ok(());
        }
        if let Some(reference) = spec.get("globalReference").filter(|v| !v.is_null()) {
            let name = reference.get("name").and_then(Value::as_str).unwrap_or("");
            if let Some(data) = self.values.global_context(name) {
                context.set(&entry.name, with_jmes_path(reference, data)?);
            }
            return Ok(());
        }
        // configMap, imageRegistry: no cluster or registry offline; the data
        // comes from values under the entry's name, or a reference fails as not found.
        Ok(())
    }
}

/// Applies an entry's `jmesPath` (if any) to the data it loaded.
fn with_jmes_path(entry: &Value, data: Value) -> Result<Value, String> {
    match entry
        .get("jmesPath")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        Some(path) => crate::context::search(path, &data).map_err(|e| e.to_string()),
        None => Ok(data),
    }
}

/// Kyverno's `variable` context entry.
fn load_variable(
    variable: &Value,
    context: &mut Context,
    loader: &dyn EntryLoader,
) -> Result<Value, String> {
    let jmes_path = match variable.get("jmesPath").filter(|v| !v.is_null()) {
        Some(path) => match substitute_all(path, context, loader)? {
            Value::String(s) => Some(s),
            other => return Err(format!("jmesPath must be a string, found {other}")),
        },
        None => None,
    };
    let default = match variable.get("default").filter(|v| !v.is_null()) {
        Some(default) => Some(substitute_all(default, context, loader)?),
        None => None,
    };
    let result = if let Some(value) = variable.get("value").filter(|v| !v.is_null()) {
        let value = substitute_all(value, context, loader)?;
        match &jmes_path {
            Some(path) => match crate::context::search(path, &value) {
                Ok(found) => found,
                Err(e) => default.clone().ok_or_else(|| {
                    format!("failed to apply jmesPath {path} to variable value: {e}")
                })?,
            },
            None => value,
        }
    } else if let Some(path) = &jmes_path {
        match context.query(path, loader) {
            Ok(Value::Null) => default.clone().unwrap_or(Value::Null),
            Ok(found) => found,
            Err(e) => default.clone().ok_or(e)?,
        }
    } else {
        default.clone().unwrap_or(Value::Null)
    };
    if result.is_null() {
        return Err("failed to add context entry: variable evaluated to nil".to_owned());
    }
    Ok(result)
}

/// Builds the context of a request (before any policy or rule).
fn base_context(input: &PolicyInput<'_>) -> Context {
    let mut request = Map::new();
    request.insert(
        "operation".to_owned(),
        Value::String(input.operation.to_owned()),
    );
    if input.operation != "DELETE" {
        request.insert("object".to_owned(), input.object.clone());
    }
    if matches!(input.operation, "UPDATE" | "DELETE") {
        request.insert("oldObject".to_owned(), input.old_object.clone());
    }
    let subject = if input.operation == "DELETE" {
        input.old_object
    } else {
        input.object
    };
    let namespace = if kanon_core::kinds::is_namespaced(&input.kind.group, &input.kind.kind) {
        metadata_str(subject, "namespace")
    } else {
        ""
    };
    request.insert("namespace".to_owned(), Value::String(namespace.to_owned()));
    let mut root = Map::new();
    if let Some(user) = input.user {
        request.insert("userInfo".to_owned(), user.user_info.clone());
        request.insert(
            "roles".to_owned(),
            Value::Array(user.user.roles.iter().cloned().map(Value::String).collect()),
        );
        request.insert(
            "clusterRoles".to_owned(),
            Value::Array(
                user.user
                    .cluster_roles
                    .iter()
                    .cloned()
                    .map(Value::String)
                    .collect(),
            ),
        );
        let (sa_namespace, sa_name) = service_account(&user.user.username);
        root.insert("serviceAccountName".to_owned(), Value::String(sa_name));
        root.insert(
            "serviceAccountNamespace".to_owned(),
            Value::String(sa_namespace),
        );
    }
    root.insert("request".to_owned(), Value::Object(request));
    let mut context = Context::new(root);
    context.set_images_kind(&input.kind.kind);
    context
}

/// `system:serviceaccount:<namespace>:<name>` → (namespace, name).
fn service_account(username: &str) -> (String, String) {
    const PREFIX: &str = "system:serviceaccount:";
    let Some(rest) = username.strip_prefix(PREFIX) else {
        return (String::new(), String::new());
    };
    let parts: Vec<&str> = rest.split(':').collect();
    match parts.as_slice() {
        [namespace, name, ..] => ((*namespace).to_owned(), (*name).to_owned()),
        _ => (String::new(), String::new()),
    }
}

/// Evaluates a policy on a request. Rules that do not match produce no response.
pub fn evaluate_policy(policy: &KyvernoPolicy, input: &PolicyInput<'_>) -> Vec<RuleResponse> {
    Session::new(input).evaluate(policy)
}

/// The evaluation of several policies on one request, sharing the request's context.
pub struct Session<'a> {
    input: &'a PolicyInput<'a>,
    context: Context,
    labels: Labels,
    annotations: Labels,
}

impl<'a> Session<'a> {
    /// Prepares the context of a request.
    pub fn new(input: &'a PolicyInput<'a>) -> Self {
        let subject = if input.operation == "DELETE" {
            input.old_object
        } else {
            input.object
        };
        Session {
            input,
            context: base_context(input),
            labels: string_map(subject, "labels"),
            annotations: string_map(subject, "annotations"),
        }
    }

    /// Evaluates one policy.
    pub fn evaluate(&mut self, policy: &KyvernoPolicy) -> Vec<RuleResponse> {
        let input = self.input;
        let subject = if input.operation == "DELETE" {
            input.old_object
        } else {
            input.object
        };
        if let Some(policy_namespace) = &policy.namespace {
            let namespace_of = |v: &Value| metadata_str(v, "namespace").to_owned();
            let new_ok = input.object.is_null() || namespace_of(input.object) == *policy_namespace;
            let old_ok =
                input.old_object.is_null() || namespace_of(input.old_object) == *policy_namespace;
            if !new_ok || !old_ok || namespace_of(subject).is_empty() {
                return Vec::new();
            }
        }
        let checkpoint = self.context.checkpoint();
        let values = input
            .values
            .resource_values(&policy.name, metadata_str(subject, "name"));
        let rewrites_objects = values
            .iter()
            .any(|(k, _)| k.starts_with("request.object") || k.starts_with("request.oldObject"));
        for (path, value) in values {
            self.context.merge_path(&split_dotted(&path), value);
        }
        // Values may rewrite request.object / request.oldObject: then re-read them.
        let read = |context: &Context, key: &str| {
            context
                .root()
                .get("request")
                .and_then(|r| r.get(key))
                .cloned()
                .unwrap_or(Value::Null)
        };
        let (owned_object, owned_old, labels, annotations);
        let (object, old_object, labels_ref, annotations_ref) = if rewrites_objects {
            owned_object = if input.operation == "DELETE" {
                Value::Null
            } else {
                read(&self.context, "object")
            };
            owned_old = if matches!(input.operation, "UPDATE" | "DELETE") {
                read(&self.context, "oldObject")
            } else {
                Value::Null
            };
            let subject = if input.operation == "DELETE" {
                &owned_old
            } else {
                &owned_object
            };
            labels = string_map(subject, "labels");
            annotations = string_map(subject, "annotations");
            (&owned_object, &owned_old, &labels, &annotations)
        } else {
            (
                input.object,
                input.old_object,
                &self.labels,
                &self.annotations,
            )
        };
        let evaluator = Evaluator {
            policy,
            input,
            object,
            old_object,
            labels: labels_ref,
            annotations: annotations_ref,
        };
        let mut responses = Vec::new();
        for rule in policy.rules_for_kind(&input.kind.kind) {
            if let Some(response) = evaluator.rule(rule, &mut self.context) {
                let decided = matches!(response.status, RuleStatus::Pass | RuleStatus::Fail);
                responses.push(response);
                if policy.apply_one && decided {
                    break;
                }
            }
        }
        self.context.restore(checkpoint);
        responses
    }
}

struct Evaluator<'a> {
    policy: &'a KyvernoPolicy,
    input: &'a PolicyInput<'a>,
    object: &'a Value,
    old_object: &'a Value,
    /// Labels and annotations of the object match/exclude look at.
    labels: &'a Labels,
    annotations: &'a Labels,
}

impl Evaluator<'_> {
    fn target<'t>(
        &'t self,
        resource: &'t Value,
        operation: &'t str,
        labels: &'t Labels,
        annotations: &'t Labels,
        user: Option<&'t RequestUser>,
    ) -> MatchTarget<'t> {
        let name = match metadata_str(resource, "name") {
            "" => metadata_str(resource, "generateName"),
            name => name,
        };
        let namespace =
            if kanon_core::kinds::is_namespaced(&self.input.kind.group, &self.input.kind.kind) {
                metadata_str(resource, "namespace")
            } else {
                ""
            };
        MatchTarget {
            group: &self.input.kind.group,
            version: &self.input.kind.version,
            kind: &self.input.kind.kind,
            subresource: self.input.subresource,
            name,
            namespace,
            labels,
            annotations,
            namespace_labels: self.input.namespace_labels,
            operation,
            user,
        }
    }

    fn matches(
        &self,
        rule: &Rule,
        resource: &Value,
        operation: &str,
        user: Option<&RequestUser>,
    ) -> bool {
        let subject = if self.input.operation == "DELETE" {
            self.old_object
        } else {
            self.object
        };
        let (labels, annotations);
        let (labels_ref, annotations_ref) = if std::ptr::eq(resource, subject) {
            (self.labels, self.annotations)
        } else {
            labels = string_map(resource, "labels");
            annotations = string_map(resource, "annotations");
            (&labels, &annotations)
        };
        let target = self.target(resource, operation, labels_ref, annotations_ref, user);
        rule_matches(&rule.match_, rule.exclude.as_ref(), &target)
    }

    fn rule(&self, rule: &Rule, context: &mut Context) -> Option<RuleResponse> {
        let subject = if self.input.operation == "DELETE" {
            self.old_object
        } else {
            self.object
        };
        let user = self.input.user.map(|u| &u.user);
        if !self.matches(rule, subject, self.input.operation, user) {
            return None;
        }
        if let Some(feature) = rule.unsupported.first() {
            return Some(RuleResponse::new(
                &rule.name,
                RuleStatus::Error,
                format!("kanon does not support {feature} yet"),
            ));
        }
        let validate = rule.validate.as_ref()?;
        let checkpoint = context.checkpoint();
        let response = self.validate_rule(rule, validate, context, 0);
        context.restore(checkpoint);
        response
    }

    /// Rule-level steps: values, context entries, preconditions, exceptions, body, and the
    /// pre-existing violation check for UPDATE requests under Enforce.
    fn validate_rule(
        &self,
        rule: &Rule,
        validate: &crate::policy::Validation,
        context: &mut Context,
        _nesting: usize,
    ) -> Option<RuleResponse> {
        let loader = Loader {
            values: self.input.values,
        };
        self.load_rule_context(rule, context);
        if let Some(unmet) =
            preconditions_unmet(&rule.name, rule.preconditions.as_ref(), context, &loader)
        {
            return Some(unmet);
        }
        let exceptions = crate::exceptions::matching(
            self.input.exceptions,
            self.policy,
            &rule.name,
            self,
            context,
            &loader,
        );
        if let Some(pss) = validate.pod_security.as_ref() {
            return podsecurity::evaluate(rule, pss, self.input, self.object, &exceptions);
        }
        if !exceptions.is_empty() {
            let keys: Vec<String> = exceptions.iter().map(|e| e.key()).collect();
            return Some(RuleResponse::new(
                &rule.name,
                RuleStatus::Skip,
                format!(
                    "rule is skipped due to policy exceptions{}",
                    keys.join(", ")
                ),
            ));
        }
        if let Some(cel) = rule.cel.as_deref() {
            return Some(crate::celrule::evaluate(&rule.name, cel, self.input));
        }
        let body = Body::of_rule(validate);
        let response = self.body(rule, &body, context, &loader, None, 0)?;
        if response.status == RuleStatus::Fail
            && self.policy.enforces(rule)
            && self.input.operation == "UPDATE"
            && validate.allow_existing_violations != Some(false)
        {
            if let Some(prior) = self.old_object_response(rule, validate, context) {
                if prior.status == RuleStatus::Fail {
                    return Some(RuleResponse::new(
                        &rule.name,
                        RuleStatus::Skip,
                        "skipping the rule evaluation as pre-existing violations are allowed",
                    ));
                }
            }
        }
        Some(response)
    }

    fn load_rule_context(&self, rule: &Rule, context: &mut Context) {
        for (path, value) in self.input.values.rule_values(&self.policy.name, &rule.name) {
            context.merge_path(&split_dotted(&path), value);
        }
        register_entries(&rule.context, context);
    }

    /// Re-evaluates the rule as if the old object were being created.
    fn old_object_response(
        &self,
        rule: &Rule,
        validate: &crate::policy::Validation,
        context: &mut Context,
    ) -> Option<RuleResponse> {
        let checkpoint = context.checkpoint();
        context.replace_path(&["request", "object"], self.old_object.clone());
        context.replace_path(&["request", "oldObject"], Value::Null);
        context.replace_path(
            &["request", "operation"],
            Value::String("CREATE".to_owned()),
        );
        let fake = RequestUser {
            username: "kyverno:kyverno-invalid-controller".to_owned(),
            groups: vec!["kyverno:invalidgroup".to_owned()],
            roles: vec!["kyverno:invalidrole".to_owned()],
            cluster_roles: vec!["kyverno:invalidrole".to_owned()],
        };
        let loader = Loader {
            values: self.input.values,
        };
        let result = if !self.matches(rule, self.old_object, "CREATE", Some(&fake)) {
            Some(RuleResponse::new(
                &rule.name,
                RuleStatus::Skip,
                "resource not matched",
            ))
        } else {
            match conditions::evaluate(rule.preconditions.as_ref(), context, &loader) {
                Ok(outcome) if outcome.holds => {
                    let labels = string_map(self.old_object, "labels");
                    let annotations = string_map(self.old_object, "annotations");
                    let old = Evaluator {
                        policy: self.policy,
                        input: self.input,
                        object: self.old_object,
                        old_object: &Value::Null,
                        labels: &labels,
                        annotations: &annotations,
                    };
                    old.body(rule, &Body::of_rule(validate), context, &loader, None, 0)
                }
                _ => Some(RuleResponse::new(
                    &rule.name,
                    RuleStatus::Skip,
                    "preconditions not met",
                )),
            }
        };
        context.restore(checkpoint);
        result
    }

    /// deny, else pattern/anyPattern, else foreach.
    fn body(
        &self,
        rule: &Rule,
        body: &Body<'_>,
        context: &mut Context,
        loader: &Loader<'_>,
        element: Option<&Value>,
        nesting: usize,
    ) -> Option<RuleResponse> {
        let message = rule
            .validate
            .as_ref()
            .and_then(|v| v.message.clone())
            .unwrap_or_default();
        if let Some(deny) = body.deny {
            return Some(self.deny(rule, deny, &message, context, loader));
        }
        if body.pattern.is_some() || body.any_pattern.is_some() {
            let substituted = if body.static_patterns {
                Ok((
                    body.pattern.map(Cow::Borrowed),
                    body.any_pattern.map(Cow::Borrowed),
                ))
            } else {
                body.pattern
                    .map(|p| substitute_cow(p, context, loader))
                    .transpose()
                    .and_then(|pattern| {
                        let any = body.any_pattern.map(|p| substitute_cow(p, context, loader));
                        Ok((pattern, any.transpose()?))
                    })
            };
            let (pattern, any_pattern) = match substituted {
                Ok(both) => both,
                Err(e) => {
                    return Some(RuleResponse::error(
                        &rule.name,
                        "variable substitution failed",
                        &e,
                    ))
                }
            };
            let resource = match element {
                Some(element) => element,
                None if self.input.operation == "DELETE" => return None,
                None => self.object,
            };
            return Some(self.patterns(
                rule,
                pattern.as_deref(),
                any_pattern.as_deref(),
                resource,
                &message,
                context,
                loader,
            ));
        }
        if let Some(foreach) = body.foreach {
            return self.foreach(rule, foreach, context, loader, element, nesting);
        }
        None
    }

    fn deny(
        &self,
        rule: &Rule,
        deny: &Value,
        message: &str,
        context: &mut Context,
        loader: &Loader<'_>,
    ) -> RuleResponse {
        let conditions_block = deny.get("conditions");
        match conditions::evaluate(conditions_block, context, loader) {
            Err(e) => RuleResponse::error(&rule.name, "failed to check deny conditions", &e),
            Ok(outcome) if outcome.holds => {
                let text = if message.is_empty() && outcome.message.is_empty() {
                    format!("validation error: rule {} failed", rule.name)
                } else {
                    let joined = join_non_empty(&[message, &outcome.message]);
                    match substitute_string(&joined, "", context, loader) {
                        Ok(Value::String(s)) => s,
                        Ok(_) => "the produced message didn't resolve to a string, check your policy definition.".to_owned(),
                        Err(_) => outcome.message,
                    }
                };
                RuleResponse::new(&rule.name, RuleStatus::Fail, text)
            }
            Ok(_) => RuleResponse::new(
                &rule.name,
                RuleStatus::Pass,
                format!("validation rule '{}' passed.", rule.name),
            ),
        }
    }

    fn message_text(
        &self,
        message: &str,
        context: &mut Context,
        loader: &Loader<'_>,
    ) -> Result<String, String> {
        match substitute_string(message, "", context, loader)? {
            Value::String(s) => Ok(s),
            other => Ok(crate::value::sprint(&other)),
        }
    }

    fn failure_message(
        &self,
        rule: &Rule,
        message: &str,
        error: &str,
        path: Option<&str>,
        context: &mut Context,
        loader: &Loader<'_>,
    ) -> String {
        if message.is_empty() {
            return match path {
                Some(path) => format!("validation error: rule {} failed at path {path}", rule.name),
                None => format!(
                    "validation error: rule {} execution error: {error}",
                    rule.name
                ),
            };
        }
        match self.message_text(message, context, loader) {
            Err(_) => format!("validation error: variables substitution error in rule {} execution error: {error}", rule.name),
            Ok(mut text) => {
                if !text.ends_with('.') {
                    text.push('.');
                }
                match path {
                    Some(path) => format!("validation error: {text} rule {} failed at path {path}", rule.name),
                    None => format!("validation error: {text} rule {} execution error: {error}", rule.name),
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn patterns(
        &self,
        rule: &Rule,
        pattern: Option<&Value>,
        any_pattern: Option<&Value>,
        resource: &Value,
        message: &str,
        context: &mut Context,
        loader: &Loader<'_>,
    ) -> RuleResponse {
        if let Some(pattern) = pattern {
            return match match_pattern(resource, pattern) {
                Ok(()) => RuleResponse::new(
                    &rule.name,
                    RuleStatus::Pass,
                    format!("validation rule '{}' passed.", rule.name),
                ),
                Err(Mismatch::Skip(text)) => RuleResponse::new(&rule.name, RuleStatus::Skip, text),
                Err(Mismatch::Fail {
                    path,
                    message: error,
                }) => {
                    let text =
                        self.failure_message(rule, message, &error, Some(&path), context, loader);
                    RuleResponse::new(&rule.name, RuleStatus::Fail, text)
                }
                Err(Mismatch::Error(error)) => {
                    let text = self.failure_message(rule, message, &error, None, context, loader);
                    RuleResponse::new(&rule.name, RuleStatus::Error, text)
                }
            };
        }
        let Some(any_pattern) = any_pattern else {
            return RuleResponse::new(&rule.name, RuleStatus::Pass, message);
        };
        let Some(alternatives) = any_pattern.as_array() else {
            return RuleResponse::new(
                &rule.name,
                RuleStatus::Error,
                "failed to deserialize anyPattern, expected type array",
            );
        };
        let mut failed = Vec::new();
        let mut skipped = Vec::new();
        for (index, alternative) in alternatives.iter().enumerate() {
            match match_pattern(resource, alternative) {
                Ok(()) => {
                    return RuleResponse::new(
                        &rule.name,
                        RuleStatus::Pass,
                        format!(
                            "validation rule '{}' anyPattern[{index}] passed.",
                            rule.name
                        ),
                    )
                }
                Err(Mismatch::Skip(text)) => {
                    skipped.push(format!("rule {}[{index}] skipped: {text}", rule.name))
                }
                Err(Mismatch::Fail { path, .. }) => {
                    failed.push(format!("rule {}[{index}] failed at path {path}", rule.name))
                }
                Err(Mismatch::Error(text)) => {
                    failed.push(format!("rule {}[{index}] failed: {text}", rule.name))
                }
            }
        }
        if !failed.is_empty() {
            let errors = failed.join(" ");
            let text = if message.is_empty() {
                format!("validation error: {errors}")
            } else {
                match self.message_text(message, context, loader) {
                    Err(_) => format!("validation error: variables substitution error in rule {} execution error: {errors}", rule.name),
                    Ok(m) if m.ends_with('.') => format!("validation error: {m} {errors}"),
                    Ok(m) => format!("validation error: {m}. {errors}"),
                }
            };
            return RuleResponse::new(&rule.name, RuleStatus::Fail, text);
        }
        if !skipped.is_empty() {
            return RuleResponse::new(&rule.name, RuleStatus::Skip, skipped.join(" "));
        }
        RuleResponse::new(&rule.name, RuleStatus::Pass, message)
    }

    fn foreach(
        &self,
        rule: &Rule,
        entries: &[Value],
        context: &mut Context,
        loader: &Loader<'_>,
        element: Option<&Value>,
        nesting: usize,
    ) -> Option<RuleResponse> {
        let mut applied = 0usize;
        let mut list_error: Option<String> = None;
        for entry in entries {
            let list_expression = entry.get("list").and_then(Value::as_str).unwrap_or("");
            let evaluated = match context.query(list_expression, loader) {
                Ok(value) => value,
                Err(e) => {
                    if !e.contains("Unknown key") {
                        list_error = Some(e);
                    }
                    continue;
                }
            };
            let elements = match evaluated {
                Value::Array(items) => items,
                other => vec![other],
            };
            let element_scope = entry.get("elementScope").and_then(Value::as_bool);
            let body = Body::of_foreach(entry);
            let checkpoint = context.checkpoint();
            let mut failure: Option<RuleResponse> = None;
            for (index, item) in elements.iter().enumerate() {
                if item.is_null() {
                    continue;
                }
                restore_to(context, checkpoint);
                let index_value = Value::from(index as u64);
                context.set("element", item.clone());
                context.set(&format!("element{nesting}"), item.clone());
                context.set("elementIndex", index_value.clone());
                context.set(&format!("elementIndex{nesting}"), index_value);
                let scoped = match element_scope {
                    Some(true) if !item.is_object() => {
                        failure = Some(RuleResponse::new(
                            &rule.name,
                            RuleStatus::Error,
                            format!(
                                "failed to process foreach: failed to add element to context: cannot use elementScope=true foreach rules for elements that are not maps, expected type=map got type={}",
                                crate::value::go_type(item)
                            ),
                        ));
                        break;
                    }
                    Some(scope) => scope,
                    None => item.is_object(),
                };
                let inner_element = if scoped { Some(item) } else { element };
                let response = self.foreach_element(
                    rule,
                    entry,
                    &body,
                    context,
                    loader,
                    inner_element,
                    nesting + 1,
                );
                let Some(response) = response else { continue };
                match response.status {
                    RuleStatus::Skip => continue,
                    RuleStatus::Pass => applied += 1,
                    RuleStatus::Error
                        if response
                            .message
                            .contains("failed to evaluate preconditions") =>
                    {
                        continue
                    }
                    status => {
                        failure = Some(RuleResponse::new(
                            &rule.name,
                            status,
                            format!("validation failure: {}", response.message),
                        ));
                        break;
                    }
                }
            }
            context.restore(checkpoint);
            if let Some(failure) = failure {
                return Some(failure);
            }
        }
        if applied == 0 {
            return list_error
                .map(|e| RuleResponse::error(&rule.name, "failed to evaluate list", &e));
        }
        Some(RuleResponse::new(
            &rule.name,
            RuleStatus::Pass,
            "rule passed",
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn foreach_element(
        &self,
        rule: &Rule,
        entry: &Value,
        body: &Body<'_>,
        context: &mut Context,
        loader: &Loader<'_>,
        element: Option<&Value>,
        nesting: usize,
    ) -> Option<RuleResponse> {
        for (path, value) in self.input.values.rule_values(&self.policy.name, &rule.name) {
            context.merge_path(&split_dotted(&path), value);
        }
        if let Some(Value::Array(entries)) = entry.get("context") {
            register_entries(entries, context);
        }
        if let Some(unmet) =
            preconditions_unmet(&rule.name, entry.get("preconditions"), context, loader)
        {
            return Some(unmet);
        }
        self.body(rule, body, context, loader, element, nesting)
    }
}

/// Restores the context to a checkpoint but keeps the checkpoint open (foreach iterations).
fn restore_to(context: &mut Context, checkpoint: Checkpoint) {
    context.restore(checkpoint);
    let _ = context.checkpoint();
}

fn register_entries(entries: &[Value], context: &mut Context) {
    for entry in entries {
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        context.register(PendingEntry {
            name,
            spec: entry.clone(),
        });
    }
}

/// The parts of a validate body (rule level or foreach level).
struct Body<'a> {
    deny: Option<&'a Value>,
    pattern: Option<&'a Value>,
    any_pattern: Option<&'a Value>,
    foreach: Option<&'a [Value]>,
    /// Whether `pattern` and `any_pattern` are known to hold no variables.
    static_patterns: bool,
}

impl<'a> Body<'a> {
    fn of_rule(validate: &'a crate::policy::Validation) -> Self {
        Body {
            deny: validate.deny.as_ref(),
            pattern: validate.pattern.as_ref(),
            any_pattern: validate.any_pattern.as_ref(),
            foreach: validate.foreach.as_deref(),
            static_patterns: validate.static_patterns,
        }
    }

    fn of_foreach(entry: &'a Value) -> Self {
        let get = |key: &str| entry.get(key).filter(|v| !v.is_null());
        Body {
            deny: get("deny"),
            pattern: get("pattern"),
            any_pattern: get("anyPattern"),
            foreach: get("foreach").and_then(Value::as_array).map(Vec::as_slice),
            static_patterns: false,
        }
    }
}

/// The response a rule (or foreach entry) gets when its preconditions fail to evaluate
/// (error) or do not hold (skip); `None` when they hold.
fn preconditions_unmet(
    rule: &str,
    preconditions: Option<&Value>,
    context: &mut Context,
    loader: &dyn EntryLoader,
) -> Option<RuleResponse> {
    match conditions::evaluate(preconditions, context, loader) {
        Err(e) => Some(RuleResponse::error(
            rule,
            "failed to evaluate preconditions",
            &e,
        )),
        Ok(outcome) if !outcome.holds => Some(RuleResponse::new(
            rule,
            RuleStatus::Skip,
            join_non_empty(&["preconditions not met", &outcome.message]),
        )),
        Ok(_) => None,
    }
}

fn join_non_empty(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("; ")
}

impl crate::exceptions::ExceptionTarget for Evaluator<'_> {
    fn matches_filter(&self, match_: &crate::policy::MatchResources) -> bool {
        let subject = if self.input.operation == "DELETE" {
            self.old_object
        } else {
            self.object
        };
        let user = self.input.user.map(|u| &u.user);
        let target = self.target(
            subject,
            self.input.operation,
            self.labels,
            self.annotations,
            user,
        );
        crate::exceptions::exception_match(match_, &target)
    }
}
