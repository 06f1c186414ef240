//! The labels of the namespaces kanon knows about.

use kanon_core::{object, Labels};
use serde_json::Value;
use std::collections::HashMap;

/// Namespace name → labels, for namespaced resources whose policies read namespace labels
/// (Pod Security Standards levels, namespace selectors).
#[derive(Debug, Clone, Default)]
pub struct Namespaces {
    labels: HashMap<String, Labels>,
}

impl Namespaces {
    /// Records a namespace's labels, replacing what was known.
    pub fn insert(&mut self, name: impl Into<String>, labels: Labels) {
        self.labels.insert(name.into(), labels);
    }

    /// Records a `Namespace` object; other objects are ignored. Returns whether it was one.
    pub fn insert_object(&mut self, object: &Value) -> bool {
        if object::kind(object) != "Namespace" || object::api_version(object) != "v1" {
            return false;
        }
        let name = object::name(object);
        if name.is_empty() {
            return false;
        }
        let labels = object::labels(object)
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        self.insert(name, labels);
        true
    }

    /// Forgets a namespace (it was deleted).
    pub fn remove(&mut self, name: &str) {
        self.labels.remove(name);
    }

    /// The labels of a namespace, if known.
    pub fn get(&self, name: &str) -> Option<&Labels> {
        self.labels.get(name)
    }

    /// How many namespaces are known.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether no namespace is known.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}
