//! The server over real TLS on 127.0.0.1: self-signed start, certificate rotation and policy
//! reload while requests flow.

use kanon_admission::policies::LoadOptions;
use kanon_admission::tls::{self, TlsSource};
use kanon_admission::{start, ServeConfig};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn agent(ca_pems: &[&str]) -> ureq::Agent {
    tls::install_crypto_provider();
    let mut roots = rustls::RootCertStore::empty();
    for pem in ca_pems {
        for cert in rustls_pemfile::certs(&mut pem.as_bytes()) {
            roots.add(cert.unwrap()).unwrap();
        }
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    ureq::AgentBuilder::new()
        .tls_config(Arc::new(config))
        .timeout(Duration::from_secs(5))
        .build()
}

fn config(tls: TlsSource, paths: Vec<PathBuf>) -> ServeConfig {
    ServeConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        tls,
        policies: LoadOptions { paths, pss: None },
        namespaces: Vec::new(),
        mutators: Vec::new(),
        timeout: Duration::from_secs(5),
        concurrency: 4,
        reload_interval: Duration::from_millis(100),
    }
}

fn pod_review(image: &str) -> String {
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "u-1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "name": "p", "namespace": "default", "operation": "CREATE",
        "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
                   "spec": {"containers": [{"name": "c", "image": image}]}}}})
    .to_string()
}

fn post(agent: &ureq::Agent, port: u16, body: &str) -> Result<Value, String> {
    let response = agent
        .post(&format!("https://localhost:{port}/validate"))
        .set("Content-Type", "application/json")
        .send_string(body)
        .map_err(|e| e.to_string())?;
    serde_json::from_str(&response.into_string().map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())
}

async fn wait_ready(agent: &ureq::Agent, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let agent = agent.clone();
    tokio::task::spawn_blocking(move || loop {
        let ready = agent
            .get(&format!("https://localhost:{port}/readyz"))
            .call()
            .is_ok();
        if ready {
            return;
        }
        assert!(Instant::now() < deadline, "not ready in time");
        std::thread::sleep(Duration::from_millis(50));
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_signed_serving_with_the_builtin_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let ca_path = dir.path().join("ca.pem");
    let running = start(config(
        TlsSource::SelfSigned {
            names: vec!["localhost".into(), "127.0.0.1".into()],
            ca_bundle_out: Some(ca_path.clone()),
        },
        Vec::new(),
    ))
    .await
    .unwrap();
    let port = running.local_addr().port();
    let ca = std::fs::read_to_string(&ca_path).unwrap();
    let client = agent(&[&ca]);
    wait_ready(&client, port).await;
    let answer = tokio::task::spawn_blocking(move || {
        let privileged = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
            "uid": "u-2", "kind": {"group": "", "version": "v1", "kind": "Pod"}, "name": "p",
            "namespace": "default", "operation": "CREATE",
            "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                       "spec": {"containers": [{"name": "c", "securityContext": {"privileged": true}}]}}}});
        post(&client, port, &privileged.to_string())
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(answer["response"]["uid"], "u-2");
    assert_eq!(answer["response"]["allowed"], false);
    // A client that does not trust the CA is refused.
    let stranger = agent(&[&tls::self_signed(&["localhost".into()]).unwrap().ca_pem]);
    let refused =
        tokio::task::spawn_blocking(move || post(&stranger, port, &pod_review("nginx:1")))
            .await
            .unwrap();
    assert!(refused.is_err());
    running.shutdown(Duration::from_secs(1)).await.unwrap();
}

const NO_LATEST: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: no-latest}
spec:
  validationFailureAction: Enforce
  rules:
  - name: tag
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: use a tag
      pattern: {spec: {containers: [{image: '!*:latest'}]}}
";

const NO_NGINX: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: no-nginx}
spec:
  validationFailureAction: Enforce
  rules:
  - name: image
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: no nginx
      pattern: {spec: {containers: [{image: '!nginx*'}]}}
";

fn write_pair(dir: &Path, made: &tls::SelfSigned) {
    // Rotation writes the key first: a half-rotated pair must not be served.
    std::fs::write(dir.join("tls.key"), &made.key_pem).unwrap();
    std::fs::write(dir.join("tls.crt"), &made.cert_pem).unwrap();
}

/// Certificates and policies change while requests flow; no request fails, and both
/// changes take effect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_and_policies_swap_under_load() {
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    std::fs::write(policies.join("policy.yaml"), NO_LATEST).unwrap();
    let first = tls::self_signed(&["localhost".into()]).unwrap();
    let second = tls::self_signed(&["localhost".into()]).unwrap();
    write_pair(dir.path(), &first);
    let running = start(config(
        TlsSource::Files {
            cert: dir.path().join("tls.crt"),
            key: dir.path().join("tls.key"),
        },
        vec![policies.clone()],
    ))
    .await
    .unwrap();
    let port = running.local_addr().port();
    let both = agent(&[&first.ca_pem, &second.ca_pem]);
    wait_ready(&both, port).await;

    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut clients = Vec::new();
    for _ in 0..3 {
        let (stop, sent, failures, both) = (
            Arc::clone(&stop),
            Arc::clone(&sent),
            Arc::clone(&failures),
            both.clone(),
        );
        clients.push(std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match post(&both, port, &pod_review("nginx:1.27")) {
                    Ok(answer) if answer["response"]["uid"] == "u-1" => {}
                    Ok(answer) => failures.lock().unwrap().push(answer.to_string()),
                    Err(error) => failures.lock().unwrap().push(error),
                }
                sent.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    write_pair(dir.path(), &second);
    std::fs::write(policies.join("policy.yaml"), NO_NGINX).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A broken policy file: the previous set keeps serving.
    std::fs::write(policies.join("broken.yaml"), "kind: [").unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    let failures = failures.lock().unwrap().clone();
    assert!(
        failures.is_empty(),
        "{} of {} failed: {:?}",
        failures.len(),
        sent.load(Ordering::Relaxed),
        &failures[..failures.len().min(3)]
    );
    assert!(sent.load(Ordering::Relaxed) > 10);

    // The new certificate serves: a client trusting only the second CA gets through.
    let only_second = agent(&[&second.ca_pem]);
    let only_first = agent(&[&first.ca_pem]);
    let (new_ca, old_ca) = tokio::task::spawn_blocking(move || {
        (
            post(&only_second, port, &pod_review("nginx:1.27")),
            post(&only_first, port, &pod_review("nginx:1.27")),
        )
    })
    .await
    .unwrap();
    let answer = new_ca.unwrap();
    assert!(old_ca.is_err());
    // The new policy decides; the broken reload did not replace it.
    assert_eq!(answer["response"]["allowed"], false, "{answer}");
    assert!(
        answer["response"]["status"]["message"]
            .as_str()
            .unwrap()
            .contains("no-nginx/image: validation error: no nginx"),
        "{answer}"
    );
    let metrics = running.shared().metrics().encode();
    assert!(
        metrics.contains("kanon_policy_load_errors_total 1"),
        "{metrics}"
    );
    running.shutdown(Duration::from_secs(1)).await.unwrap();
}
