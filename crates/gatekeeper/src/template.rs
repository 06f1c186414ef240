//! ConstraintTemplates: the Rego of `targets[0]`, compiled once into a regorus engine.

use crate::builtins;
use crate::cel::CelProgram;
use crate::error::Error;
use crate::source;
use kanon_core::object;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// The Gatekeeper admission target.
pub const ADMISSION_TARGET: &str = "admission.k8s.gatekeeper.sh";

/// One violation reported by a template's `violation` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// `msg`.
    pub msg: String,
    /// `details` (`{}` when absent).
    pub details: Value,
}

/// A compiled ConstraintTemplate.
#[derive(Debug, Clone)]
pub struct Template {
    /// `metadata.name`.
    pub name: String,
    /// The constraint kind it defines (`spec.crd.spec.names.kind`).
    pub kind: String,
    /// The schema of constraint parameters, if declared.
    pub schema: Option<Value>,
    /// Whether the Rego reads `data.inventory`.
    pub reads_inventory: bool,
    /// The `(apiVersion, kind)`s its `metadata.gatekeeper.sh/requires-sync-data` annotation
    /// asks to be synced into the inventory (`None` without the annotation).
    pub sync: Option<Vec<(String, String)>>,
    /// The entry rule (`data.<package>.violation`) and its engine, when Rego runs.
    rego: Option<(String, Evaluator)>,
    /// The `K8sNativeValidation` program, when CEL runs.
    cel: Option<Arc<CelProgram>>,
}

/// Which implementation of a template runs when it carries both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EngineChoice {
    /// The `K8sNativeValidation` (CEL) entry when there is one, as Gatekeeper does with
    /// `--enable-k8s-native-validation` (its default).
    #[default]
    PreferCel,
    /// Always the Rego entry (`--enable-k8s-native-validation=false`).
    Rego,
}

/// A prepared regorus engine and a pool of copies of it: each evaluation takes a copy (a clone
/// of the prepared one the first time), so compiled templates are shared across threads.
pub(crate) struct Evaluator {
    prototype: regorus::Engine,
    pool: Mutex<Vec<regorus::Engine>>,
}

impl std::fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator").finish_non_exhaustive()
    }
}

impl Clone for Evaluator {
    fn clone(&self) -> Self {
        Evaluator {
            prototype: self.prototype.clone(),
            pool: Mutex::new(Vec::new()),
        }
    }
}

impl Evaluator {
    fn take(&self) -> regorus::Engine {
        self.pool
            .lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_else(|| self.prototype.clone())
    }

    fn give_back(&self, engine: regorus::Engine) {
        if let Ok(mut pool) = self.pool.lock() {
            if pool.len() < 64 {
                pool.push(engine);
            }
        }
    }
}

impl Template {
    /// Whether a document is a ConstraintTemplate.
    pub fn is_template_document(document: &Value) -> bool {
        object::kind(document) == "ConstraintTemplate"
            && object::api_version(document).starts_with("templates.gatekeeper.sh/")
    }

    /// Compiles a ConstraintTemplate document (CEL preferred when it has both engines).
    pub fn from_value(document: &Value) -> Result<Template, Error> {
        Template::compile(document, EngineChoice::PreferCel)
    }

    /// Whether evaluation runs the template's CEL (`K8sNativeValidation`) entry.
    pub fn uses_cel(&self) -> bool {
        self.cel.is_some()
    }

