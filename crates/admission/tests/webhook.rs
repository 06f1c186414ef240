//! Real AdmissionReview payloads through the router in-process, and — for the seed
//! scenario — through a server on 127.0.0.1 with real TLS (more TLS tests in `tls.rs`).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use kanon_admission::mutation::DefaultSeccomp;
use kanon_admission::policies::{load, LoadOptions};
use kanon_admission::{app, Shared};
use kanon_pss::PssConfig;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

fn shared(pss: PssConfig) -> Arc<Shared> {
    let shared = Arc::new(Shared::new(
        vec![Arc::new(DefaultSeccomp {
            profile_type: "RuntimeDefault".into(),
        })],
        Duration::from_secs(5),
        4,
    ));
    let loaded = load(
        &LoadOptions {
            paths: Vec::new(),
            pss: Some(pss),
        },
        0,
    )
    .unwrap();
    shared.install(loaded);
    shared
}

/// Where requests go: the router in-process, or a running server over TLS.
enum Target {
    InProcess(Arc<Shared>),
    Tls(kanon_admission::Running, ureq::Agent),
}

impl Target {
    async fn over_tls(pss: PssConfig) -> Target {
        let dir = tempfile::tempdir().unwrap();
        let ca_path = dir.path().join("ca.pem");
        let running = kanon_admission::start(kanon_admission::ServeConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            tls: kanon_admission::tls::TlsSource::SelfSigned {
                names: vec!["localhost".into()],
                ca_bundle_out: Some(ca_path.clone()),
            },
            policies: LoadOptions {
                paths: Vec::new(),
                pss: Some(pss),
            },
            namespaces: Vec::new(),
            mutators: Vec::new(),
            timeout: Duration::from_secs(5),
            concurrency: 2,
            reload_interval: Duration::from_millis(100),
        })
        .await
        .unwrap();
        let ca = std::fs::read_to_string(&ca_path).unwrap();
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_pemfile::certs(&mut ca.as_bytes()) {
            roots.add(cert.unwrap()).unwrap();
        }
        let config = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let agent = ureq::AgentBuilder::new()
            .tls_config(Arc::new(config))
            .build();
        let target = Target::Tls(running, agent);
        // Policies compile in the background: wait for readiness.
        for _ in 0..200 {
            if target.get("/readyz").await.0 == StatusCode::OK {
                return target;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("not ready");
    }

    async fn post(&self, path: &str, body: Vec<u8>) -> (StatusCode, String) {
        self.send("POST", path, body).await
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        self.send("GET", path, Vec::new()).await
    }

    async fn send(&self, method: &str, path: &str, body: Vec<u8>) -> (StatusCode, String) {
        match self {
            Target::InProcess(shared) if method == "GET" => get(shared, path).await,
            Target::InProcess(shared) => call(shared, path, body).await,
            Target::Tls(running, agent) => {
                let url = format!("https://localhost:{}{path}", running.local_addr().port());
                let (agent, method) = (agent.clone(), method.to_owned());
                tokio::task::spawn_blocking(move || {
                    let request = agent.request(&method, &url);
                    let result = if method == "GET" {
                        request.call()
                    } else {
                        request.send_bytes(&body)
                    };
                    let response = match result {
                        Ok(response) => response,
                        Err(ureq::Error::Status(_, response)) => response,
                        Err(e) => panic!("{e}"),
                    };
                    let status = StatusCode::from_u16(response.status()).unwrap();
                    (status, response.into_string().unwrap())
                })
                .await
                .unwrap()
            }
        }
    }

    async fn admit(&self, review: &Value) -> Value {
        let (status, body) = self
            .post("/validate", review.to_string().into_bytes())
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let answer: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(answer["apiVersion"], review["apiVersion"]);
        assert_eq!(answer["kind"], "AdmissionReview");
        assert_eq!(answer["response"]["uid"], review["request"]["uid"]);
        answer["response"].clone()
    }
}

async fn call(shared: &Arc<Shared>, path: &str, body: Vec<u8>) -> (StatusCode, String) {
    let request = Request::post(path)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let response = app(Arc::clone(shared)).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

async fn get(shared: &Arc<Shared>, path: &str) -> (StatusCode, String) {
    let request = Request::get(path).body(Body::empty()).unwrap();
    let response = app(Arc::clone(shared)).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// An AdmissionReview v1 for an object (CREATE unless `operation` says otherwise).
fn review(operation: &str, object: &Value, old_object: Option<&Value>) -> Value {
    let subject = if operation == "DELETE" {
        old_object.unwrap()
    } else {
        object
    };
    let api_version = subject["apiVersion"].as_str().unwrap();
    let kind = subject["kind"].as_str().unwrap();
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let resource = format!("{}s", kind.to_lowercase());
    let mut request = json!({
        "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": resource},
        "name": subject["metadata"]["name"],
        "operation": operation,
        "userInfo": {"username": "admin", "groups": ["system:authenticated"]},
        "dryRun": false,
    });
    if let Some(ns) = subject["metadata"]["namespace"].as_str() {
        request["namespace"] = json!(ns);
    }
    if operation != "DELETE" {
        request["object"] = object.clone();
    }
    if let Some(old) = old_object {
        request["oldObject"] = old.clone();
    }
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request})
}

