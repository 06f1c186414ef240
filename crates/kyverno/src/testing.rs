//! The pure part of `kanon test` for Kyverno suites: the `kyverno-test.yaml` manifest, values
//! and user-info files, and checking expected results against engine responses the way
//! `kyverno test` does. Reading files is the caller's job.

use crate::cel_libs::Host;
use crate::evaluate::{
    evaluate_policy, PolicyInput, RuleResponse, RuleStatus, UserContext, ValueSource,
};
use crate::exceptions::PolicyException;
use crate::matching::RequestUser;
use crate::policy::KyvernoPolicy;
use crate::vpol::{ValidatingPolicy, VpolInput, VpolResult, VpolStatus};
use kanon_core::{GroupVersionKind, Labels};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One expected result of a test.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExpectedResult {
    /// Policy name (`namespace/name` for a namespaced policy).
    pub policy: String,
    /// Rule name (empty for CEL policy kinds).
    pub rule: String,
    /// Resource names (`name` or `namespace/name`).
    pub resources: Vec<String>,
    /// Resource kind (informational; `kyverno test` ignores it).
    pub kind: String,
    /// Expected status.
    pub result: String,
    /// Forced operation for this result, if any.
    pub operation: Option<String>,
    /// What the result checks besides a status (`patchedResources`, `generatedResource`...),
    /// which kanon cannot check yet.
    pub needs: Vec<&'static str>,
}

/// A parsed test document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestCase {
    /// `metadata.name`.
    pub name: String,
    /// Policy files, relative to the manifest.
    pub policies: Vec<String>,
    /// Resource files.
    pub resources: Vec<String>,
    /// Values file (`variables`).
    pub variables: Option<String>,
    /// Inline values (win over the file).
    pub values: Option<Value>,
    /// User-info file.
    pub userinfo: Option<String>,
    /// Exception files.
    pub exceptions: Vec<String>,
    /// Canned API answers (`apiCallResponses`).
    pub api_call_responses: Vec<Value>,
    /// Context file (`cli.kyverno.io` Context: `spec.resources`, `spec.images`).
    pub context: Option<String>,
    /// Files of objects that exist in the cluster (`clusterResources`).
    pub cluster_resources: Vec<String>,
    /// Files of parameter objects for admission policies (`paramResources`).
    pub param_resources: Vec<String>,
    /// Global context entries, as written.
    pub global_context_entries: Vec<Value>,
    /// JSON documents for JSON-mode ValidatingPolicies (`jsonPayloads`).
    pub json_payloads: Vec<String>,
    /// Inputs kanon cannot use yet (`targetResources`, payloads...).
    pub unsupported_inputs: Vec<String>,
    /// Expected results.
    pub results: Vec<ExpectedResult>,
}

fn lower_keys(map: &Map<String, Value>) -> BTreeMap<String, (&String, &Value)> {
    map.iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), (k, v)))
        .collect()
}

