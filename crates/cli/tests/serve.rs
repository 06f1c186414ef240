//! `kanon serve` and `kanon webhook-config` as a user runs them.

mod common;

use common::{kanon, workspace};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn client(ca_pem: &str) -> ureq::Agent {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    ureq::AgentBuilder::new()
        .tls_config(Arc::new(config))
        .timeout(Duration::from_secs(5))
        .build()
}

/// The README's invocation: self-signed, CA bundle out, a policy directory; then a review.
#[test]
fn serve_self_signed_with_a_policy_directory() {
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    std::fs::copy(
        workspace().join("crates/cli/tests/data/cel/replicas-vap.yaml"),
        policies.join("replicas-vap.yaml"),
    )
    .unwrap();
    let ca = dir.path().join("ca.pem");
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_kanon"))
            .args([
                "serve",
                "--addr",
                &addr,
                "--self-signed",
                "localhost",
                "--ca-bundle-out",
            ])
            .arg(&ca)
            .arg("--policies")
            .arg(&policies)
            .args(["--log-format", "json"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let agent = loop {
        if let Ok(pem) = std::fs::read_to_string(&ca) {
            if pem.contains("END CERTIFICATE") {
                let agent = client(&pem);
                if agent
                    .get(&format!("https://localhost:{port}/readyz"))
                    .call()
                    .is_ok()
                {
                    break agent;
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "kanon serve did not become ready"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "shop"}, "spec": {"replicas": 8}});
    let review = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "b3f1", "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
        "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
        "name": "api", "namespace": "shop", "operation": "CREATE", "object": deployment}});
    // The binding selects namespaces labelled env=prod: learn `shop` first.
    let namespace = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "n1", "kind": {"group": "", "version": "v1", "kind": "Namespace"}, "name": "shop",
        "operation": "CREATE", "object": {"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "shop", "labels": {"env": "prod"}}}}});
    let post = |body: &Value| -> Value {
        let text = agent
            .post(&format!("https://localhost:{port}/validate"))
            .send_string(&body.to_string())
            .unwrap()
            .into_string()
            .unwrap();
        serde_json::from_str(&text).unwrap()
    };
    assert_eq!(post(&namespace)["response"]["allowed"], true);
    let answer = post(&review);
    assert_eq!(answer["response"]["uid"], "b3f1");
    assert_eq!(answer["response"]["allowed"], false, "{answer}");
    assert_eq!(
        answer["response"]["status"]["message"],
        "deployments.apps \"api\" is forbidden: ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-prod' denied request: replicas must be at most 5, not 8"
    );
}

#[test]
fn serve_refuses_bad_flags_and_missing_files() {
    let run = kanon(&["serve", "--addr", "127.0.0.1:1"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--self-signed"), "{}", run.stderr);
    let run = kanon(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--tls-cert",
        "/nonexistent/tls.crt",
        "--tls-key",
        "/nonexistent/tls.key",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("/nonexistent/tls.crt"),
        "{}",
        run.stderr
    );
}

#[test]
fn webhook_config_narrows_rules_to_the_policies() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(
        &ca,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let run = kanon(&[
        "webhook-config",
        "--service",
        "kanon",
        "--namespace",
        "kanon-system",
        "--ca-bundle",
        ca.to_str().unwrap(),
        "--failure-policy",
        "Ignore",
        "--timeout-seconds",
        "5",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
    let run = kanon(&[
        "webhook-config",
        "--service",
        "kanon",
        "--namespace",
        "kanon-system",
        "--ca-bundle",
        ca.to_str().unwrap(),
        "--timeout-seconds",
        "31",
    ]);
    assert_eq!(run.code, 2);
}