async fn admit(shared: &Arc<Shared>, review: &Value) -> Value {
    Target::InProcess(Arc::clone(shared)).admit(review).await
}

fn sample_namespace() -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "sample", "labels": {
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
    }}})
}

fn deployment(name: &str, pod_context: Value, container_context: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "sample"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {
                "securityContext": pod_context,
                "containers": [{"name": "app", "image": "registry.example/app:1.0",
                                "securityContext": container_context}]}}}})
}

fn restricted_container() -> Value {
    json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}})
}

fn restricted_pod() -> Value {
    json!({"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}})
}

fn privileged_pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "debug", "namespace": "sample"},
        "spec": {"containers": [{"name": "shell", "image": "busybox:1.36",
                                 "securityContext": {"privileged": true}}]}})
}

const BASELINE_DENIAL: &str = "pods \"debug\" is forbidden: violates PodSecurity \"baseline:latest\": privileged (container \"shell\" must not set securityContext.privileged=true)";

/// The seed scenario, with kanon's default (workloads fail early).
async fn seed_scenario(target: &Target) {
    let namespace = target
        .admit(&review("CREATE", &sample_namespace(), None))
        .await;
    assert_eq!(namespace["allowed"], true);

    let good = deployment("good", restricted_pod(), restricted_container());
    let response = target.admit(&review("CREATE", &good, None)).await;
    assert_eq!(
        response,
        json!({"uid": "705ab4f5-6393-11e8-b7cc-42010a800002", "allowed": true})
    );

    let mut root = restricted_pod();
    root["runAsNonRoot"] = json!(false);
    let nonroot = deployment("as-root", root, restricted_container());
    let response = target.admit(&review("CREATE", &nonroot, None)).await;
    assert_eq!(response["allowed"], true);
    assert_eq!(
        response["warnings"],
        json!(["would violate PodSecurity \"restricted:latest\": runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)"])
    );
    assert_eq!(
        response["auditAnnotations"]["pod-security-audit-violations"],
        "would violate PodSecurity \"restricted:latest\": runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)"
    );

    let privileged = deployment("priv", json!({}), json!({"privileged": true}));
    let response = target.admit(&review("CREATE", &privileged, None)).await;
    assert_eq!(response["allowed"], false);
    assert_eq!(response["status"]["code"], 403);
    assert_eq!(response["status"]["reason"], "Forbidden");
    assert_eq!(
        response["status"]["message"],
        "deployments.apps \"priv\" is forbidden: violates PodSecurity \"baseline:latest\": privileged (container \"app\" must not set securityContext.privileged=true); Pods created from this Deployment would be rejected"
    );

    let response = target
        .admit(&review("CREATE", &privileged_pod(), None))
        .await;
    assert_eq!(response["allowed"], false);
    assert_eq!(response["status"]["message"], BASELINE_DENIAL);
}

