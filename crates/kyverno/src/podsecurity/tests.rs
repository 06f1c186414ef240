//! Messages of the `podSecurity` sub-rule, against Kyverno's chainsaw expectations where they
//! exist and against the fork's field errors elsewhere.

use super::*;
use crate::{evaluate_policy, KyvernoPolicy, NoValues};
use kanon_core::GroupVersionKind;
use serde_json::json;

/// Runs a policy with one `podSecurity` rule named `pss` (for Pods, with autogen rules for
/// controllers) on a resource; returns the status and message of the first response.
fn run(pss: Value, resource: Value, exceptions: &[PolicyException]) -> (RuleStatus, String) {
    let policy = KyvernoPolicy::from_value(&json!({
        "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": "psp"},
        "spec": {"background": true, "rules": [{"name": "pss",
            "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
            "validate": {"podSecurity": pss}}]}
    }))
    .unwrap();
    let api_version = resource["apiVersion"].as_str().unwrap_or("v1");
    let kind = GroupVersionKind::from_api_version(api_version, resource["kind"].as_str().unwrap());
    let responses = evaluate_policy(
        &policy,
        &PolicyInput {
            object: &resource,
            old_object: &Value::Null,
            kind: &kind,
            subresource: "",
            operation: "CREATE",
            namespace_labels: &Default::default(),
            user: None,
            values: &NoValues,
            exceptions,
            params: &kanon_vap::NoParams,
        },
    );
    let response = responses.into_iter().next().unwrap();
    (response.status, response.message)
}

fn pod(spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "p", "namespace": "default"}, "spec": spec})
}

/// Checks that the rule fails with `detail` after the `It violates PodSecurity "...": ` part.
fn check(pss: Value, resource: Value, detail: &str) {
    let label = format!(
        "{}:{}",
        pss["level"].as_str().unwrap(),
        pss["version"].as_str().unwrap_or("")
    );
    let (status, message) = run(pss, resource, &[]);
    let rule = message.split('\'').nth(1).unwrap_or_default();
    assert_eq!(
        message,
        format!("Validation rule '{rule}' failed. It violates PodSecurity \"{label}\": {detail}")
    );
    assert_eq!(status, RuleStatus::Fail);
}

fn restricted() -> Value {
    json!({"level": "restricted", "version": "latest"})
}

fn baseline() -> Value {
    json!({"level": "baseline", "version": "latest"})
}

/// A container that passes the restricted profile, with a name and an image.
fn good(name: &str, image: &str) -> Value {
    json!({"name": name, "image": image, "securityContext": {
        "allowPrivilegeEscalation": false, "runAsNonRoot": true,
        "seccompProfile": {"type": "RuntimeDefault"}, "capabilities": {"drop": ["ALL"]}}})
}

/// `good` with extra security context fields.
fn with(mut container: Value, security_context: Value) -> Value {
    for (key, value) in security_context.as_object().unwrap() {
        container["securityContext"][key] = value.clone();
    }
    container
}

#[test]
fn capabilities_drop_required_as_in_the_chainsaw_event_test() {
    // test/conformance/chainsaw/events/clusterpolicy/message-exceeds-1024-characters
    let resource = pod(
        json!({"containers": [{"name": "container01", "image": "dummyimagename",
        "securityContext": {"allowPrivilegeEscalation": false, "runAsNonRoot": true,
                            "seccompProfile": {"type": "RuntimeDefault"}}}]}),
    );
    check(
        restricted(),
        resource,
        "(Forbidden reason: unrestricted capabilities, field error list: [spec.containers[0].securityContext.capabilities.drop: Required value])",
    );
}

/// The pod of test/conformance/chainsaw/reports/background/multiple-exceptions-with-pod-security.
fn two_init_containers() -> Value {
    let init = |name: &str, image: &str, add: Value| {
        with(
            good(name, image),
            json!({"capabilities": {"add": add, "drop": ["ALL"]}, "privileged": false}),
        )
    };
    pod(json!({
        "containers": [good("primary", "public.ecr.aws/docker/library/alpine:latest")],
        "initContainers": [
            init("init1", "public.ecr.aws/docker/library/alpine:latest", json!(["NET_ADMIN", "NET_RAW"])),
            init("init2", "public.ecr.aws/docker/library/busybox:latest", json!(["SYS_TIME"])),
        ]
    }))
}

