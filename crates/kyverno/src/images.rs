//! The `images` variable: every container image of a pod or pod controller, parsed.

use serde_json::{Map, Value};

/// Where a kind keeps its pod spec, as JSON-pointer-style segments.
fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pod" => &["spec"],
        "Deployment"
        | "DaemonSet"
        | "StatefulSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => &["spec", "template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    })
}

/// `images.{initContainers,containers,ephemeralContainers}.<name>` for a resource; `None` for
/// kinds without a pod spec (the variable is then undefined).
pub(crate) fn images_of(kind: &str, resource: &Value) -> Result<Option<Value>, String> {
    let Some(path) = pod_spec_path(kind) else {
        return Ok(None);
    };
    let Some(spec) = path.iter().try_fold(resource, |value, key| value.get(key)) else {
        return Ok(Some(Value::Object(Map::new())));
    };
    let mut out = Map::new();
    for group in ["initContainers", "containers", "ephemeralContainers"] {
        let Some(containers) = spec.get(group).and_then(Value::as_array) else {
            continue;
        };
        let mut entries = Map::new();
        for (index, container) in containers.iter().enumerate() {
            let Some(image) = container.get("image").and_then(Value::as_str) else {
                continue;
            };
            if image.trim().is_empty() {
                continue;
            }
            let name = container.get("name").and_then(Value::as_str).unwrap_or("");
            let info = kanon_jmespath::image::parse_image(image)
                .map_err(|e| format!("failed to extract images: {e}"))?;
            let pointer = format!("/{}/{group}/{index}/image", path.join("/"));
            let mut fields = Map::new();
            for (key, value) in [
                ("registry", info.registry.as_str()),
                ("path", info.path.as_str()),
                ("name", info.name.as_str()),
                ("tag", info.tag.as_str()),
                ("digest", info.digest.as_str()),
                ("reference", info.reference.as_str()),
                ("referenceWithTag", info.reference_with_tag.as_str()),
                ("jsonPointer", pointer.as_str()),
            ] {
                if !value.is_empty() {
                    fields.insert(key.to_owned(), Value::String(value.to_owned()));
                }
            }
            entries.insert(name.to_owned(), Value::Object(fields));
        }
        if !entries.is_empty() {
            out.insert(group.to_owned(), Value::Object(entries));
        }
    }
    Ok(Some(Value::Object(out)))
}
