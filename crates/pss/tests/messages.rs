//! Pins the full wording of every check, as Pod Security Admission words it, in snapshots.

use kanon_core::{manifest, EvalContext, Operation, Policy, Verdict};
use kanon_pss::{LevelVersion, NamespacePolicy, PodSecurity, PssConfig};

/// The enforce message for a Pod (given as YAML) at a level and version, or `allowed`.
fn check(level_version: &str, pod: &str) -> String {
    let lv = LevelVersion::parse(level_version).unwrap();
    let policy = PodSecurity::new(PssConfig {
        fixed: Some(NamespacePolicy {
            enforce: lv,
            ..NamespacePolicy::PRIVILEGED
        }),
        ..PssConfig::default()
    });
    let mut manifests = Vec::new();
    let metadata = if pod.starts_with("metadata:") {
        ""
    } else {
        "metadata:\n  name: p\n"
    };
    let text = format!("apiVersion: v1\nkind: Pod\n{metadata}{pod}");
    manifest::load_str(&text, "t".into(), &Default::default(), &mut |m| {
        manifests.push(m.unwrap())
    });
    let request = manifests.remove(0).into_request(Operation::Create, "ns");
    let mut out = Vec::new();
    policy.evaluate(
        &EvalContext {
            request: &request,
            namespace_labels: None,
        },
        &mut out,
    );
    match out.iter().find(|f| f.verdict != Verdict::Pass) {
        Some(f) => f.message.clone(),
        None => "allowed".to_owned(),
    }
}

macro_rules! snapshot {
    ($name:ident, $lv:expr, $pod:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(check($lv, $pod));
        }
    };
}

snapshot!(
    privileged_plural,
    "baseline:latest",
    "spec:
  containers:
  - {name: a, securityContext: {privileged: true}}
  - {name: b, securityContext: {privileged: true}}
  - {name: c, securityContext: {privileged: false}}
"
);

snapshot!(
    host_namespaces,
    "baseline:latest",
    "spec:
  hostNetwork: true
  hostPID: true
  hostIPC: true
  containers: [{name: a}]
"
);

snapshot!(
    host_path_volumes,
    "baseline:latest",
    "spec:
  containers: [{name: a}]
  volumes:
  - {name: root, hostPath: {path: /}}
  - {name: cache, emptyDir: {}}
"
);

snapshot!(
    host_ports_sorted_as_strings,
    "baseline:latest",
    "spec:
  initContainers:
  - {name: init, ports: [{containerPort: 9, hostPort: 9}]}
  containers:
  - {name: a, ports: [{containerPort: 80, hostPort: 8080}, {containerPort: 81, hostPort: 10}]}
  - {name: b, ports: [{containerPort: 82}]}
"
);

snapshot!(
    host_network_defaults_host_ports_on_pods,
    "baseline:latest",
    "spec:
  hostNetwork: true
  containers:
  - {name: a, ports: [{containerPort: 8080}]}
"
);

snapshot!(
    probe_and_lifecycle_hosts,
    "baseline:v1.34",
    "spec:
  containers:
  - name: b
    livenessProbe: {httpGet: {host: example.com, port: 80}}
    lifecycle: {preStop: {tcpSocket: {host: 10.0.0.1, port: 22}}}
  - name: a
    readinessProbe: {tcpSocket: {host: example.com, port: 80}}
"
);

snapshot!(
    probe_hosts_not_checked_before_v1_34,
    "baseline:v1.33",
    "spec:
  containers:
  - name: a
    livenessProbe: {httpGet: {host: example.com, port: 80}}
"
);

snapshot!(
    capabilities_baseline,
    "baseline:latest",
    "spec:
  containers:
  - {name: a, securityContext: {capabilities: {add: [SYS_ADMIN, NET_RAW, CHOWN]}}}
"
);

snapshot!(
    proc_mount,
    "baseline:latest",
    "spec:
  containers:
  - {name: a, securityContext: {procMount: Unmasked}}
"
);

snapshot!(
    proc_mount_allowed_in_user_namespace_from_v1_35,
    "baseline:v1.35",
    "spec:
  hostUsers: false
  containers:
  - {name: a, securityContext: {procMount: Unmasked}}
"
);

