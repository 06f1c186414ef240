//! `input.review` (the admission request Rego sees) and `data.inventory`.

use kanon_core::{object, AdmissionRequest, Operation};
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
    Value::Object(review)
}

/// The review of an `AdmissionReview`'s `request`, used as written; for `DELETE` the object is
/// the old object.
pub fn review_of_request(request: &Value) -> Value {
    let mut review = request.clone();
    if let Some(map) = review.as_object_mut() {
        let delete = map.get("operation").and_then(Value::as_str) == Some("DELETE");
        let has_object = map.get("object").is_some_and(|o| !o.is_null());
        if delete && !has_object {
            if let Some(old) = map.get("oldObject").cloned() {
                map.insert("object".into(), old);
            }
        }
    }
    review
}

/// The review of one of kanon's admission requests.
pub fn review_of(request: &AdmissionRequest) -> Value {
    let mut review = serde_json::to_value(request).unwrap_or(Value::Null);
    if let Some(map) = review.as_object_mut() {
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

fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.split_once('/').unwrap_or(("", api_version))
}

/// Builds `data.inventory`: `cluster[apiVersion][kind][name]` for objects without a namespace,
/// `namespace[ns][apiVersion][kind][name]` for the others.
pub fn inventory<'a>(objects: impl IntoIterator<Item = &'a Value>) -> Value {
    let mut cluster = Map::new();
    let mut namespaced = Map::new();
    for object in objects {
        let api_version = object::api_version(object).to_owned();
        let kind = object::kind(object).to_owned();
        let name = object::name(object).to_owned();
        let tree = match object::namespace(object).filter(|n| !n.is_empty()) {
            Some(ns) => namespaced
                .entry(ns.to_owned())
                .or_insert_with(|| Value::Object(Map::new())),
            None => {
                insert_path(&mut cluster, [api_version, kind, name], object.clone());
                continue;
            }
        };
        if let Some(tree) = tree.as_object_mut() {
            insert_path(tree, [api_version, kind, name], object.clone());
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
        let inv = inventory([&ns, &ing]);
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