fn exception(name: &str, image: &str, values: Value) -> PolicyException {
    PolicyException::from_value(&json!({
        "apiVersion": "kyverno.io/v2", "kind": "PolicyException",
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {
            "exceptions": [{"policyName": "psp", "ruleNames": ["pss"]}],
            "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
            "podSecurity": [{"controlName": "Capabilities", "images": [image],
                "restrictedField": "spec.initContainers[*].securityContext.capabilities.add",
                "values": values}]
        }
    }))
    .unwrap()
}

#[test]
fn exceptions_remove_the_field_errors_of_their_containers_as_in_the_chainsaw_report_test() {
    let pss = json!({"level": "baseline", "version": "v1.29"});
    let init1 = exception(
        "init1-exception-baseline",
        "public.ecr.aws/docker/library/alpine:latest",
        json!(["NET_ADMIN", "NET_RAW"]),
    );
    let init2 = exception(
        "init2-exception-baseline",
        "public.ecr.aws/docker/library/busybox:latest",
        json!(["SYS_TIME"]),
    );
    assert_eq!(
        run(pss.clone(), two_init_containers(), &[init1, init2.clone()]),
        (
            RuleStatus::Skip,
            "rule is skipped due to policy exceptions ns/init1-exception-baseline, ns/init2-exception-baseline"
                .to_owned()
        )
    );
    assert_eq!(
        run(pss, two_init_containers(), &[init2]),
        (
            RuleStatus::Fail,
            "Validation rule 'pss' failed. It violates PodSecurity \"baseline:v1.29\": (Forbidden reason: non-default capabilities, field error list: [spec.initContainers[0].securityContext.capabilities.add is forbidden, forbidden values found: [NET_ADMIN NET_RAW]])"
                .to_owned()
        )
    );
}

