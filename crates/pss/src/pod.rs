//! A borrowed, typed view of the fields of a pod that the checks read.
//!
//! Built in one pass over the object, so that every check reads plain fields instead of
//! walking JSON. Building it applies the API server's defaulting that Pod Security Admission
//! relies on (a volume with no source is `emptyDir`; on a Pod with `hostNetwork`, container
//! ports get `hostPort = containerPort`), and fails with a [`FieldError`] when a field the
//! checks need has the wrong type, since the API server would reject such an object.

use kanon_core::object::{
    as_object, mismatch, opt_array as array, opt_bool as boolean, opt_i64 as integer,
    opt_object as object, opt_str as string, FieldError, Path,
};
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

/// The list of the pod spec that holds a container.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum ContainerList {
    /// `initContainers`.
    InitContainers,
    /// `containers`.
    #[default]
    Containers,
    /// `ephemeralContainers`.
    EphemeralContainers,
}

impl ContainerList {
    /// The field name in the pod spec, e.g. `initContainers`.
    pub fn field_name(self) -> &'static str {
        match self {
            ContainerList::InitContainers => "initContainers",
            ContainerList::Containers => "containers",
            ContainerList::EphemeralContainers => "ephemeralContainers",
        }
    }
}

/// A non-zero `hostPort` of a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostPort {
    /// Index of the entry in the container's `ports`.
    pub index: usize,
    /// The port.
    pub port: i64,
}

/// A container (init, regular or ephemeral).
#[derive(Debug, Default, Clone)]
pub struct Container<'a> {
    /// The list that holds the container.
    pub list: ContainerList,
    /// Index of the container in its list.
    pub index: usize,
    /// `name`.
    pub name: &'a str,
    /// `securityContext` when set.
    pub security_context: Option<SecurityContext<'a>>,
    /// Non-zero `ports[*].hostPort` values, after defaulting, in `ports` order.
    pub host_ports: Vec<HostPort>,
    /// Non-empty `host` fields of probes and lifecycle handlers.
    pub probe_hosts: Vec<&'a str>,
}

/// A volume, classified by its source.
#[derive(Debug, Clone, Copy)]
pub struct Volume<'a> {
    /// `name`.
    pub name: &'a str,
    /// `hostPath.path` when `hostPath` is set (`""` without a path).
    pub host_path: Option<&'a str>,
    /// The restricted volume type that the restricted profile reports, or `None` for an
    /// allowed source (including the defaulted `emptyDir`).
    pub restricted_type: Option<&'static str>,
    /// Whether no known volume source is set, so that the API server defaults the volume to
    /// `emptyDir` (which is what `restricted_type` assumes).
    pub sourceless: bool,
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
///
/// Every object is read in one pass over its entries (matching the keys the checks need)
/// rather than by a hashed lookup per field: objects are small and most fields are absent.
pub fn view<'a>(
    metadata: Option<&'a Value>,
    spec: Option<&'a Value>,
    path: &str,
    is_pod: bool,
) -> Result<PodView<'a>, FieldError> {
    let mut pod = PodView::default();
    if let Some(meta) = non_null(metadata) {
        let meta = as_object(meta, &|| format!("{path}metadata"))?;
        if let Some(annotations) = non_null(meta.get("annotations")) {
            let annotations = as_object(annotations, &|| format!("{path}metadata.annotations"))?;
            for (key, value) in annotations {
                if !value.is_string() && !value.is_null() {
                    return Err(mismatch(
                        format!("{path}metadata.annotations.{key}"),
                        "string",
                        value,
                    ));
                }
            }
            pod.annotations = Some(annotations);
        }
    }
    let Some(spec) = non_null(spec) else {
        return Ok(pod);
    };
    let spec = as_object(spec, &|| format!("{path}spec"))?;
    let p = |field: &str| format!("{path}spec.{field}");
    let mut lists: [Option<&'a Vec<Value>>; 3] = [None; 3];
    let mut volumes = None;
    for (key, value) in spec {
        match key.as_str() {
            "hostNetwork" => pod.host_network = boolean(value, &|| p(key))?.unwrap_or(false),
            "hostPID" => pod.host_pid = boolean(value, &|| p(key))?.unwrap_or(false),
            "hostIPC" => pod.host_ipc = boolean(value, &|| p(key))?.unwrap_or(false),
            "hostUsers" => pod.host_users = boolean(value, &|| p(key))?,
            "os" => {
                if let Some(os) = object(value, &|| p(key))? {
                    pod.windows = string(os.get("name"), &|| p("os.name"))? == Some("windows");
                }
            }
            "securityContext" => {
                if let Some(sc) = object(value, &|| p(key))? {
                    pod.security_context = pod_security_context(sc, &|| p(key))?;
                }
            }
            "initContainers" => lists[0] = array(value, &|| p(key))?,
            "containers" => lists[1] = array(value, &|| p(key))?,
            "ephemeralContainers" => lists[2] = array(value, &|| p(key))?,
            "volumes" => volumes = array(value, &|| p(key))?,
            _ => {}
        }
    }
    let default_host_ports = is_pod && pod.host_network;
    let holders = [
        ContainerList::InitContainers,
        ContainerList::Containers,
        ContainerList::EphemeralContainers,
    ];
    pod.containers
        .reserve(lists.iter().flatten().map(|list| list.len()).sum());
    for (holder, list) in holders.into_iter().zip(lists) {
        for (index, item) in list.into_iter().flatten().enumerate() {
            let container_path = || format!("{path}spec.{}[{index}]", holder.field_name());
            let object = as_object(item, &container_path)?;
            let mut parsed = container(object, &container_path, default_host_ports)?;
            parsed.list = holder;
            parsed.index = index;
            pod.containers.push(parsed);
        }
    }
    if let Some(list) = volumes {
        pod.volumes.reserve(list.len());
        for (index, item) in list.iter().enumerate() {
            let volume_path = || format!("{path}spec.volumes[{index}]");
            let object = as_object(item, &volume_path)?;
            pod.volumes.push(volume(object, &volume_path)?);
        }
    }
    Ok(pod)
}

