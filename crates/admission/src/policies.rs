//! Loading the serving policy set from `--policies` paths, all or nothing, and noticing when
//! those files change.

use crate::error::{Error, Result};
use kanon_core::manifest::{self, Limits};
use kanon_core::object;
use kanon_engine::{Engine, PolicyLoader, PolicySet};
use kanon_pss::PssConfig;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// How to build the serving set.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Files or directories of policies (any dialect kanon evaluates); none means the
    /// built-in Pod Security defaults.
    pub paths: Vec<PathBuf>,
    /// Pod Security Standards to add to the set (always present without `paths`).
    pub pss: Option<PssConfig>,
}

/// A compiled, ready set.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The engine over the set.
    pub engine: Arc<Engine>,
    /// The Pod Security configuration in the set, if any.
    pub pss: Option<PssConfig>,
    /// How many policies (Pod Security counts as one).
    pub count: usize,
    /// Problems that did not stop loading (CEL expressions that do not compile: they give
    /// `error` results when they run), each naming file and line.
    pub warnings: Vec<String>,
}

/// Loads every policy under the paths. Any unreadable file or document that is not a policy
/// (nor a parameter object of one) fails the whole load, so a half-written set never serves.
pub fn load(options: &LoadOptions, now_unix_seconds: i64) -> Result<Loaded> {
    let mut loader = PolicyLoader::new();
    loader.set_now(now_unix_seconds);
    loader.set_gatekeeper_point(kanon_gatekeeper::VALIDATION_POINT);
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut others: Vec<(Value, String)> = Vec::new();
    let files = policy_files(&options.paths, &mut errors);
    if !options.paths.is_empty() && files.is_empty() && errors.is_empty() {
        errors.push(format!(
            "no policy files (.yaml, .yml, .json) in {}",
            display_paths(&options.paths)
        ));
    }
    for file in &files {
        let bytes = match std::fs::read(file) {
            Ok(bytes) => bytes,
            Err(source) => {
                errors.push(
                    Error::Read {
                        path: file.clone(),
                        source,
                    }
                    .to_string(),
                );
                continue;
            }
        };
        let name: Arc<str> = Arc::from(file.display().to_string());
        manifest::load_bytes(
            &bytes,
            name,
            &Limits::default(),
            &mut |loaded| match loaded {
                Ok(m) => {
                    let origin = format!("{}:{}", m.origin.source, m.origin.line);
                    match loader.add(&m.object) {
                        Ok(problems) => warnings.extend(problems.into_iter().map(|p| {
                            format!(
                                "{origin}: {} {:?}: {p}",
                                object::kind(&m.object),
                                object::name(&m.object)
                            )
                        })),
                        Err(_)
                            if kanon_engine::classify(&m.object)
                                == kanon_engine::DocumentKind::Resource =>
                        {
                            others.push((m.object, origin));
                        }
                        Err(error) => errors.push(format!("{origin}: {error}")),
                    }
                }
                Err(error) => errors.push(error.to_string()),
            },
        );
    }
    // Objects beside the policies are parameters of the policies that take their kind.
    let param_kinds = loader.param_kinds();
    let mut params = Vec::new();
    for (document, origin) in others {
        let kind = (
            object::api_version(&document).to_owned(),
            object::kind(&document).to_owned(),
        );
        if param_kinds.contains(&kind) {
            params.push(document);
        } else {
            errors.push(format!(
                "{origin}: {}/{} {:?} is not a policy (nor a parameter object of one)",
                kind.0,
                kind.1,
                object::name(&document)
            ));
        }
    }
    errors.extend(loader.take_unbound_constraints());
    if !errors.is_empty() {
        return Err(Error::Policies(errors));
    }
    loader.add_params(params);
    let mut set = PolicySet::new();
    let pss = if options.paths.is_empty() {
        Some(options.pss.clone().unwrap_or_default())
    } else {
        options.pss.clone()
    };
    if let Some(config) = &pss {
        set.add_pod_security(config.clone());
    }
    let count = loader.len() + usize::from(pss.is_some());
    loader.install(&mut set);
    Ok(Loaded {
        engine: Arc::new(Engine::new(set)),
        pss,
        count,
        warnings,
    })
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The policy files under the paths: `.yaml`, `.yml` and `.json`, recursively, hidden
/// entries skipped (a mounted ConfigMap links its files from the top, beside `..data`), sorted.
fn policy_files(paths: &[PathBuf], errors: &mut Vec<String>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, &mut files, errors, 0),
            Ok(_) => files.push(path.clone()),
            Err(source) => errors.push(
                Error::Read {
                    path: path.clone(),
                    source,
                }
                .to_string(),
            ),
        }
    }
    files
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<String>, depth: usize) {
    if depth > 32 {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(source) => {
            errors.push(
                Error::Read {
                    path: dir.to_path_buf(),
                    source,
                }
                .to_string(),
            );
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, files, errors, depth + 1);
        } else if [".yaml", ".yml", ".json"].iter().any(|e| name.ends_with(e)) {
            files.push(path);
        }
    }
}

/// What the policy files look like now: paths, sizes and modification times. A change means
/// a reload is due.
pub fn fingerprint(paths: &[PathBuf]) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let mut ignored = Vec::new();
    policy_files(paths, &mut ignored)
        .into_iter()
        .map(|path| {
            let meta = std::fs::metadata(&path).ok();
            let size = meta.as_ref().map_or(0, std::fs::Metadata::len);
            let modified = meta.and_then(|m| m.modified().ok());
            (path, size, modified)
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const POLICY: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: no-latest}
spec:
  validationFailureAction: Enforce
  rules:
  - name: tag
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: use a tag
      pattern: {spec: {containers: [{image: '!*:latest'}]}}
";

    #[test]
    fn without_paths_the_builtin_defaults_serve() {
        let loaded = load(&LoadOptions::default(), 0).unwrap();
        assert_eq!(loaded.count, 1);
        assert!(loaded.pss.is_some());
    }

    #[test]
    fn a_directory_loads_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), POLICY).unwrap();
        let options = LoadOptions {
            paths: vec![dir.path().to_path_buf()],
            pss: None,
        };
        let loaded = load(&options, 0).unwrap();
        assert_eq!(loaded.count, 1);
        assert!(loaded.pss.is_none());

        std::fs::write(dir.path().join("b.yaml"), "kind: [broken").unwrap();
        std::fs::write(
            dir.path().join("c.yaml"),
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n",
        )
        .unwrap();
        let error = load(&options, 0).unwrap_err().to_string();
        assert!(error.starts_with("policies not loaded:\n  "), "{error}");
        assert!(error.contains("b.yaml:1"), "{error}");
        assert!(
            error.contains("c.yaml:1: v1/Service \"s\" is not a policy"),
            "{error}"
        );
    }

    #[test]
    fn fingerprints_change_with_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let paths = vec![dir.path().to_path_buf()];
        let empty = fingerprint(&paths);
        std::fs::write(dir.path().join("a.yaml"), POLICY).unwrap();
        assert_ne!(fingerprint(&paths), empty);
    }
}
