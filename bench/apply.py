#!/usr/bin/env python3
"""Throughput and memory of `kanon apply` on a generated 100k-document corpus.

Generates the corpus with ../shared/corpus/gen_corpus.py (once, cached under bench/out/),
builds kanon in release mode, then times in one run, alternating:
  - the floor: `kanon apply --parse-only` (same reading, parsing and threading, no evaluation)
  - `kanon apply -o table` on the built-in defaults (PSS baseline enforced, restricted warned;
    `--input-policies ignore`: the ValidatingAdmissionPolicies among the corpus's real-world
    manifests are evaluated as resources, not applied)
  - `kanon apply -o yaml` (PolicyReports: all findings held until the end)
  - `kanon apply -p <20 Kyverno policies>`: the validate-only pod-security and best-practices
    policies of ../shared/conformance/kyverno-policies (policy-evaluations/s = documents x policies)
  - the Pod Security editions of that library: patterns (pod-security), `validate.cel` rules
    (pod-security-cel) and ValidatingPolicies (pod-security-vpol), compared with the patterns
  - Gatekeeper: every template of ../shared/conformance/gatekeeper-library with its sample
    constraints, and the pod-security-policy templates alone, compared with the built-in PSS run
and reports documents/s, peak RSS, CPU use (user+sys over wall: 2.0 means both cores busy)
and the ratio of each to the floor. Wall times are medians of --runs runs.

Usage: python3 bench/apply.py [--count 100000] [--runs 3] [--seed 1] [--only REGEX]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


def run(cmd, out_path):
    """Runs cmd with stdout to out_path; returns (wall, user+sys, max_rss_kib, exit_code, stderr)."""
    start = time.perf_counter()
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        stderr = proc.stderr.read().decode(errors="replace")
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, code, stderr


def kyverno_policies(out_dir, count, categories=("pod-security", "best-practices"), name="kyverno-policies"):
    """Copies up to `count` validate-only Kyverno policies of these library categories."""
    import glob
    import shutil
    target = os.path.join(out_dir, name)
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    chosen = 0
    library = os.path.join(SHARED, "conformance", "kyverno-policies")
    for category in categories:
        for path in sorted(glob.glob(os.path.join(library, category, "**", "*.yaml"), recursive=True)):
            if "/." in path or chosen >= count:
                continue
            text = open(path, encoding="utf-8").read()
            if "kind: ClusterPolicy" not in text and "kind: Policy" not in text:
                continue
            if any(word in text for word in ("mutate:", "generate:", "verifyImages:", "cel:")):
                continue
            shutil.copy(path, os.path.join(target, f"{chosen:02d}-{os.path.basename(path)}"))
            chosen += 1
    return target, chosen


def edition(out_dir, name, categories):
    """Copies the policy files of the Pod Security editions of the suite (patterns, CEL rules,
    ValidatingPolicies), skipping their test folders."""
    import glob
    import shutil
    target = os.path.join(out_dir, name)
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    library = os.path.join(SHARED, "conformance", "kyverno-policies")
    count = 0
    for category in categories:
        for path in sorted(glob.glob(os.path.join(library, category, "**", "*.yaml"), recursive=True)):
            if "/." in path:
                continue
            shutil.copy(path, os.path.join(target, f"{count:02d}-{os.path.basename(path)}"))
            count += 1
    return target, count


def gatekeeper(out_dir, name, categories):
    """Copies the templates and sample constraints of these gatekeeper-library categories;
    returns (dir, templates, constraints)."""
    import glob
    import shutil
    target = os.path.join(out_dir, name)
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    library = os.path.join(SHARED, "conformance", "gatekeeper-library", "library")
    templates = constraints = 0
    for category in categories:
        for folder in sorted(glob.glob(os.path.join(library, category, "*"))):
            policy = os.path.basename(folder)
            shutil.copy(os.path.join(folder, "template.yaml"), os.path.join(target, f"{policy}-template.yaml"))
            templates += 1
            for constraint in sorted(glob.glob(os.path.join(folder, "samples", "*", "constraint.yaml"))):
                sample = os.path.basename(os.path.dirname(constraint))
                shutil.copy(constraint, os.path.join(target, f"{policy}-{sample}-constraint.yaml"))
                constraints += 1
    return target, templates, constraints


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", help="run only the variants whose name matches (the floor and PSS always run)")
    args = parser.parse_args()

    out_dir = os.path.join(ROOT, "bench", "out")
    corpus = os.path.join(out_dir, f"corpus{args.count}-seed{args.seed}")
    os.makedirs(out_dir, exist_ok=True)
    if not os.path.isdir(corpus):
        print(f"generating {args.count} documents into {corpus} ...", file=sys.stderr)
        subprocess.run(
            [sys.executable, os.path.join(SHARED, "corpus", "gen_corpus.py"),
             "--count", str(args.count), "--out", corpus, "--seed", str(args.seed)],
            check=True,
        )
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(corpus) for f in fs)
    files = sum(len(fs) for _, _, fs in os.walk(corpus))

    subprocess.run(["cargo", "build", "--release", "-q", "-p", "kanon"], cwd=ROOT, check=True)
    kanon = os.path.join(ROOT, "target", "release", "kanon")

    policy_dir, n_policies = kyverno_policies(out_dir, 20)
    variants = {
        "parse-only (floor)": [kanon, "apply", "-f", corpus, "--parse-only", "-o", "table"],
        "apply -o table": [kanon, "apply", "-f", corpus, "-o", "table", "--input-policies", "ignore"],
        "apply -o yaml": [kanon, "apply", "-f", corpus, "-o", "yaml", "--input-policies", "ignore"],
        f"kyverno x{n_policies}": [kanon, "apply", "-f", corpus, "-p", policy_dir, "-o", "table"],
    }
    editions = {
        "pss patterns": edition(out_dir, "pss-patterns", ["pod-security/baseline", "pod-security/restricted"]),
        "pss validate.cel": edition(out_dir, "pss-cel", ["pod-security-cel"]),
        "pss vpol": edition(out_dir, "pss-vpol", ["pod-security-vpol"]),
    }
    for name, (directory, count) in editions.items():
        variants[f"{name} x{count}"] = [kanon, "apply", "-f", corpus, "-p", directory, "-o", "table"]
    gk = {
        "gatekeeper all": gatekeeper(out_dir, "gatekeeper-all", ["general", "pod-security-policy"]),
        "gatekeeper psp": gatekeeper(out_dir, "gatekeeper-psp", ["pod-security-policy"]),
    }
    for name, (directory, templates, constraints) in gk.items():
        variants[f"{name} x{constraints}"] = [kanon, "apply", "-f", corpus, "-p", directory, "-o", "table"]
    # The same pod-security-policy templates on their Rego entries only.
    psp_dir, psp_templates, psp_constraints = gk["gatekeeper psp"]
    gk["gatekeeper psp rego"] = gk["gatekeeper psp"]
    variants[f"gatekeeper psp rego x{psp_constraints}"] = [
        kanon, "apply", "-f", corpus, "-p", psp_dir, "-o", "table", "--gatekeeper-engine", "rego"]
    if args.only:
        import re
        keep = re.compile(args.only)
        variants = {n: c for n, c in variants.items()
                    if n in ("parse-only (floor)", "apply -o table") or keep.search(n)}
    results = {name: [] for name in variants}
    sink = os.path.join(out_dir, "last-output")
    for _ in range(args.runs):
        for name, cmd in variants.items():
            wall, cpu, rss, code, stderr = run(cmd, sink)
            if code not in (0, 1):
                print(f"{name}: exit {code}\n{stderr}", file=sys.stderr)
                sys.exit(1)
            results[name].append((wall, cpu, rss))

    cores = os.cpu_count()
    print(f"corpus: {args.count} documents, {files} files, {size / 1e6:.1f} MB; {cores} cores; median of {args.runs} runs")
    floor = statistics.median(w for w, _, _ in results["parse-only (floor)"])
    print(f"{'variant':<22} {'wall s':>7} {'docs/s':>9} {'MB/s':>7} {'cpu/wall':>8} {'peak RSS':>9} {'vs floor':>8}")
    pss = statistics.median(w for w, _, _ in results["apply -o table"])
    for name, runs in results.items():
        wall = statistics.median(w for w, _, _ in runs)
        cpu = statistics.median(c for _, c, _ in runs)
        rss = max(r for _, _, r in runs)
        print(f"{name:<22} {wall:>7.2f} {args.count / wall:>9.0f} {size / 1e6 / wall:>7.1f} "
              f"{cpu / wall:>8.2f} {rss / 1024:>7.0f}MB {wall / floor:>7.2f}x")
    for name, (_, templates, constraints) in gk.items():
        key = f"{name} x{constraints}"
        if key not in results:
            continue
        wall = statistics.median(w for w, _, _ in results[key])
        print(f"{name}: {templates} templates, {constraints} constraints, {args.count / wall:.0f} docs/s, "
              f"{args.count * constraints / wall:.0f} documents x constraints/s, {wall / pss:.2f}x the built-in PSS run")
    if f"kyverno x{n_policies}" not in results:
        return
    kyverno = statistics.median(w for w, _, _ in results[f"kyverno x{n_policies}"])
    print(f"kyverno: {n_policies} policies, {args.count * n_policies / kyverno:.0f} policy-evaluations/s, "
          f"{kyverno / pss:.2f}x the PSS-only run")
    walls = {name: statistics.median(w for w, _, _ in results[f"{name} x{count}"])
             for name, (_, count) in editions.items()}
    patterns = walls["pss patterns"]
    for name in ("pss validate.cel", "pss vpol"):
        print(f"{name}: {walls[name]:.2f} s vs patterns {patterns:.2f} s = {walls[name] / patterns:.2f}x")


if __name__ == "__main__":
    main()
