//! `input.review` (the admission request Rego sees) and `data.inventory`.

use kanon_core::{object, AdmissionRequest, Labels, Operation};
use serde_json::{json, Map, Value};

/// The review of a plain object, as gator builds it: kind from `apiVersion`/`kind`, name and
/// namespace from the metadata, the object itself, and empty operation, uid and userInfo.
pub fn review_of_object(object: &Value) -> Value {
    let (group, version) = split_api_version(object::api_version(object));
    let mut review = Map::new();
    review.insert("uid".into(), Value::String(String::new()));
    review.insert(
        "kind".into(),
        json!({"group": group, "version": version, "kind": object::kind(object)}),
    );
    review.insert(
        "resource".into(),
        json!({"group": "", "version": "", "resource": ""}),
    );
    let name = object::name(object);
    if !name.is_empty() {
        review.insert("name".into(), Value::String(name.to_owned()));
    }
    if let Some(ns) = object::namespace(object).filter(|n| !n.is_empty()) {
        review.insert("namespace".into(), Value::String(ns.to_owned()));
    }
    review.insert("operation".into(), Value::String(String::new()));
    review.insert("userInfo".into(), Value::Object(Map::new()));
    review.insert("object".into(), object.clone());
    review.insert("oldObject".into(), Value::Null);
    review.insert("options".into(), Value::Null);
    Value::Object(review)
}

/// The review of an `AdmissionReview`'s `request`, as gator decodes it into an
/// `AdmissionRequest`: fields it omits read as empty (`""`, `{}`, null); for `DELETE` the
/// object is the old object. `Err` when there is no object at all (or a DELETE without its
/// old object), which gator rejects too.
pub fn review_of_request(request: &Value) -> Result<Value, String> {
    let mut review = request
        .as_object()
        .cloned()
        .ok_or("the AdmissionReview request is not an object")?;
    let gvk = || json!({"group": "", "version": "", "kind": ""});
    review
        .entry("uid")
        .or_insert_with(|| Value::String(String::new()));
    review.entry("kind").or_insert_with(gvk);
    review
        .entry("resource")
        .or_insert_with(|| json!({"group": "", "version": "", "resource": ""}));
    review
        .entry("operation")
        .or_insert_with(|| Value::String(String::new()));
    review
        .entry("userInfo")
        .or_insert_with(|| Value::Object(Map::new()));
    review.entry("oldObject").or_insert(Value::Null);
    review.entry("object").or_insert(Value::Null);
    review.entry("options").or_insert(Value::Null);
    let delete = review.get("operation").and_then(Value::as_str) == Some("DELETE");
    let old = review.get("oldObject").filter(|o| !o.is_null()).cloned();
    let has_object = review.get("object").is_some_and(|o| !o.is_null());
    match (delete, old) {
        (true, Some(old)) => {
            review.insert("object".into(), old);
        }
        (true, None) => return Err("a DELETE request must carry oldObject".into()),
        (false, None) if !has_object => {
            return Err("the request has neither object nor oldObject".into())
        }
        _ => {}
    }
    Ok(Value::Object(review))
}

/// The request's Namespace as far as kanon knows it (name and labels), or null.
fn namespace_object(namespace: Option<&str>, labels: Option<&Labels>) -> Value {
    match (namespace, labels) {
        (Some(name), Some(labels)) => json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": labels}}),
        _ => Value::Null,
    }
}

/// The review of one of kanon's admission requests (JSON, for the CEL engine).
pub fn review_of(request: &AdmissionRequest, namespace_labels: Option<&Labels>) -> Value {
    let mut review = serde_json::to_value(request).unwrap_or(Value::Null);
    let namespace_object =
        namespace_object(ReviewFacts::of_request(request).namespace, namespace_labels);
    if let Some(map) = review.as_object_mut() {
        map.insert("namespaceObject".into(), namespace_object);
        if request.operation == Operation::Delete {
            if let Some(old) = &request.old_object {
                map.insert("object".into(), old.clone());
            }
        }
        map.entry("oldObject").or_insert(Value::Null);
    }
    review
}

/// Whether a document is an `admission.k8s.io` AdmissionReview.
pub fn is_admission_review(document: &Value) -> bool {
    object::kind(document) == "AdmissionReview"
        && object::api_version(document).starts_with("admission.k8s.io/")
}