fn string_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Parses a test document (field names are matched case-insensitively, unknown fields are
/// errors, as `kyverno test` decodes them).
pub fn parse_test(doc: &Value) -> Result<TestCase, String> {
    let map = doc.as_object().ok_or("a test must be a mapping")?;
    let fields = lower_keys(map);
    let get = |key: &str| fields.get(key).map(|(_, v)| *v);
    let api_version = get("apiversion").and_then(Value::as_str).unwrap_or("");
    let kind = get("kind").and_then(Value::as_str).unwrap_or("");
    if api_version.is_empty() || kind.is_empty() || get("name").is_some() {
        return Err("the test uses a deprecated schema (it needs apiVersion and kind, and no top-level name)".to_owned());
    }
    const KNOWN: &[&str] = &[
        "apiversion",
        "kind",
        "metadata",
        "policies",
        "resources",
        "variables",
        "values",
        "userinfo",
        "exceptions",
        "results",
        "targetresources",
        "clusterresources",
        "context",
        "jsonpayloads",
        "envoypayloads",
        "httppayloads",
        "paramresources",
        "globalcontextentries",
        "apicallresponses",
        "checks",
    ];
    for (lower, (original, _)) in &fields {
        if !KNOWN.contains(&lower.as_str()) {
            return Err(format!("unknown field {original:?} in the test"));
        }
    }
    let mut case = TestCase {
        name: get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        policies: dedup(string_list(get("policies"))),
        resources: dedup(string_list(get("resources"))),
        variables: get("variables").and_then(Value::as_str).map(str::to_owned),
        values: get("values").filter(|v| !v.is_null()).cloned(),
        userinfo: get("userinfo").and_then(Value::as_str).map(str::to_owned),
        exceptions: string_list(get("exceptions")),
        api_call_responses: get("apicallresponses")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        context: get("context").and_then(Value::as_str).map(str::to_owned),
        cluster_resources: string_list(get("clusterresources")),
        param_resources: string_list(get("paramresources")),
        global_context_entries: get("globalcontextentries")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        ..TestCase::default()
    };
    case.json_payloads = string_list(get("jsonpayloads"));
    for (key, label) in [
        ("targetresources", "targetResources"),
        ("envoypayloads", "envoyPayloads"),
        ("httppayloads", "httpPayloads"),
    ] {
        if get(key).is_some_and(|v| !v.is_null()) {
            case.unsupported_inputs.push(label.to_owned());
        }
    }
    for (index, result) in get("results")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let result_map = result
            .as_object()
            .ok_or_else(|| format!("results[{index}] must be a mapping"))?;
        let fields = lower_keys(result_map);
        let text = |key: &str| {
            fields
                .get(key)
                .and_then(|(_, v)| v.as_str())
                .unwrap_or("")
                .to_owned()
        };
        let mut needs = Vec::new();
        for (key, need) in [
            ("patchedresources", "patchedResources (mutate)"),
            ("patchedresource", "patchedResources (mutate)"),
            ("generatedresource", "generatedResource (generate)"),
            ("generatedresources", "generatedResource (generate)"),
            ("clonesourceresource", "cloneSourceResource (generate)"),
        ] {
            if fields.get(key).is_some_and(|(_, v)| !v.is_null()) {
                needs.push(need);
            }
        }
        let mut resources = string_list(fields.get("resources").map(|(_, v)| *v));
        if let Some((_, spec)) = fields.get("resource") {
            resources.extend(string_list(Some(spec)));
        }
        case.results.push(ExpectedResult {
            policy: text("policy"),
            rule: text("rule"),
            resources,
            kind: text("kind"),
            result: text("result"),
            operation: fields
                .get("operation")
                .and_then(|(_, v)| v.as_str())
                .map(str::to_owned),
            needs,
        });
    }
    Ok(case)
}

fn dedup(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// Values for one rule of one policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleValues {
    /// Rule name.
    pub name: String,
    /// Variables.
    pub values: Vec<(String, Value)>,
    /// Per-iteration values for foreach loops (Kyverno uses the first element).
    pub foreach_values: Vec<(String, Value)>,
}

/// Values for one policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyValues {
    /// Policy name.
    pub name: String,
    /// Per resource name.
    pub resources: Vec<(String, Vec<(String, Value)>)>,
    /// Per rule.
    pub rules: Vec<RuleValues>,
}

/// A `Values` document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Values {
    /// Applied everywhere.
    pub global: Vec<(String, Value)>,
    /// Per policy.
    pub policies: Vec<PolicyValues>,
    /// Namespace labels by namespace name.
    pub namespace_labels: BTreeMap<String, Labels>,
    /// Whole Namespace objects (`namespaces:`) by name.
    pub namespaces: BTreeMap<String, Value>,
    /// Subresource mappings: (subresource kind gvk, parent gvk, subresource name).
    pub subresources: Vec<(GroupVersionKind, GroupVersionKind, String)>,
    /// Canned API answers: (method, url, status, body).
    pub api_calls: Vec<(String, String, u16, Value)>,
}

fn pairs(value: Option<&Value>) -> Vec<(String, Value)> {
    value
        .and_then(Value::as_object)
        .map(|map| map.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn gvk_of(value: Option<&Value>) -> GroupVersionKind {
    let text = |key: &str| {
        value
            .and_then(|v| v.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    GroupVersionKind {
        group: text("group"),
        version: text("version"),
        kind: text("kind"),
    }
}

/// Parses a `Values` (or `Value`) document.
pub fn parse_values(doc: &Value) -> Result<Values, String> {
    if !doc.is_object() {
        return Err("values must be a mapping".to_owned());
    }
    let mut values = Values {
        global: pairs(doc.get("globalValues")),
        ..Values::default()
    };
    for policy in doc
        .get("policies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = policy
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let resources = policy
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    r.get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    pairs(r.get("values")),
                )
            })
            .collect();
        let rules = policy
            .get("rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|r| RuleValues {
                name: r
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                values: pairs(r.get("values")),
                foreach_values: pairs(r.get("foreachValues")),
            })
            .collect();
        values.policies.push(PolicyValues {
            name,
            resources,
            rules,
        });
    }
    for selector in doc
        .get("namespaceSelector")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = selector
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let labels = selector
            .get("labels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        values.namespace_labels.insert(name, labels);
    }
    for namespace in doc
        .get("namespaces")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = kanon_core::object::name(namespace).to_owned();
        let labels = kanon_core::object::labels(namespace)
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        values.namespace_labels.insert(name.clone(), labels);
        values.namespaces.insert(name, namespace.clone());
    }
    for sub in doc
        .get("subresources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let parent = sub.get("parentResource");
        let subresource = sub.get("subresource");
        let name = subresource
            .and_then(|s| s.get("name"))
            .and_then(Value::as_str)
            .and_then(|n| n.split_once('/'))
            .map(|(_, s)| s.to_owned())
            .unwrap_or_default();
        values
            .subresources
            .push((gvk_of(subresource), gvk_of(parent), name));
    }
    Ok(values)
}

