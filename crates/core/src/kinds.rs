//! What kanon knows about kinds without a cluster: plural resource names and scope.
//!
//! A cluster answers this through discovery; offline, kanon uses a table of the built-in API
//! and well-known add-ons, and Kubernetes' own guessing rule for everything else.

use crate::admission::{GroupVersionKind, GroupVersionResource};

/// Static facts about a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindInfo {
    /// Plural resource name (`deployments`).
    pub plural: &'static str,
    /// Whether objects of this kind live in a namespace.
    pub namespaced: bool,
}

/// `(group, kind, plural, namespaced)` for built-in and common kinds.
const TABLE: &[(&str, &str, &str, bool)] = &[
    ("", "Pod", "pods", true),
    ("", "PodTemplate", "podtemplates", true),
    ("", "ReplicationController", "replicationcontrollers", true),
    ("", "Service", "services", true),
    ("", "Endpoints", "endpoints", true),
    ("", "ConfigMap", "configmaps", true),
    ("", "Secret", "secrets", true),
    ("", "ServiceAccount", "serviceaccounts", true),
    ("", "PersistentVolumeClaim", "persistentvolumeclaims", true),
    ("", "LimitRange", "limitranges", true),
    ("", "ResourceQuota", "resourcequotas", true),
    ("", "Event", "events", true),
    ("", "Binding", "bindings", true),
    ("", "Namespace", "namespaces", false),
    ("", "Node", "nodes", false),
    ("", "PersistentVolume", "persistentvolumes", false),
    ("", "ComponentStatus", "componentstatuses", false),
    ("apps", "Deployment", "deployments", true),
    ("apps", "ReplicaSet", "replicasets", true),
    ("apps", "StatefulSet", "statefulsets", true),
    ("apps", "DaemonSet", "daemonsets", true),
    ("apps", "ControllerRevision", "controllerrevisions", true),
    ("extensions", "Deployment", "deployments", true),
    ("extensions", "ReplicaSet", "replicasets", true),
    ("extensions", "DaemonSet", "daemonsets", true),
    ("extensions", "Ingress", "ingresses", true),
    ("extensions", "NetworkPolicy", "networkpolicies", true),
    (
        "extensions",
        "PodSecurityPolicy",
        "podsecuritypolicies",
        false,
    ),
    ("batch", "Job", "jobs", true),
    ("batch", "CronJob", "cronjobs", true),
    (
        "autoscaling",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
    ),
    (
        "policy",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
    ),
    ("policy", "PodSecurityPolicy", "podsecuritypolicies", false),
    ("policy", "Eviction", "evictions", true),
    ("networking.k8s.io", "Ingress", "ingresses", true),
    (
        "networking.k8s.io",
        "NetworkPolicy",
        "networkpolicies",
        true,
    ),
    ("networking.k8s.io", "IngressClass", "ingressclasses", false),
    ("networking.k8s.io", "IPAddress", "ipaddresses", false),
    ("networking.k8s.io", "ServiceCIDR", "servicecidrs", false),
    ("discovery.k8s.io", "EndpointSlice", "endpointslices", true),
    ("rbac.authorization.k8s.io", "Role", "roles", true),
    (
        "rbac.authorization.k8s.io",
        "RoleBinding",
        "rolebindings",
        true,
    ),
    (
        "rbac.authorization.k8s.io",
        "ClusterRole",
        "clusterroles",
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
    ),
    ("storage.k8s.io", "StorageClass", "storageclasses", false),
    (
        "storage.k8s.io",
        "VolumeAttachment",
        "volumeattachments",
        false,
    ),
    ("storage.k8s.io", "CSIDriver", "csidrivers", false),
    ("storage.k8s.io", "CSINode", "csinodes", false),
    (
        "storage.k8s.io",
        "CSIStorageCapacity",
        "csistoragecapacities",
        true,
    ),
    (
        "storage.k8s.io",
        "VolumeAttributesClass",
        "volumeattributesclasses",
        false,
    ),
    (
        "scheduling.k8s.io",
        "PriorityClass",
        "priorityclasses",
        false,
    ),
    ("node.k8s.io", "RuntimeClass", "runtimeclasses", false),
    ("coordination.k8s.io", "Lease", "leases", true),
    (
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
    ),
    ("apiregistration.k8s.io", "APIService", "apiservices", false),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicy",
        "validatingadmissionpolicies",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
        "validatingadmissionpolicybindings",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "MutatingAdmissionPolicy",
        "mutatingadmissionpolicies",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "MutatingAdmissionPolicyBinding",
        "mutatingadmissionpolicybindings",
        false,
    ),
    (
        "certificates.k8s.io",
        "CertificateSigningRequest",
        "certificatesigningrequests",
        false,
    ),
    (
        "flowcontrol.apiserver.k8s.io",
        "FlowSchema",
        "flowschemas",
        false,
    ),
    (
        "flowcontrol.apiserver.k8s.io",
        "PriorityLevelConfiguration",
        "prioritylevelconfigurations",
        false,
    ),
    ("resource.k8s.io", "DeviceClass", "deviceclasses", false),
    ("resource.k8s.io", "ResourceClaim", "resourceclaims", true),
    (
        "resource.k8s.io",
        "ResourceClaimTemplate",
        "resourceclaimtemplates",
        true,
    ),
    ("resource.k8s.io", "ResourceSlice", "resourceslices", false),
    ("kyverno.io", "ClusterPolicy", "clusterpolicies", false),
    ("kyverno.io", "Policy", "policies", true),
    ("kyverno.io", "PolicyException", "policyexceptions", true),
    (
        "kyverno.io",
        "ClusterCleanupPolicy",
        "clustercleanuppolicies",
        false,
    ),
    ("kyverno.io", "CleanupPolicy", "cleanuppolicies", true),
    (
        "templates.gatekeeper.sh",
        "ConstraintTemplate",
        "constrainttemplates",
        false,
    ),
    ("wgpolicyk8s.io", "PolicyReport", "policyreports", true),
    (
        "wgpolicyk8s.io",
        "ClusterPolicyReport",
        "clusterpolicyreports",
        false,
    ),
    ("openreports.io", "Report", "reports", true),
    ("openreports.io", "ClusterReport", "clusterreports", false),
    ("cert-manager.io", "ClusterIssuer", "clusterissuers", false),
    ("gateway.networking.k8s.io", "Gateway", "gateways", true),
    (
        "gateway.networking.k8s.io",
        "GatewayClass",
        "gatewayclasses",
        false,
    ),
    ("gateway.networking.k8s.io", "HTTPRoute", "httproutes", true),
    ("gateway.networking.k8s.io", "GRPCRoute", "grpcroutes", true),
    (
        "gateway.networking.k8s.io",
        "ReferenceGrant",
        "referencegrants",
        true,
    ),
    (
        "snapshot.storage.k8s.io",
        "VolumeSnapshotClass",
        "volumesnapshotclasses",
        false,
    ),
    (
        "snapshot.storage.k8s.io",
        "VolumeSnapshotContent",
        "volumesnapshotcontents",
        false,
    ),
];