    /// Compiles a ConstraintTemplate document with the given engine choice.
    pub fn compile(document: &Value, choice: EngineChoice) -> Result<Template, Error> {
        let name = object::name(document).to_owned();
        let invalid = |reason: String| Error::Template {
            name: name.clone(),
            reason,
        };
        let spec = document
            .get("spec")
            .ok_or_else(|| invalid("no spec".into()))?;
        let crd_spec = spec.pointer("/crd/spec");
        let kind = crd_spec
            .and_then(|s| s.pointer("/names/kind"))
            .and_then(Value::as_str)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| invalid("spec.crd.spec.names.kind is missing".into()))?
            .to_owned();
        if !name.is_empty() && name != kind.to_lowercase() {
            return Err(invalid(format!(
                "the template name must be the lower-case kind {:?}",
                kind.to_lowercase()
            )));
        }
        let schema = crd_spec
            .and_then(|s| s.pointer("/validation/openAPIV3Schema"))
            .cloned();
        let targets = spec
            .get("targets")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid("spec.targets is missing".into()))?;
        let [target] = targets.as_slice() else {
            return Err(invalid(format!(
                "spec.targets must have exactly one target, found {}",
                targets.len()
            )));
        };
        let target_name = target.get("target").and_then(Value::as_str).unwrap_or("");
        if target_name != ADMISSION_TARGET {
            return Err(invalid(format!(
                "target {target_name:?} is not supported (only {ADMISSION_TARGET})"
            )));
        }
        let cel_source = target
            .get("code")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|e| e.get("engine").and_then(Value::as_str) == Some("K8sNativeValidation"))
            .and_then(|e| e.get("source"));
        let rego_found = rego_source(target);
        // CEL runs when preferred, or when it is the only implementation.
        let use_cel = matches!(
            (choice, cel_source, &rego_found),
            (EngineChoice::PreferCel, Some(_), _) | (EngineChoice::Rego, Some(_), Err(_))
        );
        if let (true, Some(source)) = (use_cel, cel_source) {
            let program = CelProgram::compile(source)
                .map_err(|e| invalid(format!("K8sNativeValidation: {e}")))?;
            return Ok(Template {
                sync: sync_kinds(document),
                name,
                kind,
                schema,
                reads_inventory: false,
                rego: None,
                cel: Some(Arc::new(program)),
            });
        }
        let (rego, libs, v1) = rego_found.map_err(&invalid)?;
        let mut engine = regorus::Engine::new();
        engine.set_rego_v0(!v1);
        // Gatekeeper runs OPA without strict builtin errors: a builtin that errs makes its
        // expression undefined instead of aborting the evaluation.
        engine.set_strict_builtin_errors(false);
        // `print` output is gathered (and dropped after each evaluation) instead of going to
        // the process's stderr: domain crates do no I/O.
        engine.set_gather_prints(true);
        builtins::register(&mut engine).map_err(|e| invalid(e.to_string()))?;
        let mut defined = BTreeSet::new();
        let mut calls = Vec::new();
        let mut reads_inventory = false;
        let mut entry_package = None;
        for (index, module) in std::iter::once(&rego).chain(libs.iter()).enumerate() {
            let file = if index == 0 {
                "template.rego".to_owned()
            } else {
                format!("lib{index}.rego")
            };
            let scanned = source::scan(module);
            defined.extend(scanned.defines.iter().cloned());
            calls.extend(scanned.calls.into_iter().map(|(n, l)| (n, file.clone(), l)));
            reads_inventory |= module.contains("data.inventory");
            let package = engine
                .add_policy(file.clone(), scanned.source)
                .map_err(|e| invalid(format!("{file}: {}", one_line(&e.to_string()))))?;
            if index == 0 {
                entry_package = Some(package);
            } else if !package.starts_with("data.lib.") && package != "data.lib" {
                return Err(invalid(format!(
                    "{file}: a library must declare `package lib.<name>`, not {:?}",
                    package.trim_start_matches("data.")
                )));
            }
        }
        let entry_package = entry_package.unwrap_or_default();
        check_calls(&calls, &defined).map_err(&invalid)?;
        let entry = format!("{entry_package}.violation");
        if !rego.contains("violation") {
            return Err(invalid(
                "the Rego does not define a `violation` rule".into(),
            ));
        }
        Ok(Template {
            sync: sync_kinds(document),
            name,
            kind,
            schema,
            reads_inventory,
            rego: Some((
                entry,
                Evaluator {
                    prototype: engine,
                    pool: Mutex::new(Vec::new()),
                },
            )),
            cel: None,
        })
    }

    /// A copy of this template whose `data.inventory` holds `inventory`.
    pub fn with_inventory(&self, inventory: &Value) -> Result<Template, Error> {
        self.with_data(crate::review::rego_object([(
            "inventory",
            crate::review::to_rego(inventory),
        )]))
    }

    /// A copy of this template with `data` (an object of documents, such as `inventory`).
    pub fn with_data(&self, data: regorus::Value) -> Result<Template, Error> {
        let Some((entry, evaluator)) = &self.rego else {
            // CEL templates have no `data`.
            return Ok(self.clone());
        };
        let mut prototype = evaluator.prototype.clone();
        prototype.add_data(data).map_err(|e| Error::Template {
            name: self.name.clone(),
            reason: format!("cannot load the inventory: {e}"),
        })?;
        Ok(Template {
            rego: Some((
                entry.clone(),
                Evaluator {
                    prototype,
                    pool: Mutex::new(Vec::new()),
                },
            )),
            ..self.clone()
        })
    }

    /// Runs the CEL entry on `review` (`input.review` as JSON) with the constraint as
    /// `params`. `None` when the template runs Rego.
    pub(crate) fn evaluate_cel(
        &self,
        review: &Value,
        params: &Value,
    ) -> Option<Result<Vec<Violation>, String>> {
        self.cel.as_ref().map(|cel| cel.evaluate(review, params))
    }

    /// Runs the `violation` rule with `input` (`{"review": ..., "parameters": ...}`).
    /// `Err` is the evaluation error's text.
    pub fn evaluate(&self, input: regorus::Value) -> Result<Vec<Violation>, String> {
        let Some((entry, evaluator)) = &self.rego else {
            return Err("the template runs CEL, not Rego".to_owned());
        };
        let mut engine = evaluator.take();
        engine.set_input(input);
        let result = engine.eval_rule(entry.clone());
        let _ = engine.take_prints();
        evaluator.give_back(engine);
        let value = result.map_err(|e| one_line(&e.to_string()))?;
        let items: Vec<&regorus::Value> = match &value {
            regorus::Value::Set(set) => set.iter().collect(),
            regorus::Value::Array(items) => items.iter().collect(),
            regorus::Value::Undefined => Vec::new(),
            other => {
                return Err(format!(
                    "violation must be a set of objects, got {}",
                    builtins::rego_text(other)
                ))
            }
        };
        let msg_key = regorus::Value::from("msg");
        let details_key = regorus::Value::from("details");
        // Gatekeeper collects `{msg, details}` pairs into a set: elements that differ only in
        // other fields (or in an absent versus empty `details`) are one result.
        let empty = regorus::Value::new_object();
        let mut seen = BTreeSet::new();
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let regorus::Value::Object(fields) = item else {
                continue;
            };
            let msg = match fields.get(&msg_key) {
                None | Some(regorus::Value::Undefined) => continue,
                Some(regorus::Value::String(msg)) => msg,
                Some(other) => {
                    return Err(format!(
                        "violation msg must be a string, got {}",
                        builtins::rego_text(other)
                    ))
                }
            };
            let details = fields.get(&details_key).unwrap_or(&empty);
            if !seen.insert((msg.clone(), details.clone())) {
                continue;
            }
            let details = details
                .to_json_str()
                .ok()
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_else(|| Value::Object(serde_json::Map::new()));
            out.push(Violation {
                msg: msg.to_string(),
                details,
            });
        }
        Ok(out)
    }
}

