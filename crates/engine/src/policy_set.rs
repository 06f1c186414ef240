//! A set of compiled policies, of any dialect.

use kanon_core::Policy;
use kanon_pss::{PodSecurity, PssConfig};
use std::sync::Arc;

/// Compiled policies, shared read-only between evaluating threads.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    policies: Vec<Arc<dyn Policy>>,
}

impl PolicySet {
    /// An empty set.
    pub fn new() -> Self {
        PolicySet::default()
    }

    /// kanon's built-in default: Pod Security Standards, baseline enforced and restricted
    /// warned, `latest`.
    pub fn builtin_default() -> Self {
        let mut set = PolicySet::new();
        set.add_pod_security(PssConfig::default());
        set
    }

    /// Adds Pod Security Standards with this configuration.
    pub fn add_pod_security(&mut self, config: PssConfig) {
        self.policies.push(Arc::new(PodSecurity::new(config)));
    }

    /// Adds a compiled policy of any dialect.
    pub fn add(&mut self, policy: Arc<dyn Policy>) {
        self.policies.push(policy);
    }

    /// The policies, in evaluation order.
    pub fn policies(&self) -> &[Arc<dyn Policy>] {
        &self.policies
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }
}