#[test]
fn an_exception_without_pod_security_entries_skips_the_rule() {
    let exception = PolicyException::from_value(&json!({
        "apiVersion": "kyverno.io/v2", "kind": "PolicyException", "metadata": {"name": "all"},
        "spec": {"exceptions": [{"policyName": "psp", "ruleNames": ["pss"]}],
                 "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}}
    }))
    .unwrap();
    assert_eq!(
        run(restricted(), two_init_containers(), &[exception]),
        (
            RuleStatus::Skip,
            "rule is skipped due to policy exception all".to_owned()
        )
    );
}

#[test]
fn restricted_runs_baseline_checks_too_in_check_id_order() {
    let resource = pod(json!({"hostIPC": true, "containers": [
        {"name": "a", "image": "a", "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}}
    ]}));
    check(
        restricted(),
        resource,
        "(Forbidden reason: allowPrivilegeEscalation != false, field error list: [spec.containers[0].securityContext.allowPrivilegeEscalation is forbidden, forbidden values found: nil])\
         (Forbidden reason: non-default capabilities, field error list: [spec.containers[0].securityContext.capabilities.add is forbidden, forbidden values found: [NET_ADMIN]])\
         (Forbidden reason: unrestricted capabilities, field error list: [spec.containers[0].securityContext.capabilities.drop: Required value, spec.containers[0].securityContext.capabilities.add is forbidden, forbidden values found: [NET_ADMIN]])\
         (Forbidden reason: host namespaces, field error list: [spec.hostIPC is forbidden, forbidden values found: true])\
         (Forbidden reason: runAsNonRoot != true, field error list: [spec.containers[0].securityContext.runAsNonRoot: Required value])\
         (Forbidden reason: seccompProfile, field error list: [spec.containers[0].securityContext.seccompProfile.type: Required value])",
    );
}

#[test]
fn allow_privilege_escalation_errors_distinguish_unset_context_unset_field_and_true() {
    let resource = pod(json!({"securityContext": {"runAsNonRoot": true,
        "seccompProfile": {"type": "RuntimeDefault"}},
    "initContainers": [{"name": "i", "image": "i", "securityContext": {"capabilities": {"drop": ["ALL"]}}}],
    "containers": [
        with(good("a", "a"), json!({"allowPrivilegeEscalation": true})),
        {"name": "b", "image": "b"}
    ]}));
    check(
        restricted(),
        resource,
        "(Forbidden reason: allowPrivilegeEscalation != false, field error list: [spec.initContainers[0].securityContext.allowPrivilegeEscalation is forbidden, forbidden values found: nil, spec.containers[0].securityContext.allowPrivilegeEscalation is forbidden, forbidden values found: true, spec.containers[1].securityContext.allowPrivilegeEscalation: Required value])\
         (Forbidden reason: unrestricted capabilities, field error list: [spec.containers[1].securityContext.capabilities.drop: Required value])",
    );
}

#[test]
fn capability_lists_print_as_sorted_sets() {
    let resource = pod(json!({"containers": [with(good("a", "a"),
        json!({"capabilities": {"drop": ["NET_RAW", "CHOWN", "NET_RAW"], "add": ["SYS_TIME", "NET_BIND_SERVICE", "CHOWN"]}}))]}));
    check(
        restricted(),
        resource,
        "(Forbidden reason: non-default capabilities, field error list: [spec.containers[0].securityContext.capabilities.add is forbidden, forbidden values found: [SYS_TIME]])\
         (Forbidden reason: unrestricted capabilities, field error list: [spec.containers[0].securityContext.capabilities.drop is forbidden, forbidden values found: [CHOWN NET_RAW], spec.containers[0].securityContext.capabilities.add is forbidden, forbidden values found: [CHOWN SYS_TIME]])",
    );
}

#[test]
fn baseline_container_fields() {
    let resource = pod(json!({"containers": [
        {"name": "a", "image": "a", "ports": [{"containerPort": 80}, {"containerPort": 443, "hostPort": 8443}],
         "securityContext": {"privileged": true, "procMount": "Unmasked",
                             "windowsOptions": {"hostProcess": true}}},
        {"name": "b", "image": "b", "securityContext": {"seLinuxOptions": {"role": "r"},
                             "seccompProfile": {"type": "Unconfined"}, "appArmorProfile": {"type": "Unconfined"}}}
    ]}));
    check(
        baseline(),
        resource,
        "(Forbidden reason: forbidden AppArmor profile, field error list: [spec.containers[1].securityContext.appArmorProfile.type is forbidden, forbidden values found: Unconfined])\
         (Forbidden reason: hostPort, field error list: [spec.containers[0].ports[1].hostPort is forbidden, forbidden values found: 8443])\
         (Forbidden reason: privileged, field error list: [spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])\
         (Forbidden reason: procMount, field error list: [spec.containers[0].securityContext.procMount is forbidden, forbidden values found: Unmasked])\
         (Forbidden reason: seLinuxOptions, field error list: [spec.containers[1].securityContext.seLinuxOptions.role is forbidden, forbidden values found: r])\
         (Forbidden reason: seccompProfile, field error list: [spec.containers[1].securityContext.seccompProfile.type is forbidden, forbidden values found: Unconfined])\
         (Forbidden reason: hostProcess, field error list: [spec.containers[0].securityContext.windowsOptions.hostProcess is forbidden, forbidden values found: true])",
    );
}

#[test]
fn baseline_pod_fields() {
    let resource = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "annotations": {
            "container.apparmor.security.beta.kubernetes.io/a": "unconfined",
            "container.apparmor.security.beta.kubernetes.io/b": "runtime/default"}},
        "spec": {"hostNetwork": true, "hostPID": true,
            "securityContext": {"appArmorProfile": {"type": "Unconfined"},
                "seLinuxOptions": {"type": "spc_t", "user": "u"},
                "seccompProfile": {"type": "Unconfined"},
                "sysctls": [{"name": "kernel.shm_rmid_forced", "value": "0"}, {"name": "kernel.msgmax", "value": "1"}],
                "windowsOptions": {"hostProcess": true}},
            "containers": [{"name": "a", "image": "a", "ports": [{"containerPort": 80}]}],
            "volumes": [{"name": "v", "hostPath": {"path": "/var"}}, {"name": "w", "hostPath": {}}]}});
    // No hostPort from containerPort: Kyverno sees the object as written. Every `metadata`
    // in a path becomes `spec.template.metadata`, even for a Pod.
    check(
        baseline(),
        resource,
        "(Forbidden reason: forbidden AppArmor profiles, field error list: [spec.securityContext.appArmorProfile.type is forbidden, forbidden values found: Unconfined, spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/a] is forbidden, forbidden values found: unconfined])\
         (Forbidden reason: host namespaces, field error list: [spec.hostNetwork is forbidden, forbidden values found: true, spec.hostPID is forbidden, forbidden values found: true])\
         (Forbidden reason: hostPath volumes, field error list: [spec.volumes[0].hostPath is forbidden, forbidden values found: /var, spec.volumes[1].hostPath: Forbidden])\
         (Forbidden reason: seLinuxOptions, field error list: [spec.securityContext.seLinuxOptions.type is forbidden, forbidden values found: spc_t, spec.securityContext.seLinuxOptions.user is forbidden, forbidden values found: u])\
         (Forbidden reason: seccompProfile, field error list: [spec.securityContext.seccompProfile.type is forbidden, forbidden values found: Unconfined])\
         (Forbidden reason: forbidden sysctls, field error list: [spec.securityContext.sysctls[1].name is forbidden, forbidden values found: kernel.msgmax])\
         (Forbidden reason: hostProcess, field error list: [spec.securityContext.windowsOptions.hostProcess is forbidden, forbidden values found: true])",
    );
}

