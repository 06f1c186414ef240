//! A borrowed, typed view of the fields of a pod that the checks read.
//!
//! Built in one pass over the object, so that every check reads plain fields instead of
//! walking JSON. Building it applies the API server's defaulting that Pod Security Admission
//! relies on (a volume with no source is `emptyDir`; on a Pod with `hostNetwork`, container
//! ports get `hostPort = containerPort`), and fails with a [`FieldError`] when a field the
//! checks need has the wrong type, since the API server would reject such an object.

use kanon_core::object::{get_array, get_bool, get_i64, get_object, get_str, FieldError};
use serde_json::{Map, Value};

type Object = Map<String, Value>;

/// The pod-level `securityContext`.
#[derive(Debug, Default, Clone)]
pub struct PodSecurityContext<'a> {
    /// Whether `securityContext` is set at all.
    pub set: bool,
    /// `runAsNonRoot`.
    pub run_as_non_root: Option<bool>,
    /// `runAsUser`.
    pub run_as_user: Option<i64>,
    /// `seccompProfile.type` when `seccompProfile` is set (`""` when it has no type).
    pub seccomp_type: Option<&'a str>,
    /// `appArmorProfile.type` when `appArmorProfile` is set.
    pub apparmor_type: Option<&'a str>,
    /// `seLinuxOptions` when set.
    pub selinux: Option<SeLinuxOptions<'a>>,
    /// `windowsOptions.hostProcess`.
    pub windows_host_process: Option<bool>,
    /// Names of `sysctls`, in order.
    pub sysctls: Vec<&'a str>,
}

/// `seLinuxOptions`, with unset fields as `""`.
#[derive(Debug, Default, Clone, Copy)]
pub struct SeLinuxOptions<'a> {
    /// `type`.
    pub type_: &'a str,
    /// `user`.
    pub user: &'a str,
    /// `role`.
    pub role: &'a str,
}

/// A container's `securityContext`.
#[derive(Debug, Default, Clone)]
pub struct SecurityContext<'a> {
    /// `privileged`.
    pub privileged: Option<bool>,
    /// `allowPrivilegeEscalation`.
    pub allow_privilege_escalation: Option<bool>,
    /// `runAsNonRoot`.
    pub run_as_non_root: Option<bool>,
    /// `runAsUser`.
    pub run_as_user: Option<i64>,
    /// `procMount`.
    pub proc_mount: Option<&'a str>,
    /// `capabilities` when set.
    pub capabilities: Option<Capabilities<'a>>,
    /// `seccompProfile.type` when `seccompProfile` is set.
    pub seccomp_type: Option<&'a str>,
    /// `appArmorProfile.type` when `appArmorProfile` is set.
    pub apparmor_type: Option<&'a str>,
    /// `seLinuxOptions` when set.
    pub selinux: Option<SeLinuxOptions<'a>>,
    /// `windowsOptions.hostProcess`.
    pub windows_host_process: Option<bool>,
}

/// `capabilities.add` and `capabilities.drop`.
#[derive(Debug, Default, Clone)]
pub struct Capabilities<'a> {
    /// Added capabilities.
    pub add: Vec<&'a str>,
    /// Dropped capabilities.
    pub drop: Vec<&'a str>,
}

/// A container (init, regular or ephemeral).
#[derive(Debug, Default, Clone)]
pub struct Container<'a> {
    /// `name`.
    pub name: &'a str,
    /// `securityContext` when set.
    pub security_context: Option<SecurityContext<'a>>,
    /// Non-zero `ports[*].hostPort` values, after defaulting.
    pub host_ports: Vec<i64>,
    /// Non-empty `host` fields of probes and lifecycle handlers.
    pub probe_hosts: Vec<&'a str>,
}

/// A volume, classified by its source.
#[derive(Debug, Clone, Copy)]
pub struct Volume<'a> {
    /// `name`.
    pub name: &'a str,
    /// Whether `hostPath` is set.
    pub host_path: bool,
    /// The restricted volume type that the restricted profile reports, or `None` for an
    /// allowed source (including the defaulted `emptyDir`).
    pub restricted_type: Option<&'static str>,
}

/// The parts of a pod (or pod template) that Pod Security Standards look at.
#[derive(Debug, Default, Clone)]
pub struct PodView<'a> {
    /// `metadata.annotations`.
    pub annotations: Option<&'a Object>,
    /// `spec.hostNetwork`.
    pub host_network: bool,
    /// `spec.hostPID`.
    pub host_pid: bool,
    /// `spec.hostIPC`.
    pub host_ipc: bool,
    /// `spec.hostUsers`.
    pub host_users: Option<bool>,
    /// Whether `spec.os.name` is `windows`.
    pub windows: bool,
    /// `spec.securityContext`.
    pub security_context: PodSecurityContext<'a>,
    /// Init containers, containers, then ephemeral containers: the order checks visit them in.
    pub containers: Vec<Container<'a>>,
    /// `spec.volumes`.
    pub volumes: Vec<Volume<'a>>,
}