/// The seed scenario under `--psa-compat`: workloads only warn, Pods are still denied.
async fn seed_scenario_psa_compat(target: &Target) {
    target
        .admit(&review("CREATE", &sample_namespace(), None))
        .await;
    let privileged = deployment("priv", json!({}), json!({"privileged": true}));
    let response = target.admit(&review("CREATE", &privileged, None)).await;
    assert_eq!(response["allowed"], true);
    let warning = response["warnings"][0].as_str().unwrap();
    assert!(
        warning.starts_with("would violate PodSecurity \"restricted:latest\": privileged (container \"app\" must not set securityContext.privileged=true)"),
        "{warning}"
    );
    let response = target
        .admit(&review("CREATE", &privileged_pod(), None))
        .await;
    assert_eq!(response["allowed"], false);
    assert_eq!(response["status"]["message"], BASELINE_DENIAL);
}

fn psa_compat() -> PssConfig {
    PssConfig {
        psa_compat: true,
        ..PssConfig::default()
    }
}

#[tokio::test]
async fn seed_scenario_in_process() {
    seed_scenario(&Target::InProcess(shared(PssConfig::default()))).await;
    seed_scenario_psa_compat(&Target::InProcess(shared(psa_compat()))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_scenario_over_tls() {
    let target = Target::over_tls(PssConfig::default()).await;
    seed_scenario(&target).await;
    let compat = Target::over_tls(psa_compat()).await;
    seed_scenario_psa_compat(&compat).await;
    // Transport-level answers over TLS too: a malformed body is a 400 with the reason.
    let (status, body) = target.post("/validate", b"{}".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.starts_with("malformed AdmissionReview: apiVersion \"\""),
        "{body}"
    );
    for target in [target, compat] {
        if let Target::Tls(running, _) = target {
            running.shutdown(Duration::from_secs(1)).await.unwrap();
        }
    }
}

#[tokio::test]
async fn namespaces_never_seen_use_the_defaults_and_say_so() {
    let shared = shared(PssConfig::default());
    let mut pod = privileged_pod();
    pod["metadata"]["namespace"] = json!("elsewhere");
    let response = admit(&shared, &review("CREATE", &pod, None)).await;
    assert_eq!(response["allowed"], false);
    let warnings = response["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .unwrap()
            .starts_with("namespace \"elsewhere\" is not known to kanon yet")),
        "{warnings:?}"
    );
}

#[tokio::test]
async fn dry_run_namespaces_are_not_learned() {
    let shared = shared(PssConfig::default());
    let mut dry = review("CREATE", &sample_namespace(), None);
    dry["request"]["dryRun"] = json!(true);
    assert_eq!(admit(&shared, &dry).await["allowed"], true);
    // `sample` stays unknown: the Pod is judged by the defaults, and told so.
    let mut root = restricted_pod();
    root["runAsNonRoot"] = json!(false);
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "sample"},
        "spec": {"securityContext": root, "containers": [{"name": "c", "image": "nginx:1", "securityContext": restricted_container()}]}});
    let response = admit(&shared, &review("CREATE", &pod, None)).await;
    assert_told_unknown(&response);
}

fn assert_told_unknown(response: &Value) {
    assert!(
        response["warnings"]
            .to_string()
            .contains("not known to kanon"),
        "{response}"
    );
}

#[tokio::test]
async fn namespace_label_changes_take_effect_and_deletes_forget() {
    let shared = shared(PssConfig::default());
    let mut namespace = sample_namespace();
    namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] = json!("privileged");
    admit(&shared, &review("CREATE", &namespace, None)).await;
    let response = admit(&shared, &review("CREATE", &privileged_pod(), None)).await;
    assert_eq!(response["allowed"], true, "{response}");

    admit(
        &shared,
        &review("UPDATE", &sample_namespace(), Some(&namespace)),
    )
    .await;
    let response = admit(&shared, &review("CREATE", &privileged_pod(), None)).await;
    assert_eq!(response["allowed"], false);

    admit(
        &shared,
        &review("DELETE", &Value::Null, Some(&sample_namespace())),
    )
    .await;
    let response = admit(&shared, &review("CREATE", &privileged_pod(), None)).await;
    assert_told_unknown(&response);
}