#[test]
fn versions_pick_each_checks_behaviour_up_to_the_forks_v1_34() {
    let resource = || {
        pod(
            json!({"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_rmem", "value": "1"}]},
            "containers": [{"name": "a", "image": "a",
                "securityContext": {"seLinuxOptions": {"type": "container_engine_t"}}}]}),
        )
    };
    check(
        json!({"level": "baseline", "version": "v1.30"}),
        resource(),
        "(Forbidden reason: seLinuxOptions, field error list: [spec.containers[0].securityContext.seLinuxOptions.type is forbidden, forbidden values found: container_engine_t])\
         (Forbidden reason: forbidden sysctls, field error list: [spec.securityContext.sysctls[0].name is forbidden, forbidden values found: net.ipv4.tcp_rmem])",
    );
    assert_eq!(run(baseline(), resource(), &[]).0, RuleStatus::Pass);
    // v1.35 relaxes procMount in user namespaces; the fork does not.
    let user_namespace = pod(
        json!({"hostUsers": false, "containers": [{"name": "a", "image": "a",
        "securityContext": {"procMount": "Unmasked"}}]}),
    );
    check(
        json!({"level": "baseline", "version": "v1.35"}),
        user_namespace,
        "(Forbidden reason: procMount, field error list: [spec.containers[0].securityContext.procMount is forbidden, forbidden values found: Unmasked])",
    );
}

#[test]
fn seccomp_annotations_before_v1_19() {
    let resource = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "annotations": {
            "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
            "container.seccomp.security.alpha.kubernetes.io/a": "runtime/default"}},
        "spec": {"containers": [{"name": "a", "image": "a"}]}});
    check(
        json!({"level": "baseline", "version": "v1.18"}),
        resource,
        "(Forbidden reason: seccompProfile, field error list: [spec.template.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod] is forbidden, forbidden values found: unconfined])",
    );
}

#[test]
fn restricted_pod_fields_and_volume_types() {
    // Both seccomp checks run: the fork's restricted level does not drop the baseline checks
    // that restricted ones replace.
    let resource = pod(json!({
        "securityContext": {"runAsNonRoot": false, "runAsUser": 0,
                            "seccompProfile": {"type": "Unconfined"}},
        "containers": [good("a", "a"), with(good("b", "b"), json!({"runAsUser": 0}))],
        "volumes": [{"name": "c", "configMap": {"name": "c"}}, {"name": "n", "nfs": {"server": "s", "path": "/"}},
                    {"name": "e", "awsElasticBlockStore": null}]}));
    // A volume without a source is not defaulted to emptyDir: the fork calls it `unknown`.
    check(
        restricted(),
        resource,
        "(Forbidden reason: restricted volume types, field error list: [spec.volumes[1].nfs: Forbidden, spec.volumes[2].unknown: Forbidden])\
         (Forbidden reason: runAsNonRoot != true, field error list: [spec.securityContext.runAsNonRoot is forbidden, forbidden values found: false])\
         (Forbidden reason: runAsUser=0, field error list: [spec.securityContext.runAsUser is forbidden, forbidden values found: 0, spec.containers[1].securityContext.runAsUser is forbidden, forbidden values found: 0])\
         (Forbidden reason: seccompProfile, field error list: [spec.securityContext.seccompProfile.type is forbidden, forbidden values found: Unconfined])\
         (Forbidden reason: seccompProfile, field error list: [spec.securityContext.seccompProfile.type is forbidden, forbidden values found: Unconfined])",
    );
}

#[test]
fn run_as_non_root_lists_explicit_then_implicit_containers() {
    let resource = pod(json!({"securityContext": {"runAsNonRoot": false},
        "containers": [with(good("a", "a"), json!({"runAsNonRoot": false})),
                       with(good("b", "b"), json!({"runAsNonRoot": null}))]}));
    check(
        restricted(),
        resource,
        "(Forbidden reason: runAsNonRoot != true, field error list: [spec.securityContext.runAsNonRoot is forbidden, forbidden values found: false, spec.containers[0].securityContext.runAsNonRoot is forbidden, forbidden values found: false, spec.containers[1].securityContext.runAsNonRoot: Required value])",
    );
}

