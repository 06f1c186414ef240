//! Every document under `deploy/` decodes into the Kubernetes API types, with unknown fields
//! rejected (there is no API server here to dry-run them against).

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace, Service, ServiceAccount};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::PathBuf;

fn strict<T: DeserializeOwned>(document: &Value) -> Result<(), String> {
    let mut unknown = Vec::new();
    serde_ignored::deserialize::<_, _, T>(document, |path| unknown.push(path.to_string()))
        .map_err(|e| e.to_string())?;
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(format!("unknown fields: {}", unknown.join(", ")))
    }
}

fn check(document: &Value) -> Result<&'static str, String> {
    let kind = document["kind"].as_str().unwrap_or("");
    let api_version = document["apiVersion"].as_str().unwrap_or("");
    match (api_version, kind) {
        ("v1", "Namespace") => strict::<Namespace>(document).map(|()| "Namespace"),
        ("v1", "ServiceAccount") => strict::<ServiceAccount>(document).map(|()| "ServiceAccount"),
        ("v1", "Service") => strict::<Service>(document).map(|()| "Service"),
        ("apps/v1", "Deployment") => strict::<Deployment>(document).map(|()| "Deployment"),
        ("policy/v1", "PodDisruptionBudget") => {
            strict::<PodDisruptionBudget>(document).map(|()| "PodDisruptionBudget")
        }
        ("rbac.authorization.k8s.io/v1", "ClusterRole") => {
            strict::<ClusterRole>(document).map(|()| "ClusterRole")
        }
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding") => {
            strict::<ClusterRoleBinding>(document).map(|()| "ClusterRoleBinding")
        }
        _ => Err(format!("unexpected {api_version}/{kind}")),
    }
}

fn documents() -> Vec<(PathBuf, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        for document in kanon_yaml::documents(&text, &kanon_yaml::Limits::default()) {
            out.push((path.clone(), document.unwrap().value));
        }
    }
    out
}

#[test]
fn deploy_manifests_are_valid_kubernetes_objects() {
    let mut kinds = Vec::new();
    for (path, document) in documents() {
        match check(&document) {
            Ok(kind) => kinds.push(kind),
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "ClusterRole",
            "ClusterRoleBinding",
            "Deployment",
            "Namespace",
            "PodDisruptionBudget",
            "Service",
            "ServiceAccount"
        ]
    );
    let deployment = documents()
        .into_iter()
        .find(|(_, d)| d["kind"] == "Deployment")
        .unwrap()
        .1;
    assert_eq!(deployment["spec"]["replicas"], 2);
    let pod = &deployment["spec"]["template"]["spec"];
    assert!(pod["affinity"]["podAntiAffinity"].is_object());
    let container = &pod["containers"][0];
    assert!(container["resources"]["requests"].is_object());
    assert!(container["resources"]["limits"].is_object());
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
}

#[test]
fn unknown_fields_are_caught() {
    let mut document: Value = serde_json::json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "s"}, "spec": {"ports": [{"port": 443, "targetPrt": 8443}]}});
    assert_eq!(
        check(&document),
        Err("unknown fields: spec.?.ports.?.0.targetPrt".to_owned())
    );
    document["spec"]["ports"][0] = serde_json::json!({"port": "not a number"});
    assert!(check(&document).is_err());
}