/// Values plus the mocks of a test, as the engine queries them.
#[derive(Debug, Clone, Default)]
pub struct TestValues {
    /// The values document.
    pub values: Values,
    /// Canned API answers.
    pub api_calls: Vec<(String, String, u16, Value)>,
    /// Global context entries, resolved.
    pub global_context: BTreeMap<String, Value>,
}

impl TestValues {
    fn policy<'a>(&'a self, policy: &'a str) -> impl Iterator<Item = &'a PolicyValues> + 'a {
        self.values
            .policies
            .iter()
            .filter(move |p| p.name == policy)
    }
}

/// Whether a rule name is `rule`, `autogen-rule` or `autogen-cronjob-rule`.
fn same_rule(candidate: &str, rule: &str) -> bool {
    candidate == rule
        || candidate.strip_prefix("autogen-") == Some(rule)
        || candidate.strip_prefix("autogen-cronjob-") == Some(rule)
}

impl ValueSource for TestValues {
    fn resource_values(&self, policy: &str, resource: &str) -> Vec<(String, Value)> {
        let mut out = self.values.global.clone();
        for p in self.policy(policy) {
            for (name, values) in &p.resources {
                if name == resource {
                    out.extend(values.iter().cloned());
                }
            }
        }
        if !out.iter().any(|(k, _)| k == "request.operation") {
            out.push((
                "request.operation".to_owned(),
                Value::String("CREATE".to_owned()),
            ));
        }
        out
    }

    fn rule_values(&self, policy: &str, rule: &str) -> Vec<(String, Value)> {
        for p in self.policy(policy) {
            if let Some(r) = p.rules.iter().find(|r| same_rule(rule, &r.name)) {
                let mut out = r.values.clone();
                for (key, list) in &r.foreach_values {
                    if let Some(first) = list.as_array().and_then(|l| l.first()) {
                        out.push((key.clone(), first.clone()));
                    }
                }
                return out;
            }
        }
        Vec::new()
    }

    fn has_api_calls(&self) -> bool {
        !self.api_calls.is_empty()
    }

    fn global_context(&self, name: &str) -> Option<Value> {
        self.global_context.get(name).cloned()
    }

    fn api_call(&self, method: &str, url: &str) -> Option<Result<Value, String>> {
        let (_, _, status, body) = self
            .api_calls
            .iter()
            .find(|(m, u, _, _)| u == url && (m.is_empty() || m.eq_ignore_ascii_case(method)))?;
        if !(200..300).contains(status) {
            return Some(Err(format!(
                "HTTP {status} from apiCall mock for {method} {url}"
            )));
        }
        Some(Ok(body.clone()))
    }
}