snapshot!(
    selinux_options,
    "baseline:latest",
    "spec:
  securityContext: {seLinuxOptions: {type: spc_t}}
  containers:
  - {name: a, securityContext: {seLinuxOptions: {user: sysadm_u, role: sysadm_r}}}
  - {name: b, securityContext: {seLinuxOptions: {type: container_engine_t}}}
"
);

snapshot!(
    selinux_container_engine_type_before_v1_31,
    "baseline:v1.30",
    "spec:
  containers:
  - {name: b, securityContext: {seLinuxOptions: {type: container_engine_t}}}
"
);

snapshot!(
    seccomp_annotations_before_v1_19,
    "baseline:v1.18",
    "metadata:
  name: p
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: unconfined
    container.seccomp.security.alpha.kubernetes.io/a: \"weird\\\"value\"
spec:
  containers: [{name: a}]
"
);

snapshot!(
    seccomp_baseline_field,
    "baseline:latest",
    "spec:
  securityContext: {seccompProfile: {type: Unconfined}}
  containers:
  - {name: a, securityContext: {seccompProfile: {type: Unconfined}}}
  - {name: b, securityContext: {seccompProfile: {}}}
"
);

snapshot!(
    sysctls,
    "baseline:v1.36",
    "spec:
  securityContext:
    sysctls:
    - {name: kernel.msgmax, value: '1'}
    - {name: net.ipv4.tcp_rmem, value: '4096'}
    - {name: net.ipv4.tcp_notsent_lowat, value: '1'}
  containers: [{name: a}]
"
);

snapshot!(
    windows_host_process,
    "baseline:latest",
    "spec:
  securityContext: {windowsOptions: {hostProcess: true}}
  containers:
  - {name: a, securityContext: {windowsOptions: {hostProcess: true}}}
"
);

snapshot!(
    apparmor,
    "baseline:latest",
    "metadata:
  name: p
  annotations:
    container.apparmor.security.beta.kubernetes.io/b: unconfined
    container.apparmor.security.beta.kubernetes.io/a: localhost/ok
spec:
  securityContext: {appArmorProfile: {type: Unconfined}}
  containers:
  - {name: a, securityContext: {appArmorProfile: {type: Localhost, localhostProfile: x}}}
"
);

snapshot!(
    restricted_on_an_unhardened_pod,
    "restricted:latest",
    "spec:
  containers: [{name: a}]
  initContainers: [{name: i}]
"
);

snapshot!(
    restricted_explicit_bad_values,
    "restricted:latest",
    "spec:
  securityContext: {runAsNonRoot: false, runAsUser: 0, seccompProfile: {type: Unconfined}}
  containers:
  - name: a
    securityContext:
      allowPrivilegeEscalation: true
      runAsNonRoot: false
      runAsUser: 0
      capabilities: {add: [NET_BIND_SERVICE, SYS_TIME], drop: [NET_RAW]}
  volumes:
  - {name: v1, nfs: {server: s, path: /}}
  - {name: v2, hostPath: {path: /}}
  - {name: v3, gitRepo: {repository: r}}
  - {name: v4}
"
);

snapshot!(
    restricted_before_v1_22_keeps_baseline_capabilities,
    "restricted:v1.21",
    "spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - {name: a, securityContext: {allowPrivilegeEscalation: false, capabilities: {add: [SYS_ADMIN]}}}
"
);

snapshot!(
    restricted_windows_pod_exemptions,
    "restricted:latest",
    "spec:
  os: {name: windows}
  securityContext: {runAsNonRoot: true}
  containers: [{name: a}]
"
);

snapshot!(restricted_user_namespace_relaxations, "restricted:v1.35", "spec:
  hostUsers: false
  securityContext: {runAsNonRoot: false, runAsUser: 0, seccompProfile: {type: RuntimeDefault}}
  containers:
  - {name: a, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, procMount: Unmasked}}
");

snapshot!(
    mistyped_field_is_an_error,
    "baseline:latest",
    "spec:
  containers:
  - {name: a, securityContext: {privileged: 'yes'}}
"
);