/// Every kind of the table: `(group, kind, plural, namespaced)`.
pub fn known() -> impl Iterator<Item = (&'static str, &'static str, &'static str, bool)> {
    TABLE.iter().copied()
}

/// Looks a kind up in the built-in table.
pub fn lookup(group: &str, kind: &str) -> Option<KindInfo> {
    TABLE
        .iter()
        .find(|(g, k, _, _)| *g == group && *k == kind)
        .map(|(_, _, plural, namespaced)| KindInfo {
            plural,
            namespaced: *namespaced,
        })
}

/// Whether objects of this kind are namespaced. Unknown kinds are namespaced unless their
/// name starts with `Cluster` (the convention every well-known add-on follows), and Gatekeeper
/// constraints (`constraints.gatekeeper.sh`) are cluster-scoped.
pub fn is_namespaced(group: &str, kind: &str) -> bool {
    if let Some(info) = lookup(group, kind) {
        return info.namespaced;
    }
    if group == "constraints.gatekeeper.sh" {
        return false;
    }
    !kind.starts_with("Cluster")
}

/// The plural resource name for a kind: from the table, else Kubernetes'
/// `UnsafeGuessKindToResource` rule (lower-case; `endpoints` stays; `s` → `ses`, `y` → `ies`,
/// else `+s`; so `Gateway` guesses `gatewaies`, which is why CRDs declare their plural).
pub fn plural(group: &str, kind: &str) -> String {
    if let Some(info) = lookup(group, kind) {
        return info.plural.to_owned();
    }
    let lower = kind.to_ascii_lowercase();
    if lower.is_empty() || lower.ends_with("endpoints") {
        return lower;
    }
    if lower.ends_with('s') {
        format!("{lower}es")
    } else if let Some(stem) = lower.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{lower}s")
    }
}

/// The resource (`apps/v1/deployments`) for a kind.
pub fn resource_for(gvk: &GroupVersionKind) -> GroupVersionResource {
    GroupVersionResource {
        group: gvk.group.clone(),
        version: gvk.version.clone(),
        resource: plural(&gvk.group, &gvk.kind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_follows_the_table_then_the_guessing_rule() {
        assert_eq!(plural("", "Endpoints"), "endpoints");
        assert_eq!(plural("networking.k8s.io", "Ingress"), "ingresses");
        assert_eq!(plural("gateway.networking.k8s.io", "Gateway"), "gateways");
        assert_eq!(plural("example.com", "Gateway"), "gatewaies");
        assert_eq!(plural("example.com", "CustomEndpoints"), "customendpoints");
        assert_eq!(plural("example.com", "Policy"), "policies");
        assert_eq!(plural("example.com", "Class"), "classes");
    }

    #[test]
    fn scope_of_known_and_unknown_kinds() {
        assert!(!is_namespaced("", "Namespace"));
        assert!(is_namespaced("apps", "Deployment"));
        assert!(!is_namespaced("example.com", "ClusterThing"));
        assert!(is_namespaced("example.com", "Thing"));
    }
}
