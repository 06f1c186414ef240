//! Cost of checking one Pod against Pod Security Standards, without a benchmark framework
//! (to keep CI's dependency tree small): the median of several timed batches.
//!
//! Run with `cargo bench -p kanon-pss`.

use kanon_pss::{pod, registry, LevelVersion};
use std::hint::black_box;
use std::time::Instant;

/// A typical hardened Deployment pod: two containers, probes, volumes; passes restricted.
const RESTRICTED_POD: &str = r#"{
  "metadata": {"labels": {"app": "web"}, "annotations": {"prometheus.io/scrape": "true"}},
  "spec": {
    "securityContext": {"runAsNonRoot": true, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [
      {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 8080}],
       "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
       "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}},
      {"name": "sidecar", "image": "envoy:1.30",
       "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}}}
    ],
    "volumes": [{"name": "config", "configMap": {"name": "web"}}, {"name": "tmp", "emptyDir": {}}]
  }
}"#;

/// A pod that fails several baseline and restricted checks (messages are built).
const PRIVILEGED_POD: &str = r#"{
  "metadata": {},
  "spec": {
    "hostNetwork": true,
    "containers": [
      {"name": "app", "image": "x", "ports": [{"containerPort": 80, "hostPort": 80}],
       "securityContext": {"privileged": true, "capabilities": {"add": ["SYS_ADMIN"]}}}
    ],
    "volumes": [{"name": "root", "hostPath": {"path": "/"}}]
  }
}"#;

fn measure(name: &str, pod_json: &str, level_version: &str, build_view_each_time: bool) {
    let value: serde_json::Value = serde_json::from_str(pod_json).expect("valid JSON");
    let lv = LevelVersion::parse(level_version).expect("valid level");
    let iterations = 200_000;
    let mut samples = Vec::new();
    let prebuilt =
        pod::view(value.get("metadata"), value.get("spec"), "", true).expect("valid pod");
    for _ in 0..7 {
        let start = Instant::now();
        for _ in 0..iterations {
            if build_view_each_time {
                let view = pod::view(value.get("metadata"), value.get("spec"), "", true)
                    .expect("valid pod");
                black_box(registry::evaluate(lv, black_box(&view), &|_| false));
            } else {
                black_box(registry::evaluate(lv, black_box(&prebuilt), &|_| false));
            }
        }
        samples.push(start.elapsed().as_nanos() as f64 / f64::from(iterations));
    }
    samples.sort_by(f64::total_cmp);
    println!(
        "{name:<44} {level_version:<18} median {:>7.0} ns/pod (min {:.0}, max {:.0})",
        samples[samples.len() / 2],
        samples[0],
        samples[samples.len() - 1]
    );
}

fn main() {
    measure(
        "view + check, hardened pod (passes)",
        RESTRICTED_POD,
        "restricted:latest",
        true,
    );
    measure(
        "view + check, hardened pod (passes)",
        RESTRICTED_POD,
        "baseline:latest",
        true,
    );
    measure(
        "view + check, privileged pod (fails)",
        PRIVILEGED_POD,
        "restricted:latest",
        true,
    );
    measure(
        "check only, hardened pod (passes)",
        RESTRICTED_POD,
        "restricted:latest",
        false,
    );
    measure(
        "check only, privileged pod (fails)",
        PRIVILEGED_POD,
        "restricted:latest",
        false,
    );
}