/// Reads `apiCallResponses` entries.
pub fn parse_api_calls(entries: &[Value]) -> Vec<(String, String, u16, Value)> {
    entries
        .iter()
        .map(|entry| {
            let url = entry
                .get("url")
                .or_else(|| entry.get("urlPath"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let method = entry
                .get("method")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let response = entry.get("response");
            let status = response
                .and_then(|r| r.get("statusCode"))
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(200);
            let body = response
                .and_then(|r| r.get("body"))
                .cloned()
                .unwrap_or(Value::Null);
            (method, url, status, body)
        })
        .collect()
}

/// Parses a `UserInfo` document.
pub fn parse_userinfo(doc: &Value) -> Result<UserContext, String> {
    let info = doc
        .get("userInfo")
        .cloned()
        .unwrap_or(Value::Object(Map::new()));
    let list = |v: Option<&Value>| string_list(v);
    Ok(UserContext {
        user: RequestUser {
            username: info
                .get("username")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            groups: list(info.get("groups")),
            roles: list(doc.get("roles")),
            cluster_roles: list(doc.get("clusterRoles")),
        },
        user_info: info,
    })
}

/// A policy document of a test.
#[derive(Debug, Clone)]
pub enum TestPolicy {
    /// A Kyverno policy kanon evaluates.
    Kyverno(Box<KyvernoPolicy>),
    /// A `policies.kyverno.io` ValidatingPolicy.
    Validating(Box<ValidatingPolicy>),
    /// A Kubernetes ValidatingAdmissionPolicy (its bindings are in [`TestInputs::bindings`]).
    Admission(Box<kanon_vap::CompiledPolicy>),
    /// A policy kanon cannot evaluate yet (name, `apiVersion/kind`, or a load error).
    Unsupported {
        /// `metadata.name`.
        name: String,
        /// Why it is unsupported.
        reason: String,
    },
}

/// Everything a test loaded.
#[derive(Debug, Clone, Default)]
pub struct TestInputs {
    /// Policies.
    pub policies: Vec<TestPolicy>,
    /// Resources (after namespace defaulting and de-duplication).
    pub resources: Vec<Value>,
    /// Exceptions.
    pub exceptions: Vec<PolicyException>,
    /// Values and mocks.
    pub values: TestValues,
    /// User info.
    pub user: Option<UserContext>,
    /// ValidatingAdmissionPolicyBindings.
    pub bindings: Vec<kanon_vap::Binding>,
    /// `policies.kyverno.io` PolicyExceptions.
    pub cel_exceptions: Vec<crate::vpol::CelException>,
    /// Where JSON payloads start in `resources` (they follow the Kubernetes resources).
    pub payloads_from: Option<usize>,
    /// Parameter objects of admission policies.
    pub params: Vec<Value>,
    /// What Kyverno's CEL libraries can see (context resources and images, cluster
    /// resources, global context, HTTP answers).
    pub host: Host,
}

/// Prepares resources as `kyverno test` does: `default` namespace for namespaced kinds, null
/// label/annotation/data maps made empty, duplicates (group, kind, namespace, name) dropped.
pub fn prepare_resources(resources: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(resources.len());
    let mut seen = Vec::new();
    for mut resource in resources {
        normalize_nil_maps(&mut resource);
        let gvk = GroupVersionKind::from_api_version(
            kanon_core::object::api_version(&resource),
            kanon_core::object::kind(&resource),
        );
        if kanon_core::kinds::is_namespaced(&gvk.group, &gvk.kind)
            && kanon_core::object::namespace(&resource).is_none()
        {
            if let Some(meta) = resource.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.insert("namespace".to_owned(), Value::String("default".to_owned()));
            }
        }
        let key = (
            gvk.group.clone(),
            gvk.kind.clone(),
            kanon_core::object::namespace(&resource)
                .unwrap_or("")
                .to_owned(),
            kanon_core::object::name(&resource).to_owned(),
        );
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        out.push(resource);
    }
    out
}

fn normalize_nil_maps(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if child.is_null()
                    && matches!(
                        key.as_str(),
                        "annotations"
                            | "labels"
                            | "matchLabels"
                            | "nodeSelector"
                            | "data"
                            | "stringData"
                    )
                {
                    *child = Value::Object(Map::new());
                } else {
                    normalize_nil_maps(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_nil_maps),
        _ => {}
    }
}

/// How one checked row ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowOutcome {
    /// The expectation held.
    Pass,
    /// It did not.
    Fail,
    /// Not checked (an invalid policy, as `kyverno test` reports it).
    Skip,
}

/// One checked expectation for one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Policy name.
    pub policy: String,
    /// Rule name (the response's, e.g. `autogen-x`).
    pub rule: String,
    /// `apiVersion/kind/namespace/name`.
    pub resource: String,
    /// Expected status.
    pub expected: String,
    /// Outcome.
    pub outcome: RowOutcome,
    /// `Ok`, `Want fail, got pass`, `Excluded`, `Not found`, `Invalid Policy`, `unsupported: …`.
    pub reason: String,
    /// The rule's message, when there was a response.
    pub message: String,
}

fn resource_label(resource: &Value) -> String {
    format!(
        "{}/{}/{}/{}",
        kanon_core::object::api_version(resource),
        kanon_core::object::kind(resource),
        kanon_core::object::namespace(resource).unwrap_or(""),
        kanon_core::object::name(resource)
    )
}

/// Responses of every policy for one resource: `None` when the policy produced no response at
/// all (unsupported), `Some(list)` otherwise (possibly empty).
type Responses = Vec<(String, Option<Vec<RuleResponse>>, Option<String>)>;

