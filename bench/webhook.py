#!/usr/bin/env python3
"""Latency, throughput and memory of `kanon serve` under load from a second process.

Starts `kanon serve` on 127.0.0.1 with real TLS (self-signed) and 50 policies: the built-in
Pod Security defaults plus 49 validate-only Kyverno policies of ../shared/conformance/
kyverno-policies. The load generator is `oha` (`cargo install oha`); it POSTs one
AdmissionReview (a Deployment CREATE that several policies fail) to /validate:
  - at a fixed 1,000 and 2,000 requests/s: p50, p99, max latency and success rate;
  - unthrottled with 50 connections: the maximum throughput.
Then the server's peak RSS (VmHWM). Both processes share this machine's cores.
With --reference, the same loads against a server with only the built-in Pod Security
defaults: the cost of the server itself (TLS, HTTP, JSON) next to the cost of the policies.

Usage: python3 bench/webhook.py [--seconds 30] [--port 18443]

Each load runs --seconds; the first connections' TLS handshakes land in the first
milliseconds, so short runs weigh that burst more in p99 (it shows as "max").
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import ssl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from apply import kyverno_policies  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CATEGORIES = ("pod-security", "best-practices", "other", "psp-migration", "argo", "istio",
              "kasten", "flux", "cert-manager", "linkerd", "nginx-ingress", "openshift",
              "tekton", "velero", "aws", "consul", "kubecost", "karpenter", "kubevirt", "psa")

REVIEW = {
    "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
    "request": {
        "uid": "7f0b2f5e-0000-4000-8000-000000000001",
        "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
        "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
        "name": "web", "namespace": "default", "operation": "CREATE",
        "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
        "object": {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [
                                      {"name": "web", "image": "nginx:1.27",
                                       "ports": [{"containerPort": 80}],
                                       "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                                                     "limits": {"memory": "128Mi"}}},
                                      {"name": "sidecar", "image": "busybox:latest",
                                       "securityContext": {"runAsNonRoot": False}}]}}},
        },
    },
}


def oha(args, url, body, extra):
    cmd = ["oha", "--no-tui", "--insecure", "--output-format", "json", "-m", "POST",
           "-H", "Content-Type: application/json", "-D", body, "-z", f"{args.seconds}s"] + extra + [url]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--port", type=int, default=18443)
    parser.add_argument("--reference", action="store_true",
                        help="also measure a server with only the built-in Pod Security defaults")
    args = parser.parse_args()
    if shutil.which("oha") is None:
        sys.exit("oha not found: cargo install oha")

    out_dir = os.path.join(ROOT, "bench", "out")
    os.makedirs(out_dir, exist_ok=True)
    policy_dir, count = kyverno_policies(out_dir, 49, CATEGORIES, "webhook-policies")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "kanon"], cwd=ROOT, check=True)
    kanon = os.path.join(ROOT, "target", "release", "kanon")
    body = os.path.join(out_dir, "review.json")
    with open(body, "w") as f:
        json.dump(REVIEW, f)
    measure(args, kanon, body, out_dir, f"50 policies ({count} Kyverno + Pod Security)",
            ["--policies", policy_dir, "--builtin-pss"])
    if args.reference:
        measure(args, kanon, body, out_dir, "reference: the built-in Pod Security defaults only", [])


def measure(args, kanon, body, out_dir, title, policy_args):
    ca = os.path.join(out_dir, "ca.pem")
    if os.path.exists(ca):
        os.remove(ca)
    server = subprocess.Popen(
        [kanon, "serve", "--addr", f"127.0.0.1:{args.port}", "--self-signed", "localhost",
         "--ca-bundle-out", ca, "--log-format", "json"] + policy_args,
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(out_dir, "serve.log"), "w"))
    url = f"https://localhost:{args.port}/validate"
    try:
        deadline = time.time() + 30
        while True:
            try:
                context = ssl.create_default_context(cafile=ca)
                ready = urllib.request.urlopen(f"https://localhost:{args.port}/readyz", context=context).read().decode()
                break
            except Exception:
                if time.time() > deadline or server.poll() is not None:
                    sys.exit("kanon serve did not become ready; see bench/out/serve.log")
                time.sleep(0.2)
        request = urllib.request.Request(url, data=open(body, "rb").read(),
                                         headers={"Content-Type": "application/json"})
        answer = json.loads(urllib.request.urlopen(request, context=context).read())["response"]
        print(f"{title}: {ready.strip()}; sample answer: "
              f"allowed={answer['allowed']}, {len(answer.get('warnings', []))} warnings")
        print(f"{'load':<24} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'success':>8}")
        for label, extra in (("fixed 1000 req/s", ["-q", "1000", "-c", "20"]),
                             ("fixed 2000 req/s", ["-q", "2000", "-c", "40"]),
                             ("max, 50 connections", ["-c", "50"])):
            result = oha(args, url, body, extra)
            summary = result["summary"]
            percentiles = result["latencyPercentiles"]
            print(f"{label:<24} {summary['requestsPerSec']:>8.0f} {percentiles['p50'] * 1000:>8.2f} "
                  f"{percentiles['p99'] * 1000:>8.2f} {summary['slowest'] * 1000:>8.2f} "
                  f"{summary['successRate'] * 100:>7.1f}%")
        with open(f"/proc/{server.pid}/status") as status:
            for line in status:
                if line.startswith(("VmHWM", "VmRSS")):
                    print("server " + " ".join(line.split()))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