impl PodView<'_> {
    /// Whether the pod runs in a user namespace (`hostUsers: false`), which relaxes some
    /// checks from v1.35.
    pub fn in_user_namespace(&self) -> bool {
        self.host_users == Some(false)
    }

    /// An annotation's value, if set.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        // A `null` value decodes to the empty string in Kubernetes' string maps.
        self.annotations
            .and_then(|a| a.get(key))
            .map(|v| v.as_str().unwrap_or(""))
    }
}

/// Volume sources the restricted profile allows.
const ALLOWED_VOLUME_SOURCES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// Volume sources the restricted profile forbids, in the order it reports them.
const RESTRICTED_VOLUME_SOURCES: &[&str] = &[
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

/// Builds the view from `metadata` and `spec` of a pod or pod template.
///
/// `path` is the JSON path of the pod spec's parent (`""` for a Pod, `spec.template.` for a
/// Deployment), used in error messages. `is_pod` enables the `hostNetwork` port defaulting
/// that the API server applies to Pods (but, since v1.28, not to pod templates).
pub fn view<'a>(
    metadata: Option<&'a Value>,
    spec: Option<&'a Value>,
    path: &str,
    is_pod: bool,
) -> Result<PodView<'a>, FieldError> {
    let mut pod = PodView::default();
    if let Some(meta) = metadata.filter(|m| !m.is_null()) {
        let meta = as_object(meta, &|| format!("{path}metadata"))?;
        pod.annotations = get_object(meta, "annotations", &|| {
            format!("{path}metadata.annotations")
        })?;
        if let Some(annotations) = pod.annotations {
            for (key, value) in annotations {
                if !value.is_string() && !value.is_null() {
                    return Err(FieldError {
                        path: format!("{path}metadata.annotations.{key}"),
                        expected: "string",
                        found: kanon_core::object::describe(value),
                    });
                }
            }
        }
    }
    let Some(spec) = spec.filter(|s| !s.is_null()) else {
        return Ok(pod);
    };
    let spec_path = || format!("{path}spec");
    let spec = as_object(spec, &spec_path)?;
    let p = |field: &str| format!("{path}spec.{field}");
    pod.host_network = get_bool(spec, "hostNetwork", &|| p("hostNetwork"))?.unwrap_or(false);
    pod.host_pid = get_bool(spec, "hostPID", &|| p("hostPID"))?.unwrap_or(false);
    pod.host_ipc = get_bool(spec, "hostIPC", &|| p("hostIPC"))?.unwrap_or(false);
    pod.host_users = get_bool(spec, "hostUsers", &|| p("hostUsers"))?;
    if let Some(os) = get_object(spec, "os", &|| p("os"))? {
        pod.windows = get_str(os, "name", &|| p("os.name"))? == Some("windows");
    }
    if let Some(sc) = get_object(spec, "securityContext", &|| p("securityContext"))? {
        pod.security_context = pod_security_context(sc, &|| p("securityContext"))?;
    }
    let default_host_ports = is_pod && pod.host_network;
    for field in ["initContainers", "containers", "ephemeralContainers"] {
        if let Some(list) = get_array(spec, field, &|| p(field))? {
            pod.containers.reserve(list.len());
            for (index, item) in list.iter().enumerate() {
                let container_path = || format!("{path}spec.{field}[{index}]");
                let object = as_object(item, &container_path)?;
                pod.containers
                    .push(container(object, &container_path, default_host_ports)?);
            }
        }
    }
    if let Some(list) = get_array(spec, "volumes", &|| p("volumes"))? {
        pod.volumes.reserve(list.len());
        for (index, item) in list.iter().enumerate() {
            let volume_path = || format!("{path}spec.volumes[{index}]");
            let object = as_object(item, &volume_path)?;
            pod.volumes.push(volume(object, &volume_path)?);
        }
    }
    Ok(pod)
}

/// A lazily built JSON path, formatted only when an error needs it.
type Path<'p> = &'p dyn Fn() -> String;

fn as_object<'a>(value: &'a Value, path: Path<'_>) -> Result<&'a Object, FieldError> {
    value.as_object().ok_or_else(|| FieldError {
        path: path(),
        expected: "object",
        found: kanon_core::object::describe(value),
    })
}