#[tokio::test]
async fn invalid_namespace_labels_are_denied() {
    let shared = shared(PssConfig::default());
    let mut namespace = sample_namespace();
    namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] = json!("strictest");
    let response = admit(&shared, &review("CREATE", &namespace, None)).await;
    assert_eq!(response["allowed"], false);
    assert!(
        response["status"]["message"]
            .as_str()
            .unwrap()
            .starts_with("namespaces \"sample\" is forbidden: Namespace \"sample\" is invalid"),
        "{response}"
    );
}

#[tokio::test]
async fn updates_deletes_and_subresources() {
    let shared = shared(PssConfig::default());
    admit(&shared, &review("CREATE", &sample_namespace(), None)).await;
    let pod = privileged_pod();
    // An update that changes nothing Pod Security looks at is allowed (PSA's rule).
    let mut relabelled = pod.clone();
    relabelled["metadata"]["labels"] = json!({"team": "a"});
    let response = admit(&shared, &review("UPDATE", &relabelled, Some(&pod))).await;
    assert_eq!(response["allowed"], true, "{response}");
    // An image change is re-checked.
    let mut new_image = pod.clone();
    new_image["spec"]["containers"][0]["image"] = json!("busybox:1.37");
    let response = admit(&shared, &review("UPDATE", &new_image, Some(&pod))).await;
    assert_eq!(response["allowed"], false);
    // Deleting is always allowed.
    let response = admit(&shared, &review("DELETE", &Value::Null, Some(&pod))).await;
    assert_eq!(response["allowed"], true);
    // exec is a subresource Pod Security ignores.
    let mut exec = review(
        "CONNECT",
        &json!({"apiVersion": "v1", "kind": "PodExecOptions", "metadata": {"name": "debug", "namespace": "sample"}, "command": ["sh"]}),
        None,
    );
    exec["request"]["kind"] = json!({"group": "", "version": "v1", "kind": "Pod"});
    exec["request"]["subResource"] = json!("exec");
    let response = admit(&shared, &exec).await;
    assert_eq!(response["allowed"], true);
}

#[tokio::test]
async fn v1beta1_is_answered_in_v1beta1_and_other_kinds_take_the_fast_path() {
    let shared = shared(PssConfig::default());
    let mut old = review("CREATE", &privileged_pod(), None);
    old["apiVersion"] = json!("admission.k8s.io/v1beta1");
    let response = admit(&shared, &old).await;
    assert_eq!(response["allowed"], false);
    let config_map = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "sample"}, "data": {}});
    let response = admit(&shared, &review("CREATE", &config_map, None)).await;
    assert_eq!(
        response,
        json!({"uid": "705ab4f5-6393-11e8-b7cc-42010a800002", "allowed": true})
    );
}

