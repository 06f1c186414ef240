//! Telling policy documents from resources, and compiling them into a [`PolicySet`].

use crate::policy_set::PolicySet;
use kanon_core::object;
use kanon_gatekeeper::{review, Constraint, EngineChoice, GatekeeperSet, Template};
use kanon_kyverno::cel_libs::Host;
use kanon_kyverno::testing::TestValues;
use kanon_kyverno::vpol::{ValidatingPolicy, VpolPolicySet};
use kanon_kyverno::{KyvernoPolicy, KyvernoPolicySet, PolicyException, UserContext};
use kanon_vap::{Binding, CompiledPolicy, VapPolicySet};
use serde_json::Value;
use std::sync::Arc;

/// What a document is, to the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// A Kyverno `ClusterPolicy` or `Policy`.
    KyvernoPolicy,
    /// A Kyverno `PolicyException`.
    KyvernoException,
    /// A Kyverno `policies.kyverno.io` ValidatingPolicy or NamespacedValidatingPolicy.
    KyvernoValidatingPolicy,
    /// A Kubernetes `admissionregistration.k8s.io/v1` ValidatingAdmissionPolicy.
    AdmissionPolicy,
    /// A ValidatingAdmissionPolicyBinding.
    AdmissionPolicyBinding,
    /// A Gatekeeper `templates.gatekeeper.sh` ConstraintTemplate.
    GatekeeperTemplate,
    /// A Gatekeeper `constraints.gatekeeper.sh` Constraint.
    GatekeeperConstraint,
    /// A policy of a dialect kanon does not evaluate yet.
    UnsupportedPolicy,
    /// Anything else: a resource to evaluate.
    Resource,
}

/// Classifies a document by `apiVersion` and `kind`.
pub fn classify(document: &Value) -> DocumentKind {
    let api_version = object::api_version(document);
    let kind = object::kind(document);
    let group = api_version.split_once('/').map_or("", |(g, _)| g);
    match (group, kind) {
        ("kyverno.io", "ClusterPolicy" | "Policy")
            if KyvernoPolicy::is_policy_document(document) =>
        {
            DocumentKind::KyvernoPolicy
        }
        ("kyverno.io", "PolicyException") => DocumentKind::KyvernoException,
        ("policies.kyverno.io", _) if ValidatingPolicy::is_policy_document(document) => {
            DocumentKind::KyvernoValidatingPolicy
        }
        ("policies.kyverno.io", _) => DocumentKind::UnsupportedPolicy,
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy")
            if api_version == "admissionregistration.k8s.io/v1" =>
        {
            DocumentKind::AdmissionPolicy
        }
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding")
            if api_version == "admissionregistration.k8s.io/v1" =>
        {
            DocumentKind::AdmissionPolicyBinding
        }
        (
            "admissionregistration.k8s.io",
            "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding"
            | "MutatingAdmissionPolicy"
            | "MutatingAdmissionPolicyBinding",
        ) => DocumentKind::UnsupportedPolicy,
        ("templates.gatekeeper.sh", "ConstraintTemplate") => DocumentKind::GatekeeperTemplate,
        ("constraints.gatekeeper.sh", _) => DocumentKind::GatekeeperConstraint,
        _ => DocumentKind::Resource,
    }
}

/// Collects policy documents of every dialect, then builds a [`PolicySet`].
#[derive(Debug, Default)]
pub struct PolicyLoader {
    kyverno: Vec<KyvernoPolicy>,
    exceptions: Vec<PolicyException>,
    kyverno_values: Option<TestValues>,
    kyverno_user: Option<UserContext>,
    validating: Vec<ValidatingPolicy>,
    admission: Vec<CompiledPolicy>,
    bindings: Vec<Binding>,
    params: Vec<Value>,
    now: i64,
    templates: Vec<Template>,
    constraints: Vec<Constraint>,
    inventory: Option<Vec<Value>>,
    gatekeeper_point: Option<&'static str>,
    gatekeeper_engine: EngineChoice,
}

impl PolicyLoader {
    /// A loader with nothing loaded.
    pub fn new() -> Self {
        PolicyLoader::default()
    }