#[test]
fn probe_hosts_have_no_field_errors() {
    let resource = pod(json!({"containers": [{"name": "a", "image": "a",
        "livenessProbe": {"httpGet": {"host": "example.com", "port": 80}}}]}));
    check(
        baseline(),
        resource,
        "(Forbidden reason: probe or lifecycle host, field error list: [])",
    );
}

#[test]
fn controller_paths_replace_every_spec() {
    let template = json!({"metadata": {"annotations": {
            "container.apparmor.security.beta.kubernetes.io/a": "unconfined"}},
        "spec": {"containers": [{"name": "a", "image": "a", "securityContext": {"privileged": true}}]}});
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "d"}, "spec": {"template": template}});
    check(
        baseline(),
        deployment,
        "(Forbidden reason: forbidden AppArmor profile, field error list: [spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/a] is forbidden, forbidden values found: unconfined])\
         (Forbidden reason: privileged, field error list: [spec.template.spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])",
    );
    let cron_job = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
        "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [
            {"name": "inspector", "image": "a", "securityContext": {"privileged": true}}]}}}}}});
    check(
        baseline(),
        cron_job,
        "(Forbidden reason: privileged, field error list: [spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])",
    );
    assert_eq!(
        reported_field("metadata.annotations[x/inspector]", "Deployment"),
        "spec.template.metadata.annotations[x/inspec.template.spector]"
    );
}

#[test]
fn the_message_quotes_level_and_version_as_written() {
    let resource = pod(json!({"containers": [{"name": "a", "image": "a",
        "securityContext": {"privileged": true}}]}));
    check(
        json!({"level": "baseline"}),
        resource,
        "(Forbidden reason: privileged, field error list: [spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])",
    );
}

#[test]
fn container_level_exclusion_by_image() {
    // kyverno-policies pod-security/subrule/restricted/restricted-exclude-capabilities
    let pss = json!({"level": "restricted", "version": "latest", "exclude": [
        {"controlName": "Capabilities", "images": ["ghcr.io/kyverno/test-nginx*", "redis*"]}]});
    let resource = |image: &str| {
        pod(json!({"containers": [
            with(good("a", image), json!({"capabilities": {"add": ["SYS_ADMIN"]}})),
            good("b", "busybox")]}))
    };
    assert_eq!(
        run(pss.clone(), resource("ghcr.io/kyverno/test-nginx:1"), &[]),
        (RuleStatus::Pass, "Validation rule 'pss' passed.".to_owned())
    );
    check(
        pss,
        resource("nginx"),
        "(Forbidden reason: non-default capabilities, field error list: [spec.containers[0].securityContext.capabilities.add is forbidden, forbidden values found: [SYS_ADMIN]])\
         (Forbidden reason: unrestricted capabilities, field error list: [spec.containers[0].securityContext.capabilities.drop: Required value, spec.containers[0].securityContext.capabilities.add is forbidden, forbidden values found: [SYS_ADMIN]])",
    );
}

#[test]
fn container_level_exclusion_matches_containers_by_name() {
    // The reduced pod holds only the matching container, at index 0; the full pod's error at
    // index 1 is removed because the container names agree.
    let pss = json!({"level": "baseline", "version": "latest", "exclude": [
        {"controlName": "Privileged Containers", "images": ["trusted/*"],
         "restrictedField": "spec.containers[*].securityContext.privileged", "values": ["true"]}]});
    let privileged = |name: &str, image: &str| json!({"name": name, "image": image, "securityContext": {"privileged": true}});
    check(
        pss,
        pod(json!({"containers": [privileged("a", "other"), privileged("b", "trusted/b")]})),
        "(Forbidden reason: privileged, field error list: [spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])",
    );
}

#[test]
fn container_level_exclusion_leaves_pod_level_errors() {
    // The reduced pod has no pod-level security context: its container error matches the
    // full pod's container error, and the pod's own error stays.
    let pss = json!({"level": "restricted", "version": "latest", "exclude": [
        {"controlName": "Running as Non-root", "images": ["nginx"]}]});
    let resource = pod(json!({"securityContext": {"runAsNonRoot": false},
        "containers": [with(good("web", "nginx"), json!({"runAsNonRoot": null}))]}));
    check(
        pss,
        resource,
        "(Forbidden reason: runAsNonRoot != true, field error list: [spec.securityContext.runAsNonRoot is forbidden, forbidden values found: false])",
    );
}