fn evaluate_resource(
    inputs: &TestInputs,
    resource: &Value,
    forced: Option<&str>,
    is_payload: bool,
) -> Responses {
    if is_payload {
        return evaluate_payload(inputs, resource);
    }
    let mut gvk = GroupVersionKind::from_api_version(
        kanon_core::object::api_version(resource),
        kanon_core::object::kind(resource),
    );
    let mut subresource = String::new();
    for (sub_gvk, parent, name) in &inputs.values.values.subresources {
        if sub_gvk.kind == gvk.kind
            && sub_gvk.group == gvk.group
            && (sub_gvk.version.is_empty() || sub_gvk.version == gvk.version)
        {
            gvk = parent.clone();
            subresource = name.clone();
        }
    }
    let namespace = kanon_core::object::namespace(resource).unwrap_or("");
    let labels = inputs
        .values
        .values
        .namespace_labels
        .get(namespace)
        .cloned()
        .unwrap_or_default();
    let null = Value::Null;
    let mut out = Vec::new();
    for policy in &inputs.policies {
        let policy = match policy {
            TestPolicy::Kyverno(policy) => policy,
            TestPolicy::Unsupported { name, reason } => {
                out.push((name.clone(), None, Some(reason.clone())));
                continue;
            }
            TestPolicy::Validating(vpol) if vpol.json_mode => {
                let input = VpolInput {
                    request: &kanon_core::AdmissionRequest::default(),
                    namespace_object: None,
                    namespace_labels: None,
                    host: &inputs.host,
                    exceptions: &inputs.cel_exceptions,
                };
                out.push(json_response(vpol, resource, &input));
                continue;
            }
            TestPolicy::Validating(vpol) => {
                if let Some(entry) =
                    evaluate_vpol(inputs, vpol, resource, &gvk, &subresource, forced)
                {
                    out.push(entry);
                }
                continue;
            }
            TestPolicy::Admission(vap) => {
                out.push(evaluate_vap(inputs, vap, resource, &gvk, &subresource));
                continue;
            }
        };
        if policy.invalid.is_some() {
            continue;
        }
        let resource_values = inputs
            .values
            .resource_values(&policy.name, kanon_core::object::name(resource));
        let from_values = resource_values
            .iter()
            .rev()
            .find(|(k, _)| k == "request.operation")
            .and_then(|(_, v)| v.as_str())
            .unwrap_or("CREATE");
        let operation = forced.unwrap_or(from_values);
        let internal = match operation {
            "UPDATE" | "DELETE" => operation,
            _ => "CREATE",
        };
        let (object, old_object) = match internal {
            "UPDATE" => (resource, resource),
            "DELETE" => (&null, resource),
            _ => (resource, &null),
        };
        let forced_values;
        let values: &dyn ValueSource = match forced {
            Some(op) => {
                forced_values = Forced {
                    inner: &inputs.values,
                    operation: op,
                };
                &forced_values
            }
            None => &inputs.values,
        };
        let input = PolicyInput {
            object,
            old_object,
            kind: &gvk,
            subresource: &subresource,
            operation: internal,
            namespace_labels: &labels,
            user: inputs.user.as_ref(),
            values,
            exceptions: &inputs.exceptions,
            params: &kanon_vap::ParamList(&inputs.params),
        };
        out.push((
            policy.name.clone(),
            Some(evaluate_policy(policy, &input)),
            None,
        ));
    }
    out
}

/// The admission request `kyverno test` builds for a resource: CREATE puts it in `object`,
/// UPDATE in both objects, DELETE in `oldObject`.
fn test_request(
    resource: &Value,
    gvk: &GroupVersionKind,
    subresource: &str,
    operation: &str,
    user: Option<&UserContext>,
) -> kanon_core::AdmissionRequest {
    let (op, object, old_object) = match operation {
        "UPDATE" => (
            kanon_core::Operation::Update,
            Some(resource.clone()),
            Some(resource.clone()),
        ),
        "DELETE" => (kanon_core::Operation::Delete, None, Some(resource.clone())),
        _ => (kanon_core::Operation::Create, Some(resource.clone()), None),
    };
    let namespace = kanon_core::object::namespace(resource)
        .filter(|_| kanon_core::kinds::is_namespaced(&gvk.group, &gvk.kind))
        .map(str::to_owned);
    let mut request = kanon_core::AdmissionRequest {
        kind: gvk.clone(),
        resource: kanon_core::kinds::resource_for(gvk),
        sub_resource: (!subresource.is_empty()).then(|| subresource.to_owned()),
        name: kanon_core::object::name(resource).to_owned(),
        namespace,
        operation: op,
        object,
        old_object,
        ..kanon_core::AdmissionRequest::default()
    };
    if let Some(user) = user {
        if let Ok(info) = serde_json::from_value(user.user_info.clone()) {
            request.user_info = info;
        }
    }
    request
}