/// The kinds of the `metadata.gatekeeper.sh/requires-sync-data` annotation: a JSON string
/// (itself quoted) holding a list of alternatives, each a list of `{groups, versions, kinds}`.
fn sync_kinds(document: &Value) -> Option<Vec<(String, String)>> {
    let text = document
        .pointer("/metadata/annotations")?
        .get("metadata.gatekeeper.sh/requires-sync-data")?
        .as_str()?
        .trim();
    let inner = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    let parsed: Value = serde_json::from_str(inner).ok()?;
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    let mut kinds = Vec::new();
    for entry in parsed
        .as_array()?
        .iter()
        .flat_map(|alt| alt.as_array().into_iter().flatten())
    {
        for group in strings(entry.get("groups")) {
            for version in strings(entry.get("versions")) {
                for kind in strings(entry.get("kinds")) {
                    let api_version = if group.is_empty() {
                        version.clone()
                    } else {
                        format!("{group}/{version}")
                    };
                    kinds.push((api_version, kind));
                }
            }
        }
    }
    kinds.sort();
    kinds.dedup();
    Some(kinds)
}

/// Shared handle to a template.
pub type SharedTemplate = Arc<Template>;

/// The Rego of a target: `rego` + `libs`, or the `code` entry with engine `Rego`.
/// Returns (entry module, libs, whether it is Rego v1).
fn rego_source(target: &Value) -> Result<(String, Vec<String>, bool), String> {
    let libs_of = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    if let Some(rego) = target.get("rego").and_then(Value::as_str) {
        return Ok((rego.to_owned(), libs_of(target.get("libs")), false));
    }
    let code = target.get("code").and_then(Value::as_array);
    for entry in code.into_iter().flatten() {
        if entry.get("engine").and_then(Value::as_str) == Some("Rego") {
            let source = entry.get("source");
            let rego = source
                .and_then(|s| s.get("rego"))
                .and_then(Value::as_str)
                .ok_or("the Rego code entry has no source.rego")?;
            let v1 = source
                .and_then(|s| s.get("version"))
                .and_then(Value::as_str)
                == Some("v1");
            return Ok((
                rego.to_owned(),
                libs_of(source.and_then(|s| s.get("libs"))),
                v1,
            ));
        }
    }
    let engines: Vec<&str> = code
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("engine").and_then(Value::as_str))
        .collect();
    if engines.is_empty() {
        Err("the target has neither `rego` nor a `code` entry".into())
    } else {
        Err(format!(
            "no Rego implementation (code engines: {}); kanon runs the Rego engine",
            engines.join(", ")
        ))
    }
}

/// Every function the modules call must be a builtin, one of kanon's extensions, or defined in
/// the template's modules: regorus would only notice at evaluation.
fn check_calls(
    calls: &[(String, String, usize)],
    defined: &BTreeSet<String>,
) -> Result<(), String> {
    let builtins = &*regorus::unstable::BUILTINS;
    for (name, file, line) in calls {
        let last = name.rsplit('.').next().unwrap_or(name);
        let known = builtins.contains_key(name.as_str())
            || builtins::EXTENSIONS.iter().any(|(n, _)| n == name)
            || matches!(name.as_str(), "print" | "trace")
            || defined.contains(name)
            || (name.contains('.') && defined.contains(last));
        if !known {
            return Err(format!(
                "{file}:{line}: unknown function {name:?} (not an OPA builtin regorus provides, nor defined by the template)"
            ));
        }
    }
    Ok(())
}

fn one_line(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with('|') && !l.chars().all(|c| c == '^' || c == ' ')
        })
        .collect();
    lines.join(" ")
}