fn pod_security_context<'a>(
    sc: &'a Object,
    path: Path<'_>,
) -> Result<PodSecurityContext<'a>, FieldError> {
    let p = |field: &str| format!("{}.{field}", path());
    let mut out = PodSecurityContext {
        set: true,
        run_as_non_root: get_bool(sc, "runAsNonRoot", &|| p("runAsNonRoot"))?,
        run_as_user: get_i64(sc, "runAsUser", &|| p("runAsUser"))?,
        seccomp_type: profile_type(sc, "seccompProfile", path)?,
        apparmor_type: profile_type(sc, "appArmorProfile", path)?,
        selinux: selinux(sc, path)?,
        windows_host_process: host_process(sc, path)?,
        sysctls: Vec::new(),
    };
    if let Some(list) = get_array(sc, "sysctls", &|| p("sysctls"))? {
        for (index, item) in list.iter().enumerate() {
            let item_path = || format!("{}.sysctls[{index}]", path());
            let object = as_object(item, &item_path)?;
            out.sysctls
                .push(get_str(object, "name", &|| format!("{}.name", item_path()))?.unwrap_or(""));
        }
    }
    Ok(out)
}

fn profile_type<'a>(
    sc: &'a Object,
    field: &str,
    path: Path<'_>,
) -> Result<Option<&'a str>, FieldError> {
    match get_object(sc, field, &|| format!("{}.{field}", path()))? {
        None => Ok(None),
        Some(profile) => Ok(Some(
            get_str(profile, "type", &|| format!("{}.{field}.type", path()))?.unwrap_or(""),
        )),
    }
}

fn selinux<'a>(sc: &'a Object, path: Path<'_>) -> Result<Option<SeLinuxOptions<'a>>, FieldError> {
    let Some(options) = get_object(sc, "seLinuxOptions", &|| {
        format!("{}.seLinuxOptions", path())
    })?
    else {
        return Ok(None);
    };
    let field = |name: &str| -> Result<&'a str, FieldError> {
        Ok(get_str(options, name, &|| {
            format!("{}.seLinuxOptions.{name}", path())
        })?
        .unwrap_or(""))
    };
    Ok(Some(SeLinuxOptions {
        type_: field("type")?,
        user: field("user")?,
        role: field("role")?,
    }))
}

fn host_process(sc: &Object, path: Path<'_>) -> Result<Option<bool>, FieldError> {
    match get_object(sc, "windowsOptions", &|| {
        format!("{}.windowsOptions", path())
    })? {
        None => Ok(None),
        Some(options) => get_bool(options, "hostProcess", &|| {
            format!("{}.windowsOptions.hostProcess", path())
        }),
    }
}

fn container<'a>(
    object: &'a Object,
    path: Path<'_>,
    default_host_ports: bool,
) -> Result<Container<'a>, FieldError> {
    let p = |field: &str| format!("{}.{field}", path());
    let mut out = Container {
        name: get_str(object, "name", &|| p("name"))?.unwrap_or(""),
        ..Container::default()
    };
    if let Some(sc) = get_object(object, "securityContext", &|| p("securityContext"))? {
        let sc_path = || p("securityContext");
        let q = |field: &str| format!("{}.{field}", sc_path());
        let capabilities = match get_object(sc, "capabilities", &|| q("capabilities"))? {
            None => None,
            Some(caps) => Some(Capabilities {
                add: string_list(caps, "add", &|| q("capabilities.add"))?,
                drop: string_list(caps, "drop", &|| q("capabilities.drop"))?,
            }),
        };
        out.security_context = Some(SecurityContext {
            privileged: get_bool(sc, "privileged", &|| q("privileged"))?,
            allow_privilege_escalation: get_bool(sc, "allowPrivilegeEscalation", &|| {
                q("allowPrivilegeEscalation")
            })?,
            run_as_non_root: get_bool(sc, "runAsNonRoot", &|| q("runAsNonRoot"))?,
            run_as_user: get_i64(sc, "runAsUser", &|| q("runAsUser"))?,
            proc_mount: get_str(sc, "procMount", &|| q("procMount"))?,
            capabilities,
            seccomp_type: profile_type(sc, "seccompProfile", &sc_path)?,
            apparmor_type: profile_type(sc, "appArmorProfile", &sc_path)?,
            selinux: selinux(sc, &sc_path)?,
            windows_host_process: host_process(sc, &sc_path)?,
        });
    }
    if let Some(ports) = get_array(object, "ports", &|| p("ports"))? {
        for (index, port) in ports.iter().enumerate() {
            let port_path = || format!("{}.ports[{index}]", path());
            let port = as_object(port, &port_path)?;
            let mut host_port =
                get_i64(port, "hostPort", &|| format!("{}.hostPort", port_path()))?.unwrap_or(0);
            if host_port == 0 && default_host_ports {
                host_port = get_i64(port, "containerPort", &|| {
                    format!("{}.containerPort", port_path())
                })?
                .unwrap_or(0);
            }
            if host_port != 0 {
                out.host_ports.push(host_port);
            }
        }
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(handler) = get_object(object, probe, &|| p(probe))? {
            handler_hosts(handler, &|| p(probe), &mut out.probe_hosts)?;
        }
    }
    if let Some(lifecycle) = get_object(object, "lifecycle", &|| p("lifecycle"))? {
        for hook in ["postStart", "preStop"] {
            let hook_path = || format!("{}.lifecycle.{hook}", path());
            if let Some(handler) = get_object(lifecycle, hook, &hook_path)? {
                handler_hosts(handler, &hook_path, &mut out.probe_hosts)?;
            }
        }
    }
    Ok(out)
}