/// The namespace labels the values file gives, and a Namespace object built from them.
fn namespace_of(inputs: &TestInputs, resource: &Value) -> (Option<Labels>, Value) {
    let namespace = kanon_core::object::namespace(resource).unwrap_or("");
    let kind = kanon_core::object::kind(resource);
    if kind == "Namespace" {
        return (kanon_vap::evaluate::labels_of(Some(resource)), Value::Null);
    }
    if namespace.is_empty() {
        return (None, Value::Null);
    }
    if let Some(object) = inputs.values.values.namespaces.get(namespace) {
        let labels = inputs
            .values
            .values
            .namespace_labels
            .get(namespace)
            .cloned();
        return (labels, object.clone());
    }
    match inputs.values.values.namespace_labels.get(namespace) {
        Some(labels) => (
            Some(labels.clone()),
            serde_json::json!({
                "apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": namespace, "labels": labels},
            }),
        ),
        None => (None, Value::Null),
    }
}

fn evaluate_vpol(
    inputs: &TestInputs,
    policy: &ValidatingPolicy,
    resource: &Value,
    gvk: &GroupVersionKind,
    subresource: &str,
    forced: Option<&str>,
) -> Option<(String, Option<Vec<RuleResponse>>, Option<String>)> {
    let from_values = inputs
        .values
        .resource_values(&policy.name, kanon_core::object::name(resource))
        .into_iter()
        .rev()
        .find(|(k, _)| k == "request.operation")
        .and_then(|(_, v)| v.as_str().map(str::to_owned));
    let operation = forced
        .map(str::to_owned)
        .or(from_values)
        .unwrap_or_else(|| "CREATE".to_owned());
    let request = test_request(resource, gvk, subresource, &operation, inputs.user.as_ref());
    let (labels, namespace_object) = namespace_of(inputs, resource);
    let input = VpolInput {
        request: &request,
        namespace_object: Some(&namespace_object).filter(|n| !n.is_null()),
        namespace_labels: labels.as_ref(),
        host: &inputs.host,
        exceptions: &inputs.cel_exceptions,
    };
    let responses = match policy.evaluate(&input) {
        VpolResult::NotMatched { simple: true } => return None,
        VpolResult::NotMatched { simple: false } => Vec::new(),
        VpolResult::Responses(list) => list
            .into_iter()
            .map(|r| vpol_rule_response(r.status, r.message))
            .collect(),
    };
    Some((policy.name.clone(), Some(responses), None))
}

fn evaluate_vap(
    inputs: &TestInputs,
    policy: &kanon_vap::CompiledPolicy,
    resource: &Value,
    gvk: &GroupVersionKind,
    subresource: &str,
) -> (String, Option<Vec<RuleResponse>>, Option<String>) {
    // `kyverno test` runs admission policies as CREATE requests.
    let request = test_request(resource, gvk, subresource, "CREATE", inputs.user.as_ref());
    let (labels, namespace_object) = namespace_of(inputs, resource);
    let params = kanon_vap::ParamList(&inputs.params);
    let input = kanon_vap::Input {
        request: &request,
        namespace_object: Some(&namespace_object).filter(|n| !n.is_null()),
        namespace_labels: labels.as_ref(),
        params: &params,
        host: None,
    };
    let bindings: Vec<&kanon_vap::Binding> = inputs
        .bindings
        .iter()
        .filter(|b| b.spec.policy_name == policy.name)
        .collect();
    let responses = kanon_vap::evaluate(policy, &bindings, &input)
        .into_iter()
        .map(|decision| {
            let (status, message) = match decision.outcome {
                kanon_vap::Outcome::Pass => (RuleStatus::Pass, String::new()),
                kanon_vap::Outcome::Skip(m) => (RuleStatus::Skip, m),
                kanon_vap::Outcome::Fail { message, .. } => (RuleStatus::Fail, message),
                kanon_vap::Outcome::Error(m) => (RuleStatus::Error, m),
            };
            RuleResponse::new(&policy.name, status, message)
        })
        .collect();
    (policy.name.clone(), Some(responses), None)
}

fn vpol_rule_response(status: VpolStatus, message: String) -> RuleResponse {
    let status = match status {
        VpolStatus::Pass => RuleStatus::Pass,
        VpolStatus::Fail => RuleStatus::Fail,
        VpolStatus::Skip => RuleStatus::Skip,
        VpolStatus::Error => RuleStatus::Error,
    };
    RuleResponse::new("", status, message)
}

fn json_response(
    policy: &ValidatingPolicy,
    document: &Value,
    input: &VpolInput<'_>,
) -> (String, Option<Vec<RuleResponse>>, Option<String>) {
    let response = policy.evaluate_json(document, input);
    (
        policy.name.clone(),
        Some(vec![vpol_rule_response(response.status, response.message)]),
        None,
    )
}