#[test]
fn pod_level_exclusion_with_restricted_field_and_values() {
    let pss = json!({"level": "baseline", "version": "latest", "exclude": [
        {"controlName": "Host Namespaces", "restrictedField": "spec.hostNetwork", "values": ["true"]}]});
    check(
        pss,
        pod(json!({"hostNetwork": true, "hostIPC": true, "containers": [{"name": "a", "image": "a"}]})),
        "(Forbidden reason: host namespaces, field error list: [spec.hostIPC is forbidden, forbidden values found: true])",
    );
}

#[test]
fn values_must_match_every_bad_value_of_an_error() {
    let pss = json!({"level": "baseline", "version": "latest", "exclude": [
        {"controlName": "Capabilities", "images": ["*"],
         "restrictedField": "spec.containers[*].securityContext.capabilities.add",
         "values": ["NET_ADMIN"]}]});
    check(
        pss,
        pod(json!({"containers": [{"name": "a", "image": "a",
            "securityContext": {"capabilities": {"add": ["NET_ADMIN", "SYS_TIME"]}}}]})),
        "(Forbidden reason: non-default capabilities, field error list: [spec.containers[0].securityContext.capabilities.add is forbidden, forbidden values found: [NET_ADMIN SYS_TIME]])",
    );
}

#[test]
fn removed_errors_are_swapped_with_the_last_one() {
    // Sysctls paths are wildcarded: the first excluded error removes the first error; the
    // last error moves into its place.
    let pss = json!({"level": "baseline", "version": "latest", "exclude": [
        {"controlName": "Sysctls", "restrictedField": "spec.securityContext.sysctls[*].name",
         "values": ["kernel.msg*"]}]});
    let sysctls: Vec<Value> = ["kernel.msgmax", "kernel.sem", "vm.swappiness"]
        .iter()
        .map(|name| json!({"name": name, "value": "1"}))
        .collect();
    check(
        pss,
        pod(json!({"securityContext": {"sysctls": sysctls}, "containers": [{"name": "a", "image": "a"}]})),
        "(Forbidden reason: forbidden sysctls, field error list: [spec.securityContext.sysctls[2].name is forbidden, forbidden values found: vm.swappiness, spec.securityContext.sysctls[1].name is forbidden, forbidden values found: kernel.sem])",
    );
}

#[test]
fn pod_level_exclusion_removes_one_container_error_per_fake_container_error() {
    // The reduced pod's single `fake` container yields one error, which removes one of the
    // two container errors with the same wildcarded path.
    let pss = json!({"level": "restricted", "version": "latest", "exclude": [
        {"controlName": "Running as Non-root"}]});
    let resource = pod(json!({"containers": [
        with(good("a", "a"), json!({"runAsNonRoot": null})),
        with(good("b", "b"), json!({"runAsNonRoot": null}))]}));
    check(
        pss,
        resource,
        "(Forbidden reason: runAsNonRoot != true, field error list: [spec.containers[1].securityContext.runAsNonRoot: Required value])",
    );
}

#[test]
fn excluding_every_error_passes() {
    let pss = json!({"level": "baseline", "version": "latest", "exclude": [
        {"controlName": "Host Namespaces"}, {"controlName": "HostPath Volumes"}]});
    let resource = pod(
        json!({"hostPID": true, "containers": [{"name": "a", "image": "a"}],
        "volumes": [{"name": "v", "hostPath": {"path": "/"}}]}),
    );
    assert_eq!(
        run(pss, resource, &[]),
        (RuleStatus::Pass, "Validation rule 'pss' passed.".to_owned())
    );
}

#[test]
fn field_parsing_wildcards_numbers_and_finds_containers() {
    assert_eq!(
        parse_field("spec.initContainers[12].ports[3].hostPort", true),
        (
            "spec.initContainers[*].ports[*].hostPort".to_owned(),
            Some(("initContainers", 12))
        )
    );
    assert_eq!(
        parse_field(
            "metadata.annotations[container.apparmor.security.beta.kubernetes.io/web2]",
            true
        ),
        (
            "metadata.annotations[container.apparmor.security.beta.kubernetes.io/web*]".to_owned(),
            None
        )
    );
    assert_eq!(
        parse_field("spec.containers[0].securityContext.privileged", false),
        (
            "spec.containers[*].securityContext.privileged".to_owned(),
            None
        )
    );
}