/// `(group, version)` of an `apiVersion` (the core group is `""`).
pub(crate) fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.split_once('/').unwrap_or(("", api_version))
}

/// Builds `data.inventory`: `cluster[apiVersion][kind][name]` for objects without a namespace,
/// `namespace[ns][apiVersion][kind][name]` for the others.
pub fn inventory(objects: impl IntoIterator<Item = Value>) -> Value {
    let mut cluster = Map::new();
    let mut namespaced = Map::new();
    for object in objects {
        let api_version = object::api_version(&object).to_owned();
        let kind = object::kind(&object).to_owned();
        let name = object::name(&object).to_owned();
        let namespace = object::namespace(&object)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        let tree = match namespace {
            Some(ns) => namespaced
                .entry(ns)
                .or_insert_with(|| Value::Object(Map::new())),
            None => {
                insert_path(&mut cluster, [api_version, kind, name], object);
                continue;
            }
        };
        if let Some(tree) = tree.as_object_mut() {
            insert_path(tree, [api_version, kind, name], object);
        }
    }
    json!({"cluster": cluster, "namespace": namespaced})
}

fn insert_path(map: &mut Map<String, Value>, path: [String; 3], value: Value) {
    let [a, b, c] = path;
    let level = map.entry(a).or_insert_with(|| Value::Object(Map::new()));
    let Some(level) = level.as_object_mut() else {
        return;
    };
    let level = level.entry(b).or_insert_with(|| Value::Object(Map::new()));
    if let Some(level) = level.as_object_mut() {
        level.insert(c, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventory_splits_cluster_and_namespaced_objects() {
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}});
        let ing = json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "i", "namespace": "a"}});
        let inv = inventory([ns.clone(), ing.clone()]);
        assert_eq!(inv.pointer("/cluster/v1/Namespace/a"), Some(&ns));
        assert_eq!(
            inv.pointer("/namespace/a/networking.k8s.io~1v1/Ingress/i"),
            Some(&ing)
        );
    }

    #[test]
    fn plain_object_reviews_have_an_empty_operation() {
        let pod =
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "n"}});
        let review = review_of_object(&pod);
        assert_eq!(review["operation"], "");
        assert_eq!(
            review["kind"],
            json!({"group": "", "version": "v1", "kind": "Pod"})
        );
        assert_eq!(review["namespace"], "n");
    }
}

/// Converts JSON into a Rego value directly (regorus's own conversion goes through serde's
/// deserializer and costs several times more per object).
pub fn to_rego(value: &Value) -> regorus::Value {
    match value {
        Value::Null => regorus::Value::Null,
        Value::Bool(b) => regorus::Value::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                regorus::Value::from(i)
            } else if let Some(u) = n.as_u64() {
                regorus::Value::from(u)
            } else {
                regorus::Value::from(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(s) => regorus::Value::from(s.as_str()),
        Value::Array(items) => regorus::Value::from(items.iter().map(to_rego).collect::<Vec<_>>()),
        Value::Object(map) => regorus::Value::from(
            map.iter()
                .map(|(k, v)| (regorus::Value::from(k.as_str()), to_rego(v)))
                .collect::<std::collections::BTreeMap<_, _>>(),
        ),
    }
}

/// [`to_rego`], consuming the JSON as it goes (big inventories are not held twice).
pub fn into_rego(value: Value) -> regorus::Value {
    match value {
        Value::Array(items) => {
            regorus::Value::from(items.into_iter().map(into_rego).collect::<Vec<_>>())
        }
        Value::Object(map) => regorus::Value::from(
            map.into_iter()
                .map(|(k, v)| (regorus::Value::from(k), into_rego(v)))
                .collect::<std::collections::BTreeMap<_, _>>(),
        ),
        other => to_rego(&other),
    }
}

/// A Rego object from fields.
pub(crate) fn rego_object<'a>(
    fields: impl IntoIterator<Item = (&'a str, regorus::Value)>,
) -> regorus::Value {
    regorus::Value::from(
        fields
            .into_iter()
            .map(|(k, v)| (regorus::Value::from(k), v))
            .collect::<std::collections::BTreeMap<_, _>>(),
    )
}

/// What constraint matching needs to know about a review.
#[derive(Debug, Clone, Copy)]
pub struct ReviewFacts<'a> {
    /// API group of the kind.
    pub group: &'a str,
    /// Kind.
    pub kind: &'a str,
    /// Operation (`""` for gator's plain objects).
    pub operation: &'a str,
    /// Namespace of the request, if any.
    pub namespace: Option<&'a str>,
    /// The object (for DELETE: the old object).
    pub object: Option<&'a Value>,
    /// The old object.
    pub old_object: Option<&'a Value>,
}