#[tokio::test]
async fn bad_requests_get_400_or_413_with_a_reason() {
    let shared = shared(PssConfig::default());
    let (status, body) = call(&shared, "/validate", b"{not json".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.starts_with("malformed AdmissionReview: the body is not JSON: key must be a string at line 1 column 2"), "{body}");
    let wrong =
        json!({"apiVersion": "admission.k8s.io/v2", "kind": "AdmissionReview", "request": {}});
    let (status, body) = call(&shared, "/validate", wrong.to_string().into_bytes()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.contains("\"admission.k8s.io/v2\" is not admission.k8s.io/v1"),
        "{body}"
    );
    let huge = vec![b' '; 3 * 1024 * 1024 + 1];
    let (status, _) = call(&shared, "/validate", huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // A deeply nested object is an error, not a crash.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let (status, _) = call(&shared, "/validate", deep.into_bytes()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn mutate_sets_the_default_seccomp_profile() {
    let shared = shared(PssConfig::default());
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "sample"},
        "spec": {"containers": [{"name": "c", "image": "nginx:1"}]}});
    let (status, body) = call(
        &shared,
        "/mutate",
        review("CREATE", &pod, None).to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["response"]["patchType"], "JSONPatch");
    use base64::Engine as _;
    let patch = base64::engine::general_purpose::STANDARD
        .decode(answer["response"]["patch"].as_str().unwrap())
        .unwrap();
    let patch: Value = serde_json::from_slice(&patch).unwrap();
    assert_eq!(
        patch,
        json!([{"op": "add", "path": "/spec/securityContext", "value": {"seccompProfile": {"type": "RuntimeDefault"}}}])
    );
    // Already set: no patch.
    let mut set = pod.clone();
    set["spec"]["securityContext"] =
        json!({"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}});
    let (_, body) = call(
        &shared,
        "/mutate",
        review("CREATE", &set, None).to_string().into_bytes(),
    )
    .await;
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert!(answer["response"].get("patch").is_none(), "{answer}");
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let not_ready = Arc::new(Shared::new(Vec::new(), Duration::from_secs(1), 1));
    let (status, body) = get(&not_ready, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body, "not ready: policies are being compiled\n");
    let (status, _) = call(
        &not_ready,
        "/validate",
        review("CREATE", &privileged_pod(), None)
            .to_string()
            .into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        get(&not_ready, "/healthz").await,
        (StatusCode::OK, "ok".to_owned())
    );

    let shared = shared(PssConfig::default());
    assert_eq!(
        get(&shared, "/readyz").await,
        (StatusCode::OK, "ready: 1 policies\n".to_owned())
    );
    admit(&shared, &review("CREATE", &privileged_pod(), None)).await;
    shared.load_failed("policies not loaded:\n  x.yaml:3: broken".into());
    let (status, body) = get(&shared, "/readyz").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("the last reload failed and the previous set serves"),
        "{body}"
    );
    let (status, metrics) = get(&shared, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    for line in [
        "kanon_admission_requests_total{endpoint=\"validate\",operation=\"CREATE\",kind=\"Pod\",decision=\"denied\"} 1",
        "kanon_policy_results_total{policy=\"pod-security\",result=\"fail\"} 1",
        "kanon_policy_load_errors_total 1",
        "kanon_policies_loaded 1",
        "kanon_build_info{version=\"",
        "kanon_admission_duration_seconds_count{endpoint=\"validate\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} missing in\n{metrics}");
    }
}

#[tokio::test]
async fn gatekeeper_constraints_deny_and_warn() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("required-labels.yaml"),
        r#"apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8srequiredlabels}
spec:
  crd:
    spec:
      names: {kind: K8sRequiredLabels}
      validation:
        openAPIV3Schema:
          type: object
          properties:
            labels: {type: array, items: {type: string}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package k8srequiredlabels
      violation[{"msg": msg}] {
        provided := {l | input.review.object.metadata.labels[l]}
        required := {l | l := input.parameters.labels[_]}
        missing := required - provided
        count(missing) > 0
        msg := sprintf("you must provide labels: %v", [missing])
      }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata: {name: must-have-owner}
spec:
  match: {kinds: [{apiGroups: ["apps"], kinds: ["Deployment"]}]}
  parameters: {labels: ["owner"]}
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata: {name: should-have-team}
spec:
  enforcementAction: scoped
  scopedEnforcementActions:
  - action: warn
    enforcementPoints: [{name: validation.gatekeeper.sh}]
  match: {kinds: [{apiGroups: ["apps"], kinds: ["Deployment"]}]}
  parameters: {labels: ["team"]}
"#,
    )
    .unwrap();
    let shared = Arc::new(Shared::new(Vec::new(), Duration::from_secs(5), 2));
    shared.install(
        load(
            &LoadOptions {
                paths: vec![dir.path().to_path_buf()],
                pss: None,
            },
            0,
        )
        .unwrap(),
    );
    let mut deploy = deployment("web", json!({}), json!({}));
    let response = admit(&shared, &review("CREATE", &deploy, None)).await;
    assert_eq!(response["allowed"], false, "{response}");
    let message = response["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("must-have-owner") && message.contains(r#"{"owner"}"#),
        "{message}"
    );
    let warnings = response["warnings"].to_string();
    assert!(warnings.contains(r#"{\"team\"}"#), "{response}");

    deploy["metadata"]["labels"] = json!({"owner": "me", "team": "a"});
    let response = admit(&shared, &review("CREATE", &deploy, None)).await;
    assert_eq!(response["allowed"], true, "{response}");
    assert!(response.get("warnings").is_none(), "{response}");
}