fn handler_hosts<'a>(
    handler: &'a Object,
    path: Path<'_>,
    out: &mut Vec<&'a str>,
) -> Result<(), FieldError> {
    for action in ["httpGet", "tcpSocket"] {
        if let Some(action_object) =
            get_object(handler, action, &|| format!("{}.{action}", path()))?
        {
            if let Some(host) = get_str(action_object, "host", &|| {
                format!("{}.{action}.host", path())
            })? {
                if !host.is_empty() {
                    out.push(host);
                }
            }
        }
    }
    Ok(())
}

fn string_list<'a>(
    object: &'a Object,
    field: &str,
    path: Path<'_>,
) -> Result<Vec<&'a str>, FieldError> {
    let Some(list) = get_array(object, field, path)? else {
        return Ok(Vec::new());
    };
    list.iter()
        .enumerate()
        .map(|(index, item)| {
            item.as_str().ok_or_else(|| FieldError {
                path: format!("{}[{index}]", path()),
                expected: "string",
                found: kanon_core::object::describe(item),
            })
        })
        .collect()
}

fn volume<'a>(object: &'a Object, path: Path<'_>) -> Result<Volume<'a>, FieldError> {
    let set = |source: &str| object.get(source).is_some_and(|v| !v.is_null());
    let restricted_type = if ALLOWED_VOLUME_SOURCES.iter().any(|s| set(s)) {
        None
    } else {
        // With no known source at all, the API server defaults the volume to emptyDir.
        RESTRICTED_VOLUME_SOURCES.iter().copied().find(|s| set(s))
    };
    Ok(Volume {
        name: get_str(object, "name", &|| format!("{}.name", path()))?.unwrap_or(""),
        host_path: set("hostPath"),
        restricted_type,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn volumes_without_a_source_default_to_empty_dir() {
        let spec = json!({"volumes": [{"name": "a"}, {"name": "b", "hostPath": null}, {"name": "c", "nfs": {}}]});
        let pod = view(None, Some(&spec), "", true).unwrap();
        let types: Vec<_> = pod.volumes.iter().map(|v| v.restricted_type).collect();
        assert_eq!(types, [None, None, Some("nfs")]);
    }

    #[test]
    fn host_network_pods_get_host_ports_defaulted() {
        let spec = json!({"hostNetwork": true, "containers": [{"name": "c", "ports": [{"containerPort": 80}]}]});
        assert_eq!(
            view(None, Some(&spec), "", true).unwrap().containers[0].host_ports,
            [80]
        );
        assert!(view(None, Some(&spec), "spec.template.", false)
            .unwrap()
            .containers[0]
            .host_ports
            .is_empty());
    }

    #[test]
    fn mistyped_fields_are_errors_with_their_path() {
        let spec = json!({"containers": [{"name": "c", "securityContext": {"privileged": "yes"}}]});
        let err = view(None, Some(&spec), "spec.template.", false).unwrap_err();
        assert_eq!(
            err.path,
            "spec.template.spec.containers[0].securityContext.privileged"
        );
    }

    #[test]
    fn containers_are_visited_init_first_then_ephemeral_last() {
        let spec = json!({"ephemeralContainers": [{"name": "e"}], "containers": [{"name": "c"}], "initContainers": [{"name": "i"}]});
        let pod = view(None, Some(&spec), "", true).unwrap();
        let names: Vec<_> = pod.containers.iter().map(|c| c.name).collect();
        assert_eq!(names, ["i", "c", "e"]);
    }
}