impl<'a> ReviewFacts<'a> {
    /// The facts of a review (`input.review` as JSON).
    pub fn of_review(review: &'a Value) -> ReviewFacts<'a> {
        let str_at = |p: &str| review.pointer(p).and_then(Value::as_str).unwrap_or("");
        let object = review.get("object").filter(|o| !o.is_null());
        let old_object = review.get("oldObject").filter(|o| !o.is_null());
        ReviewFacts {
            group: str_at("/kind/group"),
            kind: str_at("/kind/kind"),
            operation: str_at("/operation"),
            namespace: review
                .get("namespace")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .or_else(|| object.or(old_object).and_then(object::namespace)),
            object,
            old_object,
        }
    }

    /// The facts of one of kanon's admission requests.
    pub fn of_request(request: &'a AdmissionRequest) -> ReviewFacts<'a> {
        let old_object = request.old_object.as_ref();
        let object = match request.operation {
            Operation::Delete => old_object.or(request.object.as_ref()),
            _ => request.object.as_ref(),
        };
        ReviewFacts {
            group: &request.kind.group,
            kind: &request.kind.kind,
            operation: request.operation.as_str(),
            namespace: request
                .namespace
                .as_deref()
                .filter(|n| !n.is_empty())
                .or_else(|| object.and_then(object::namespace)),
            object,
            old_object,
        }
    }
}

/// `input.review` for one of kanon's requests, built straight into a Rego value.
/// `namespaceObject` is a Namespace carrying the labels kanon knows, or null.
pub fn rego_review_of(
    request: &AdmissionRequest,
    namespace_labels: Option<&Labels>,
) -> regorus::Value {
    let facts = ReviewFacts::of_request(request);
    let gvk = rego_object([
        ("group", regorus::Value::from(request.kind.group.as_str())),
        (
            "version",
            regorus::Value::from(request.kind.version.as_str()),
        ),
        ("kind", regorus::Value::from(request.kind.kind.as_str())),
    ]);
    let gvr = rego_object([
        (
            "group",
            regorus::Value::from(request.resource.group.as_str()),
        ),
        (
            "version",
            regorus::Value::from(request.resource.version.as_str()),
        ),
        (
            "resource",
            regorus::Value::from(request.resource.resource.as_str()),
        ),
    ]);
    let user = &request.user_info;
    let user_info = rego_object([
        ("username", regorus::Value::from(user.username.as_str())),
        ("uid", regorus::Value::from(user.uid.as_str())),
        (
            "groups",
            regorus::Value::from(
                user.groups
                    .iter()
                    .map(|g| regorus::Value::from(g.as_str()))
                    .collect::<Vec<_>>(),
            ),
        ),
    ]);
    let mut fields = vec![
        ("uid", regorus::Value::from(request.uid.as_str())),
        ("kind", gvk),
        ("resource", gvr),
        ("name", regorus::Value::from(request.name.as_str())),
        (
            "operation",
            regorus::Value::from(request.operation.as_str()),
        ),
        ("userInfo", user_info),
        ("dryRun", regorus::Value::Bool(request.dry_run)),
        ("object", facts.object.map_or(regorus::Value::Null, to_rego)),
        (
            "oldObject",
            facts.old_object.map_or(regorus::Value::Null, to_rego),
        ),
    ];
    let namespace_object = to_rego(&namespace_object(facts.namespace, namespace_labels));
    fields.push(("namespaceObject", namespace_object));
    if let Some(ns) = request.namespace.as_deref() {
        fields.push(("namespace", regorus::Value::from(ns)));
    }
    if let Some(sub) = request.sub_resource.as_deref() {
        fields.push(("subResource", regorus::Value::from(sub)));
    }
    if let Some(options) = &request.options {
        fields.push(("options", to_rego(options)));
    }
    rego_object(fields)
}