    /// Adds a policy document. Returns the problems of a policy that loaded but has CEL
    /// expressions that do not compile (each `field.path: error`; those expressions yield
    /// `error` results when they would run), or an error message for documents that are not
    /// policies kanon can evaluate.
    pub fn add(&mut self, document: &Value) -> Result<Vec<String>, String> {
        match classify(document) {
            DocumentKind::KyvernoPolicy => {
                let policy = KyvernoPolicy::from_value(document).map_err(|e| e.to_string())?;
                let problems = policy
                    .rules
                    .iter()
                    .filter_map(|r| r.cel.as_ref().map(|c| (r, c)))
                    .flat_map(|(rule, cel)| {
                        cel.compile_errors()
                            .into_iter()
                            .map(move |e| format!("rule {:?}: {e}", rule.name))
                    })
                    .collect();
                self.kyverno.push(policy);
                Ok(problems)
            }
            DocumentKind::KyvernoException => {
                self.exceptions.push(PolicyException::from_value(document)?);
                Ok(Vec::new())
            }
            DocumentKind::KyvernoValidatingPolicy => {
                let policy = ValidatingPolicy::from_value(document)?;
                let problems = policy.compile_errors();
                self.validating.push(policy);
                Ok(problems)
            }
            DocumentKind::AdmissionPolicy => {
                let policy = CompiledPolicy::from_value(document).map_err(|e| e.to_string())?;
                let problems = policy.compile_errors();
                self.admission.push(policy);
                Ok(problems)
            }
            DocumentKind::AdmissionPolicyBinding => {
                self.bindings
                    .push(Binding::from_value(document).map_err(|e| e.to_string())?);
                Ok(Vec::new())
            }
            DocumentKind::GatekeeperTemplate => {
                let template = Template::compile(document, self.gatekeeper_engine)
                    .map_err(|e| e.to_string())?;
                if let Some(old) = self.templates.iter().position(|t| t.kind == template.kind) {
                    self.templates.remove(old);
                }
                self.templates.push(template);
                Ok(Vec::new())
            }
            DocumentKind::GatekeeperConstraint => {
                let constraint = Constraint::from_value(document).map_err(|e| e.to_string())?;
                if let Some(error) = constraint.match_error() {
                    return Err(format!(
                        "{} {:?}: {error}",
                        constraint.kind, constraint.name
                    ));
                }
                self.constraints.push(constraint);
                Ok(Vec::new())
            }
            DocumentKind::UnsupportedPolicy => Err(format!(
                "{} {:?}: this policy kind is not supported by kanon yet",
                object::kind(document),
                object::name(document)
            )),
            DocumentKind::Resource => Err(format!(
                "{}/{} {:?} is not a policy",
                object::api_version(document),
                object::kind(document),
                object::name(document)
            )),
        }
    }

    /// Offline answers for Kyverno variables and context entries (a Kyverno `Values`
    /// document, as given to `kyverno apply --values-file`).
    pub fn set_kyverno_values(&mut self, values: TestValues) {
        self.kyverno_values = Some(values);
    }

    /// The requester Kyverno policies see offline (a Kyverno `UserInfo` document).
    pub fn set_kyverno_user(&mut self, user: UserContext) {
        self.kyverno_user = Some(user);
    }

    /// The time Kyverno's `time.now()` returns (Unix seconds); the caller reads the clock.
    pub fn set_now(&mut self, unix_seconds: i64) {
        self.now = unix_seconds;
    }

    /// The `(apiVersion, kind)` of every parameter kind the loaded policies take (admission
    /// policies' `spec.paramKind`, `validate.cel.paramKind` of Kyverno rules), without repeats.
    pub fn param_kinds(&self) -> Vec<(String, String)> {
        let admission = self
            .admission
            .iter()
            .filter_map(|p| p.spec.param_kind.as_ref())
            .map(|k| (k.api_version.as_str(), k.kind.as_str()));
        let kyverno = self
            .kyverno
            .iter()
            .flat_map(|p| &p.rules)
            .filter_map(|r| r.cel.as_ref()?.param_kind());
        let mut kinds: Vec<(String, String)> = admission
            .chain(kyverno)
            .map(|(api_version, kind)| (api_version.to_owned(), kind.to_owned()))
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }

    /// Adds parameter objects for `paramRef`s (of admission policy bindings and of Kyverno
    /// `validate.cel` rules).
    pub fn add_params(&mut self, objects: impl IntoIterator<Item = Value>) {
        self.params.extend(objects);
    }

    /// What the loaded Gatekeeper templates need in `data.inventory`: `None` when no template
    /// reads it, `Some(None)` for every object (a template reads it without saying which
    /// kinds), else the `(apiVersion, kind)`s their sync annotations name.
    pub fn inventory_kinds(&self) -> Option<Option<Vec<(String, String)>>> {
        let readers: Vec<&Template> = self
            .templates
            .iter()
            .filter(|t| t.reads_inventory)
            .collect();
        if readers.is_empty() {
            return None;
        }
        let mut kinds = Vec::new();
        for template in readers {
            match &template.sync {
                Some(sync) => kinds.extend(sync.iter().cloned()),
                None => return Some(None),
            }
        }
        kinds.sort();
        kinds.dedup();
        Some(Some(kinds))
    }

    /// Which entry of Gatekeeper templates with both a CEL and a Rego implementation runs
    /// (set before adding templates).
    pub fn set_gatekeeper_engine(&mut self, choice: EngineChoice) {
        self.gatekeeper_engine = choice;
    }

    /// The Gatekeeper enforcement point `scoped` constraints are read for
    /// (`kanon_gatekeeper::VALIDATION_POINT` in the webhook; audit otherwise).
    pub fn set_gatekeeper_point(&mut self, point: &'static str) {
        self.gatekeeper_point = Some(point);
    }

    /// Removes the Gatekeeper constraints whose kind no loaded template defines (Gatekeeper
    /// would have no CRD for them) and says why, once per constraint.
    pub fn take_unbound_constraints(&mut self) -> Vec<String> {
        let kinds: Vec<String> = self.templates.iter().map(|t| t.kind.clone()).collect();
        let mut problems = Vec::new();
        self.constraints.retain(|c| {
            let bound = kinds.contains(&c.kind);
            if !bound {
                problems.push(format!(
                    "{} {:?}: no ConstraintTemplate defines the kind {:?}",
                    c.kind, c.name, c.kind
                ));
            }
            bound
        });
        problems
    }

    /// Sets the objects Gatekeeper templates see in `data.inventory` (referential data).
    pub fn set_inventory(&mut self, objects: Vec<Value>) {
        self.inventory = Some(objects);
    }

    /// How many policies were loaded (Gatekeeper: templates and constraints).
    pub fn len(&self) -> usize {
        self.kyverno.len()
            + self.validating.len()
            + self.admission.len()
            + self.templates.len()
            + self.constraints.len()
    }

    /// Whether no policy was loaded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds the loaded policies to a policy set.
    pub fn install(self, set: &mut PolicySet) {
        if !self.constraints.is_empty() || !self.templates.is_empty() {
            let inventory = self.inventory.map(review::inventory);
            let mut gatekeeper = GatekeeperSet::new(self.templates, self.constraints, inventory);
            if let Some(point) = self.gatekeeper_point {
                gatekeeper = gatekeeper.at_point(point);
            }
            set.add(Arc::new(gatekeeper));
        }
        if !self.kyverno.is_empty() || !self.exceptions.is_empty() {
            let mut kyverno = KyvernoPolicySet::new(self.kyverno, self.exceptions)
                .with_params(self.params.clone());
            if let Some(values) = self.kyverno_values {
                kyverno = kyverno.with_values(values);
            }
            if let Some(user) = self.kyverno_user {
                kyverno = kyverno.with_user(user);
            }
            set.add(Arc::new(kyverno));
        }
        if !self.validating.is_empty() {
            let host = Host {
                now: self.now,
                ..Host::default()
            };
            set.add(Arc::new(VpolPolicySet::new(self.validating, host)));
        }
        if !self.admission.is_empty() {
            set.add(Arc::new(VapPolicySet::new(
                self.admission,
                self.bindings,
                self.params,
            )));
        }
    }
}