/// A JSON payload: only JSON-mode ValidatingPolicies see it.
fn evaluate_payload(inputs: &TestInputs, payload: &Value) -> Responses {
    let request = kanon_core::AdmissionRequest::default();
    let input = VpolInput {
        request: &request,
        namespace_object: None,
        namespace_labels: None,
        host: &inputs.host,
        exceptions: &inputs.cel_exceptions,
    };
    inputs
        .policies
        .iter()
        .filter_map(|p| match p {
            TestPolicy::Validating(v) if v.json_mode => Some(json_response(v, payload, &input)),
            _ => None,
        })
        .collect()
}

/// Parameter objects from a list.
/// Values with `request.operation` forced (a result-level `operation`).
struct Forced<'a> {
    inner: &'a TestValues,
    operation: &'a str,
}

impl ValueSource for Forced<'_> {
    fn resource_values(&self, policy: &str, resource: &str) -> Vec<(String, Value)> {
        let mut out = self.inner.resource_values(policy, resource);
        out.push((
            "request.operation".to_owned(),
            Value::String(self.operation.to_owned()),
        ));
        out
    }
    fn rule_values(&self, policy: &str, rule: &str) -> Vec<(String, Value)> {
        self.inner.rule_values(policy, rule)
    }
    fn api_call(&self, method: &str, url: &str) -> Option<Result<Value, String>> {
        self.inner.api_call(method, url)
    }
    fn has_api_calls(&self) -> bool {
        self.inner.has_api_calls()
    }
    fn global_context(&self, name: &str) -> Option<Value> {
        self.inner.global_context(name)
    }
}

/// Runs a test: evaluates every resource and checks every expected result.
pub fn run(case: &TestCase, inputs: &TestInputs) -> Vec<Row> {
    let mut runs: BTreeMap<Option<String>, Vec<Responses>> = BTreeMap::new();
    for result in &case.results {
        let key = result.operation.clone();
        runs.entry(key.clone()).or_insert_with(|| {
            inputs
                .resources
                .iter()
                .enumerate()
                .map(|(index, r)| {
                    let is_payload = inputs.payloads_from.is_some_and(|from| index >= from);
                    evaluate_resource(inputs, r, key.as_deref(), is_payload)
                })
                .collect()
        });
    }
    let mut rows = Vec::new();
    for result in &case.results {
        let Some(responses) = runs.get(&result.operation) else {
            continue;
        };
        check_result(case, inputs, result, responses, &mut rows);
    }
    rows
}