fn non_null(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null())
}

fn pod_security_context<'a>(
    sc: &'a Object,
    path: Path<'_>,
) -> Result<PodSecurityContext<'a>, FieldError> {
    let p = |field: &str| format!("{}.{field}", path());
    let mut out = PodSecurityContext {
        set: true,
        ..PodSecurityContext::default()
    };
    for (key, value) in sc {
        match key.as_str() {
            "runAsNonRoot" => out.run_as_non_root = boolean(value, &|| p(key))?,
            "runAsUser" => out.run_as_user = integer(value, &|| p(key))?,
            "seccompProfile" => out.seccomp_type = profile_type(value, &|| p(key))?,
            "appArmorProfile" => out.apparmor_type = profile_type(value, &|| p(key))?,
            "seLinuxOptions" => out.selinux = selinux(value, &|| p(key))?,
            "windowsOptions" => out.windows_host_process = host_process(value, &|| p(key))?,
            "sysctls" => {
                for (index, item) in array(value, &|| p(key))?.into_iter().flatten().enumerate() {
                    let item_path = || format!("{}.sysctls[{index}]", path());
                    let object = as_object(item, &item_path)?;
                    out.sysctls.push(
                        string(object.get("name"), &|| format!("{}.name", item_path()))?
                            .unwrap_or(""),
                    );
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// `type` of a `seccompProfile` or `appArmorProfile`: `None` when the profile is unset, `""`
/// when it is set without a type.
fn profile_type<'a>(value: &'a Value, path: Path<'_>) -> Result<Option<&'a str>, FieldError> {
    match object(value, path)? {
        None => Ok(None),
        Some(profile) => Ok(Some(
            string(profile.get("type"), &|| format!("{}.type", path()))?.unwrap_or(""),
        )),
    }
}

fn selinux<'a>(value: &'a Value, path: Path<'_>) -> Result<Option<SeLinuxOptions<'a>>, FieldError> {
    let Some(options) = object(value, path)? else {
        return Ok(None);
    };
    let mut out = SeLinuxOptions::default();
    for (key, value) in options {
        let field =
            || string(Some(value), &|| format!("{}.{key}", path())).map(Option::unwrap_or_default);
        match key.as_str() {
            "type" => out.type_ = field()?,
            "user" => out.user = field()?,
            "role" => out.role = field()?,
            _ => {}
        }
    }
    Ok(Some(out))
}

fn host_process(value: &Value, path: Path<'_>) -> Result<Option<bool>, FieldError> {
    match object(value, path)? {
        None => Ok(None),
        Some(options) => match options.get("hostProcess") {
            None => Ok(None),
            Some(flag) => boolean(flag, &|| format!("{}.hostProcess", path())),
        },
    }
}

fn container<'a>(
    object_map: &'a Object,
    path: Path<'_>,
    default_host_ports: bool,
) -> Result<Container<'a>, FieldError> {
    let p = |field: &str| format!("{}.{field}", path());
    let mut out = Container::default();
    let mut ports = None;
    for (key, value) in object_map {
        match key.as_str() {
            "name" => out.name = string(Some(value), &|| p(key))?.unwrap_or(""),
            "securityContext" => {
                if let Some(sc) = object(value, &|| p(key))? {
                    out.security_context = Some(security_context(sc, &|| p(key))?);
                }
            }
            "ports" => ports = array(value, &|| p(key))?,
            "livenessProbe" | "readinessProbe" | "startupProbe" => {
                if let Some(handler) = object(value, &|| p(key))? {
                    handler_hosts(handler, &|| p(key), &mut out.probe_hosts)?;
                }
            }
            "lifecycle" => {
                if let Some(lifecycle) = object(value, &|| p(key))? {
                    for hook in ["postStart", "preStop"] {
                        let hook_path = || format!("{}.lifecycle.{hook}", path());
                        if let Some(handler) = non_null(lifecycle.get(hook)) {
                            if let Some(handler) = object(handler, &hook_path)? {
                                handler_hosts(handler, &hook_path, &mut out.probe_hosts)?;
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    for (index, port) in ports.into_iter().flatten().enumerate() {
        let port_path = || format!("{}.ports[{index}]", path());
        let port = as_object(port, &port_path)?;
        let mut host_port = 0;
        let mut container_port = 0;
        for (key, value) in port {
            match key.as_str() {
                "hostPort" => {
                    host_port =
                        integer(value, &|| format!("{}.hostPort", port_path()))?.unwrap_or(0)
                }
                "containerPort" if default_host_ports => {
                    container_port =
                        integer(value, &|| format!("{}.containerPort", port_path()))?.unwrap_or(0);
                }
                _ => {}
            }
        }
        if host_port == 0 && default_host_ports {
            host_port = container_port;
        }
        if host_port != 0 {
            out.host_ports.push(HostPort {
                index,
                port: host_port,
            });
        }
    }
    Ok(out)
}

fn security_context<'a>(sc: &'a Object, path: Path<'_>) -> Result<SecurityContext<'a>, FieldError> {
    let p = |field: &str| format!("{}.{field}", path());
    let mut out = SecurityContext::default();
    for (key, value) in sc {
        match key.as_str() {
            "privileged" => out.privileged = boolean(value, &|| p(key))?,
            "allowPrivilegeEscalation" => {
                out.allow_privilege_escalation = boolean(value, &|| p(key))?
            }
            "runAsNonRoot" => out.run_as_non_root = boolean(value, &|| p(key))?,
            "runAsUser" => out.run_as_user = integer(value, &|| p(key))?,
            "procMount" => out.proc_mount = string(Some(value), &|| p(key))?,
            "capabilities" => {
                if let Some(caps) = object(value, &|| p(key))? {
                    let mut capabilities = Capabilities::default();
                    for (field, list) in caps {
                        match field.as_str() {
                            "add" => {
                                capabilities.add =
                                    string_list(list, &|| format!("{}.capabilities.add", path()))?
                            }
                            "drop" => {
                                capabilities.drop =
                                    string_list(list, &|| format!("{}.capabilities.drop", path()))?
                            }
                            _ => {}
                        }
                    }
                    out.capabilities = Some(capabilities);
                }
            }
            "seccompProfile" => out.seccomp_type = profile_type(value, &|| p(key))?,
            "appArmorProfile" => out.apparmor_type = profile_type(value, &|| p(key))?,
            "seLinuxOptions" => out.selinux = selinux(value, &|| p(key))?,
            "windowsOptions" => out.windows_host_process = host_process(value, &|| p(key))?,
            _ => {}
        }
    }
    Ok(out)
}

fn handler_hosts<'a>(
    handler: &'a Object,
    path: Path<'_>,
    out: &mut Vec<&'a str>,
) -> Result<(), FieldError> {
    for (action, value) in handler {
        if action != "httpGet" && action != "tcpSocket" {
            continue;
        }
        if let Some(action_object) = object(value, &|| format!("{}.{action}", path()))? {
            let host = string(action_object.get("host"), &|| {
                format!("{}.{action}.host", path())
            })?;
            if let Some(host) = host.filter(|h| !h.is_empty()) {
                out.push(host);
            }
        }
    }
    Ok(())
}

fn string_list<'a>(value: &'a Value, path: Path<'_>) -> Result<Vec<&'a str>, FieldError> {
    let Some(list) = array(value, path)? else {
        return Ok(Vec::new());
    };
    list.iter()
        .enumerate()
        .map(|(index, item)| match item {
            // Go's JSON decoding leaves a `null` item as the empty string.
            Value::Null => Ok(""),
            _ => item
                .as_str()
                .ok_or_else(|| mismatch(format!("{}[{index}]", path()), "string", item)),
        })
        .collect()
}

fn volume<'a>(object_map: &'a Object, path: Path<'_>) -> Result<Volume<'a>, FieldError> {
    let mut name = "";
    let mut allowed = false;
    let mut host_path = None;
    // Index into RESTRICTED_VOLUME_SOURCES of the first restricted source set.
    let mut restricted: Option<usize> = None;
    for (key, value) in object_map {
        if key == "name" {
            name = string(Some(value), &|| format!("{}.name", path()))?.unwrap_or("");
            continue;
        }
        if value.is_null() {
            continue;
        }
        if ALLOWED_VOLUME_SOURCES.contains(&key.as_str()) {
            allowed = true;
        } else if let Some(rank) = RESTRICTED_VOLUME_SOURCES.iter().position(|s| s == key) {
            if rank == 0 {
                // The path only words Kyverno's field errors; a mistyped one reads as unset.
                host_path = Some(value.get("path").and_then(Value::as_str).unwrap_or(""));
            }
            restricted = Some(restricted.map_or(rank, |r| r.min(rank)));
        }
    }
    // With no known source at all, the API server defaults the volume to emptyDir.
    let restricted_type = if allowed {
        None
    } else {
        restricted.and_then(|rank| RESTRICTED_VOLUME_SOURCES.get(rank).copied())
    };
    Ok(Volume {
        name,
        host_path,
        restricted_type,
        sourceless: !allowed && restricted.is_none(),
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
            [HostPort { index: 0, port: 80 }]
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
