//! Evaluation cost per call on a borrowed pod (`cargo bench -p kanon-cel`): a plain
//! `Instant` loop, no benchmarking framework.

use std::hint::black_box;
use std::time::Instant;

use kanon_cel::{Activation, Env, Program};

fn pod() -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web", "tier": "frontend"}},
        "spec": {
            "containers": [
                {"name": "app", "image": "registry.example.com/shop/web:1.4.2",
                 "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
                 "securityContext": {"runAsNonRoot": true, "allowPrivilegeEscalation": false}},
                {"name": "sidecar", "image": "registry.example.com/mesh/proxy:2.0.1",
                 "resources": {"limits": {"cpu": "100m", "memory": "64Mi"}}},
                {"name": "logger", "image": "registry.example.com/ops/logger:0.9.0"}
            ],
            "replicas": 3
        }
    })
}

fn bench(name: &str, source: &str, iterations: u32) {
    // `cargo bench -p kanon-cel -- <filter>` runs the benchmarks whose name contains it.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter.is_some_and(|f| !name.contains(&f)) {
        return;
    }
    let mut env = Env::kubernetes();
    env.declare("object");
    let program = Program::compile(&env, source).expect("compiles");
    let pod = pod();
    let mut activation = Activation::new();
    activation.bind_json("object", &pod);
    let expected = program.eval(&activation).expect("evaluates");
    for _ in 0..iterations / 10 {
        black_box(program.eval(black_box(&activation)).ok());
    }
    // The best of five rounds, to see past other load on the machine.
    let per_call = (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iterations / 5 {
                black_box(program.eval(black_box(&activation)).ok());
            }
            start.elapsed() / (iterations / 5)
        })
        .min()
        .unwrap_or_default();
    println!("{name:40} {per_call:>10.2?} per evaluation  (= {expected:?})");
}

fn main() {
    bench("constant", "true", 2_000_000);
    bench("field", "object.spec.replicas", 2_000_000);
    bench(
        "one endsWith",
        "!object.spec.containers[0].image.endsWith(':latest')",
        2_000_000,
    );
    bench(
        "all containers not :latest",
        "object.spec.containers.all(c, !c.image.endsWith(':latest'))",
        1_000_000,
    );
    bench(
        "optional chain with orValue",
        "object.spec.?initContainers.orValue([]).size() == 0",
        1_000_000,
    );
    bench(
        "exists with has()",
        "object.spec.containers.exists(c, has(c.securityContext) && c.securityContext.runAsNonRoot == true)",
        1_000_000,
    );
    bench(
        "map + filter + string concat",
        "object.spec.containers.filter(c, has(c.resources)).map(c, c.name + '=' + c.resources.limits.cpu)",
        200_000,
    );
    bench(
        "quantity comparison",
        "object.spec.containers.all(c, !has(c.resources) || quantity(c.resources.limits.memory).compareTo(quantity('1Gi')) < 0)",
        200_000,
    );
}