fn check_result(
    case: &TestCase,
    inputs: &TestInputs,
    expected: &ExpectedResult,
    responses: &[Responses],
    rows: &mut Vec<Row>,
) {
    let policy_name = expected
        .policy
        .rsplit('/')
        .next()
        .unwrap_or(&expected.policy);
    let wanted = expected.result.trim();
    let mut selected: Vec<usize> = Vec::new();
    for name in &expected.resources {
        for (index, resource) in inputs.resources.iter().enumerate() {
            let resource_name = kanon_core::object::name(resource);
            let ok = match name.split_once('/') {
                Some((ns, n)) => {
                    kanon_core::object::namespace(resource).unwrap_or("") == ns
                        && resource_name == n
                }
                None => resource_name == name,
            };
            if ok {
                selected.push(index);
            }
        }
    }
    if selected.is_empty() {
        selected = (0..inputs.resources.len()).collect();
    }
    let invalid = inputs.policies.iter().find_map(|p| match p {
        TestPolicy::Kyverno(k) if k.name == policy_name => k.invalid.clone(),
        _ => None,
    });
    let unsupported_rule = inputs.policies.iter().find_map(|p| match p {
        TestPolicy::Kyverno(k) if k.name == policy_name => k
            .rules
            .iter()
            .chain(k.autogen.values().flatten())
            .filter(|r| expected.rule.is_empty() || same_rule(&r.name, &expected.rule))
            .find_map(|r| r.unsupported.first().copied()),
        _ => None,
    });
    // CEL policy kinds have no rules: `kyverno test` checks every response of the policy.
    let ruleless = inputs.policies.iter().any(|p| match p {
        TestPolicy::Validating(v) => v.name == policy_name,
        TestPolicy::Admission(a) => a.name == policy_name,
        _ => false,
    });
    let needs = expected
        .needs
        .first()
        .copied()
        .or_else(|| case.unsupported_inputs.first().map(String::as_str))
        .or(unsupported_rule);
    if inputs.resources.is_empty() {
        let reason = match needs {
            Some(need) => format!("unsupported: {need}"),
            None => "Not found".to_owned(),
        };
        rows.push(Row {
            policy: expected.policy.clone(),
            rule: expected.rule.clone(),
            resource: String::new(),
            expected: wanted.to_owned(),
            outcome: RowOutcome::Fail,
            reason,
            message: String::new(),
        });
        return;
    }
    for index in selected {
        let Some(resource) = inputs.resources.get(index) else {
            continue;
        };
        let label = resource_label(resource);
        let mut row = |rule: &str, outcome: RowOutcome, reason: String, message: String| {
            rows.push(Row {
                policy: expected.policy.clone(),
                rule: rule.to_owned(),
                resource: label.clone(),
                expected: wanted.to_owned(),
                outcome,
                reason,
                message,
            });
        };
        if let Some(need) = needs {
            row(
                &expected.rule,
                RowOutcome::Fail,
                format!("unsupported: {need}"),
                String::new(),
            );
            continue;
        }
        let found = responses
            .get(index)
            .into_iter()
            .flatten()
            .filter(|(name, _, _)| name == policy_name)
            .collect::<Vec<_>>();
        if found.is_empty() {
            if let Some(reason) = &invalid {
                row(
                    &expected.rule,
                    RowOutcome::Skip,
                    "Invalid Policy".to_owned(),
                    reason.clone(),
                );
            } else {
                row(
                    &expected.rule,
                    RowOutcome::Fail,
                    "Not found".to_owned(),
                    String::new(),
                );
            }
            continue;
        }
        let mut produced = false;
        for (_, rule_responses, unsupported) in found {
            let Some(rule_responses) = rule_responses else {
                row(
                    &expected.rule,
                    RowOutcome::Fail,
                    format!("unsupported: {}", unsupported.clone().unwrap_or_default()),
                    String::new(),
                );
                produced = true;
                continue;
            };
            for response in rule_responses.iter().filter(|r| {
                ruleless || expected.rule.is_empty() || same_rule(&r.rule, &expected.rule)
            }) {
                produced = true;
                if response.message.starts_with("kanon does not support") {
                    row(
                        &response.rule,
                        RowOutcome::Fail,
                        format!("unsupported: {}", response.message),
                        response.message.clone(),
                    );
                } else if response.status.as_str() == wanted {
                    row(
                        &response.rule,
                        RowOutcome::Pass,
                        "Ok".to_owned(),
                        response.message.clone(),
                    );
                } else {
                    row(
                        &response.rule,
                        RowOutcome::Fail,
                        format!("Want {wanted}, got {}", response.status),
                        response.message.clone(),
                    );
                }
            }
        }
        if !produced {
            row(
                &expected.rule,
                RowOutcome::Pass,
                "Excluded".to_owned(),
                String::new(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn manifests_parse_case_insensitively_and_reject_unknown_fields() {
        let case = parse_test(&json!({
            "apiVersion": "cli.kyverno.io/v1alpha1", "kind": "Test", "metadata": {"name": "t"},
            "policies": ["p.yaml"], "resources": ["r.yaml", "r.yaml"],
            "results": [{"policy": "p", "rule": "r", "resources": ["a"], "kind": "Pod", "result": "pass", "isMUtatingPolicy": true}]
        }))
        .unwrap();
        assert_eq!(case.resources, ["r.yaml"]);
        assert_eq!(case.results[0].result, "pass");
        assert!(parse_test(&json!({"apiVersion": "a", "kind": "Test", "bogus": 1})).is_err());
        assert!(parse_test(&json!({"name": "old", "policies": []})).is_err());
    }

    #[test]
    fn values_resolve_per_policy_resource_and_rule() {
        let values = parse_values(&json!({
            "globalValues": {"request.mode": "background"},
            "policies": [{"name": "p", "resources": [{"name": "r", "values": {"request.operation": "UPDATE"}}],
                          "rules": [{"name": "rule", "values": {"data.x": 1}}]}],
            "namespaceSelector": [{"name": "ns", "labels": {"env": "prod"}}]
        }))
        .unwrap();
        let source = TestValues {
            values,
            ..TestValues::default()
        };
        let resource = source.resource_values("p", "r");
        assert!(resource.contains(&("request.operation".to_owned(), json!("UPDATE"))));
        assert_eq!(
            source.rule_values("p", "autogen-cronjob-rule"),
            [("data.x".to_owned(), json!(1))]
        );
        assert_eq!(source.values.namespace_labels["ns"]["env"], "prod");
    }

    #[test]
    fn resources_get_the_default_namespace_once() {
        let prepared = prepare_resources(vec![
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "labels": null}}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "default"}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}),
        ]);
        assert_eq!(prepared.len(), 2);
        assert_eq!(prepared[0]["metadata"]["namespace"], "default");
        assert_eq!(prepared[0]["metadata"]["labels"], json!({}));
        assert!(prepared[1]["metadata"].get("namespace").is_none());
    }
}
