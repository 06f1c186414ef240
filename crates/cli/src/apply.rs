//! `kanon apply`: evaluate manifests offline and report.

use crate::exit;
use crate::input::{self, Input};
use crate::pipeline;
use crate::progress::Progress;
use clap::{Args, ValueEnum};
use kanon_core::{manifest, Evaluation, Labels, Operation, Verdict};
use kanon_engine::{classify, DocumentKind, Engine, Namespaces, PolicyLoader, PolicySet};
use kanon_pss::{LevelVersion, NamespacePolicy, PssConfig};
use kanon_report::{
    junit::JunitSink, policy_report::ReportApi, policy_report::ReportSink, sarif::SarifSink,
    table::TableOptions, table::TableSink, Format, Sink, Timestamp,
};
use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Output formats of `apply`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// Findings grouped by resource, for people.
    Table,
    /// PolicyReports as JSON (a List).
    Json,
    /// PolicyReports as YAML (a List).
    Yaml,
    /// SARIF 2.1.0 for code-scanning UIs.
    Sarif,
    /// JUnit XML for CI test reports.
    Junit,
}

/// Policy Report API to write with `-o json|yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    /// wgpolicyk8s.io/v1alpha2 PolicyReport / ClusterPolicyReport.
    Wgpolicyk8s,
    /// openreports.io/v1alpha1 Report / ClusterReport.
    Openreports,
}

/// When to colour the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// When standard output is a terminal and NO_COLOR is not set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  kanon apply -f manifests/                      # built-in defaults: PSS baseline enforced, restricted warned
  kanon apply --pss baseline:v1.23 -f pod.yaml   # one level and version for every namespace
  kanon apply -f dir/ -o yaml > reports.yaml     # PolicyReports
  cat x.yaml | kanon apply -f -
  kanon apply -p policies/ -f manifests/         # Kyverno ClusterPolicy/Policy (validate rules)
  kanon apply -p pol.yaml -f app/ --values values.yaml --userinfo user.yaml

Kyverno: Enforce failures are fail, Audit failures (and policies annotated
policies.kyverno.io/scored: \"false\") are warn; rules kanon cannot evaluate yet (mutate,
generate, verifyImages, CEL) are error results that say so.

Namespaces: a Namespace in the input with pod-security.kubernetes.io/<mode>[-version] labels
(modes enforce, warn, audit) sets the levels of the resources in it; --pss-namespace-labels gives
labels for namespaces not in the input; other namespaces use the defaults.

Exit codes: 0 no failures, 1 a policy failed (or could not be evaluated), 2 bad usage or unreadable input.")]
pub(crate) struct ApplyArgs {
    /// Manifests: files, directories (recursive: .yaml, .yml, .json; hidden entries skipped), or
    /// `-` for standard input. Repeatable.
    #[arg(short = 'f', long = "filename", value_name = "PATH", required = true)]
    files: Vec<String>,

    /// Policies: files or directories of Kyverno `ClusterPolicy`/`Policy` and `PolicyException`
    /// documents, ValidatingAdmissionPolicies with their bindings, Kyverno ValidatingPolicies,
    /// Gatekeeper ConstraintTemplates and Constraints. Repeatable. With policies, the built-in Pod Security defaults are off (add `--pss` to
    /// keep them).
    #[arg(short = 'p', long = "policy", value_name = "PATH")]
    policies: Vec<String>,

    /// Policy documents found among the `-f` inputs: `use` them as policies (the default
    /// without `-p`), or `ignore` that they are policies and evaluate them as ordinary
    /// resources (the default with `-p`, so a cluster dump's own policies do not join in).
    #[arg(long, value_enum, value_name = "MODE")]
    input_policies: Option<InputPolicies>,

    /// Kyverno values: a `Values` document (as for `kyverno apply --values-file`) that answers
    /// policy variables, context entries (configMap, apiCall) and namespace labels for
    /// `namespaceSelector` offline.
    #[arg(long, visible_alias = "values-file", value_name = "FILE")]
    values: Option<PathBuf>,

    /// The requester Kyverno policies see (`match.subjects/roles/clusterRoles`,
    /// `request.userInfo`): a `UserInfo` document with `userInfo.username`, `userInfo.groups`,
    /// `roles` and `clusterRoles`, as for `kyverno apply --userinfo`.
    #[arg(long, value_name = "FILE")]
    userinfo: Option<PathBuf>,

    /// Check every resource against one Pod Security Standards level, as enforce, ignoring
    /// namespace labels: `LEVEL[:VERSION]` with LEVEL privileged|baseline|restricted and VERSION
    /// latest or v1.N (default latest).
    #[arg(long, value_name = "LEVEL[:VERSION]", value_parser = parse_level_version)]
    pss: Option<LevelVersion>,

    /// Gatekeeper templates with both a CEL (K8sNativeValidation) and a Rego entry run CEL
    /// (Gatekeeper's default) or Rego.
    #[arg(long, value_enum, value_name = "ENGINE", default_value_t = crate::test_cmd::GatekeeperEngine::Cel)]
    gatekeeper_engine: crate::test_cmd::GatekeeperEngine,

    /// Labels for namespaces not in the input: a YAML file mapping namespace names to label
    /// maps, or Namespace manifests.
    #[arg(long, value_name = "FILE")]
    pss_namespace_labels: Option<PathBuf>,

    /// Pod Security Admission's exact behaviour: workloads (Deployments, Jobs...) whose pod
    /// template violates the enforce level only warn, instead of failing.
    #[arg(long)]
    psa_compat: bool,

    /// Honour the `kanon.io/pss-exempt: "<check>[,<check>]"` annotation on resources; exempted
    /// checks are reported as skip.
    #[arg(long)]
    allow_exemptions: bool,

    /// Namespace for namespaced resources that do not set one.
    #[arg(short = 'n', long, value_name = "NAMESPACE", default_value = "default")]
    namespace: String,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
    output: OutputFormat,

    /// Policy Report API for `-o json|yaml`.
    #[arg(long, value_enum, default_value_t = ReportFormat::Wgpolicyk8s)]
    report_format: ReportFormat,

    /// List passing results in the table too.
    #[arg(long)]
    show_passing: bool,

    /// Colour the table.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    /// Worker threads (default: one per core).
    #[arg(short = 'j', long, value_name = "N")]
    jobs: Option<usize>,

    /// Largest file to read, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    max_file_size: u64,

    /// Largest single YAML document to parse, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 32)]
    max_document_size: usize,

    /// Benchmark floor: read and parse the input exactly as usual, evaluate nothing, and print
    /// the number of documents on standard error.
    #[arg(long, hide = true)]
    parse_only: bool,
}

fn parse_level_version(text: &str) -> Result<LevelVersion, String> {
    LevelVersion::parse(text)
        .map_err(|e| format!("{e} (expected LEVEL[:VERSION], e.g. baseline:v1.23)"))
}

/// What `--input-policies` does with policy documents among the `-f` inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum InputPolicies {
    /// Load them as policies.
    Use,
    /// Evaluate them as resources.
    Ignore,
}

/// What one input produced.
struct FileOutcome {
    evaluations: Vec<Evaluation>,
    errors: Vec<String>,
    documents: usize,
}

/// Runs `kanon apply`; returns the exit code.
pub(crate) fn run(args: ApplyArgs) -> u8 {
    let (inputs, input_errors) = input::discover(&args.files);
    for error in &input_errors {
        eprintln!("error: {error}");
    }
    if inputs.is_empty() {
        if input_errors.is_empty() {
            eprintln!(
                "error: no manifests (.yaml, .yml, .json) found in {}",
                args.files.join(", ")
            );
        }
        return exit::ERROR;
    }
    let limits = manifest::Limits {
        max_document_bytes: args.max_document_size.saturating_mul(1 << 20),
        ..manifest::Limits::default()
    };
    let max_file_bytes = args.max_file_size.saturating_mul(1 << 20);
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));

    let mut namespaces = Namespaces::default();
    if let Some(path) = &args.pss_namespace_labels {
        if let Err(error) = load_namespace_labels(path, &limits, &mut namespaces) {
            eprintln!("error: {error}");
            return exit::ERROR;
        }
    }
    let mut loader = PolicyLoader::new();
    loader.set_gatekeeper_engine(args.gatekeeper_engine.choice());
    loader.set_now(timestamp_now_seconds());
    if let Err(error) = load_kyverno_options(&args, &mut loader, &mut namespaces) {
        eprintln!("error: {error}");
        return exit::ERROR;
    }
    let mut load_errors = 0usize;
    if !args.policies.is_empty() {
        let (policy_inputs, errors) = input::discover(&args.policies);
        for error in &errors {
            eprintln!("error: {error}");
        }
        load_errors += errors.len();
        if policy_inputs.is_empty() && errors.is_empty() {
            eprintln!(
                "error: no policy files (.yaml, .yml, .json) found in {}",
                args.policies.join(", ")
            );
            return exit::ERROR;
        }
        for policy_input in &policy_inputs {
            load_errors += load_policy_file(policy_input, max_file_bytes, &limits, &mut loader);
        }
    }
    let use_input_policies = match args.input_policies {
        Some(mode) => mode == InputPolicies::Use,
        None => args.policies.is_empty(),
    };
    if !args.parse_only {
        let found = prescan(&inputs, jobs, max_file_bytes, &limits, use_input_policies);
        for namespace in &found.namespaces {
            namespaces.insert_object(namespace);
        }
        for (document, origin) in &found.policies {
            match loader.add(document) {
                Ok(problems) => warn_problems(origin, document, &problems),
                Err(error) => {
                    eprintln!("error: {origin}: {error}");
                    load_errors += 1;
                }
            }
        }
    }
    let param_kinds = loader.param_kinds();
    if !args.parse_only && !param_kinds.is_empty() {
        loader.add_params(collect_kinds(
            &inputs,
            jobs,
            max_file_bytes,
            &limits,
            Some(&param_kinds),
        ));
    }
    for problem in loader.take_unbound_constraints() {
        eprintln!("error: {problem}");
        load_errors += 1;
    }
    if let (false, Some(kinds)) = (args.parse_only, loader.inventory_kinds()) {
        // Gatekeeper's referential data: the objects of the synced kinds among the inputs
        // (all of them when a template reads the inventory without naming kinds).
        let objects = collect_kinds(&inputs, jobs, max_file_bytes, &limits, kinds.as_deref());
        loader.set_inventory(objects);
    }
    let use_builtin = args.policies.is_empty() && loader.is_empty();

    let mut policies = PolicySet::new();
    if use_builtin || args.pss.is_some() {
        policies.add_pod_security(PssConfig {
            defaults: NamespacePolicy::KANON_DEFAULT,
            fixed: args.pss.map(|lv| {
                kanon_pss::policy_from_labels(
                    &Labels::from([
                        (
                            "pod-security.kubernetes.io/enforce".to_owned(),
                            lv.level.to_string(),
                        ),
                        (
                            "pod-security.kubernetes.io/enforce-version".to_owned(),
                            lv.version.to_string(),
                        ),
                    ]),
                    &NamespacePolicy::PRIVILEGED,
                )
                .0
            }),
            psa_compat: args.psa_compat,
            allow_exemptions: args.allow_exemptions,
        });
    }
    loader.install(&mut policies);
    let engine = Engine::new(policies);

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let timestamp = now();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let format = if args.output == OutputFormat::Yaml {
        Format::Yaml
    } else {
        Format::Json
    };
    let api = match args.report_format {
        ReportFormat::Wgpolicyk8s => ReportApi::WgPolicyV1alpha2,
        ReportFormat::Openreports => ReportApi::OpenReports,
    };
    let mut sink: Box<dyn Sink + '_> = match args.output {
        OutputFormat::Table => Box::new(TableSink::new(
            &mut out,
            TableOptions {
                color,
                show_passing: args.show_passing,
            },
        )),
        OutputFormat::Json | OutputFormat::Yaml => {
            Box::new(ReportSink::new(&mut out, api, format, timestamp))
        }
        OutputFormat::Sarif => Box::new(SarifSink::new(&mut out, env!("CARGO_PKG_VERSION"))),
        OutputFormat::Junit => Box::new(JunitSink::new(&mut out)),
    };

    let total_bytes = inputs
        .iter()
        .map(|i| match i {
            Input::File(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
            Input::Stdin(b) => b.len() as u64,
        })
        .sum();
    let progress = std::cell::RefCell::new(Progress::new(inputs.len(), total_bytes));
    let mut failed = false;
    let mut documents = 0usize;
    let mut unreadable = input_errors.len() + load_errors;
    let mut write_error = None;
    pipeline::run(
        &inputs,
        jobs,
        |input| {
            let engine = (!args.parse_only).then_some(&engine);
            evaluate_input(
                input,
                engine,
                &namespaces,
                &args.namespace,
                &limits,
                max_file_bytes,
                use_input_policies,
            )
        },
        |input, message| FileOutcome {
            evaluations: Vec::new(),
            errors: vec![format!(
                "{}: internal error, please report it: {message}",
                input.display_name()
            )],
            documents: 0,
        },
        |outcome| {
            progress.borrow_mut().file_done(outcome.documents);
            documents += outcome.documents;
            if !outcome.errors.is_empty() {
                progress.borrow_mut().finish();
            }
            for error in &outcome.errors {
                eprintln!("error: {error}");
            }
            unreadable += outcome.errors.len();
            for evaluation in outcome.evaluations {
                failed |= evaluation
                    .findings
                    .iter()
                    .any(|f| matches!(f.verdict, Verdict::Fail | Verdict::Error));
                if let Err(error) = sink.add(evaluation) {
                    write_error = Some(error);
                    return false;
                }
            }
            true
        },
        || progress.borrow_mut().tick(),
    );
    progress.borrow_mut().finish();
    if args.parse_only {
        eprintln!("parsed {documents} documents");
    }
    if write_error.is_none() {
        if let Err(error) = sink.finish() {
            write_error = Some(error);
        }
    } else {
        drop(sink);
    }
    if let Some(error) = write_error {
        if error.is_broken_pipe() {
            return exit::CLEAN;
        }
        eprintln!("error: {error}");
        return exit::ERROR;
    }
    if out.flush().is_err() {
        return exit::CLEAN;
    }
    if unreadable > 0 {
        eprintln!(
            "error: {unreadable} {} could not be read; the rest was evaluated",
            if unreadable == 1 { "input" } else { "inputs" }
        );
        exit::ERROR
    } else if failed {
        exit::VIOLATIONS
    } else {
        exit::CLEAN
    }
}

fn evaluate_input(
    input: &Input,
    engine: Option<&Engine>,
    namespaces: &Namespaces,
    default_namespace: &str,
    limits: &manifest::Limits,
    max_file_bytes: u64,
    policies_in_input: bool,
) -> FileOutcome {
    let mut outcome = FileOutcome {
        evaluations: Vec::new(),
        errors: Vec::new(),
        documents: 0,
    };
    let bytes = match input.read(max_file_bytes) {
        Ok(bytes) => bytes,
        Err(error) => {
            outcome.errors.push(error);
            return outcome;
        }
    };
    manifest::load_bytes(
        &bytes,
        input.display_name(),
        limits,
        &mut |loaded| match loaded {
            Ok(manifest) => {
                outcome.documents += 1;
                let Some(engine) = engine else {
                    return;
                };
                // Policy documents among the inputs were loaded as policies.
                if policies_in_input && classify(&manifest.object) != DocumentKind::Resource {
                    return;
                }
                let evaluation = engine.evaluate_manifest(
                    manifest,
                    Operation::Create,
                    default_namespace,
                    namespaces,
                );
                if !evaluation.findings.is_empty() {
                    outcome.evaluations.push(evaluation);
                }
            }
            Err(error) => outcome.errors.push(error.to_string()),
        },
    );
    outcome
}

/// What the input holds besides resources: Namespaces (whose labels apply wherever they
/// appear) and policy documents.
#[derive(Default)]
struct Prescan {
    namespaces: Vec<Value>,
    policies: Vec<(Value, String)>,
}

/// Finds the Namespace objects and (with `with_policies`) the policy documents of the input
/// before evaluation.
fn prescan(
    inputs: &[Input],
    jobs: usize,
    max_file_bytes: u64,
    limits: &manifest::Limits,
    with_policies: bool,
) -> Prescan {
    // Policy documents of the dialects kanon evaluates; others in `-f` are resources.
    const ALL_MARKERS: &[&str] = &[
        "kyverno.io",
        "admissionregistration.k8s.io",
        "gatekeeper.sh",
    ];
    let policy_markers = if with_policies { ALL_MARKERS } else { &[] };
    let needles: Vec<&str> = std::iter::once("Namespace")
        .chain(policy_markers.iter().copied())
        .collect();
    let mut found = Prescan::default();
    let scan = Scan {
        inputs,
        jobs,
        max_file_bytes,
        limits,
        needles: &needles,
    };
    scan.run(
        |raw| {
            manifest::may_contain_kind(raw, "Namespace")
                || policy_markers.iter().any(|m| raw.contains(m))
        },
        |object, origin, local: &mut Prescan| {
            if kanon_core::object::kind(&object) == "Namespace" {
                local.namespaces.push(object);
            } else if with_policies
                && matches!(
                    classify(&object),
                    DocumentKind::KyvernoPolicy
                        | DocumentKind::KyvernoException
                        | DocumentKind::KyvernoValidatingPolicy
                        | DocumentKind::AdmissionPolicy
                        | DocumentKind::AdmissionPolicyBinding
                        | DocumentKind::GatekeeperTemplate
                        | DocumentKind::GatekeeperConstraint
                )
            {
                local.policies.push((object, origin));
            }
        },
        |local| {
            found.namespaces.extend(local.namespaces);
            found.policies.extend(local.policies);
        },
    );
    found
}

/// Every object of the input whose `(apiVersion, kind)` is one of `kinds` (the parameter
/// objects of admission policies, Gatekeeper's synced kinds), or with `None` every resource
/// (policy documents left out).
fn collect_kinds(
    inputs: &[Input],
    jobs: usize,
    max_file_bytes: u64,
    limits: &manifest::Limits,
    kinds: Option<&[(String, String)]>,
) -> Vec<Value> {
    let needles: Vec<&str> = match kinds {
        Some(kinds) => kinds.iter().map(|(_, kind)| kind.as_str()).collect(),
        None => vec!["kind"],
    };
    let mut found = Vec::new();
    let scan = Scan {
        inputs,
        jobs,
        max_file_bytes,
        limits,
        needles: &needles,
    };
    scan.run(
        |raw| {
            kinds.is_none_or(|kinds| {
                kinds
                    .iter()
                    .any(|(_, kind)| manifest::may_contain_kind(raw, kind))
            })
        },
        |object, _, local: &mut Vec<Value>| {
            let wanted = match kinds {
                Some(kinds) => kinds.iter().any(|(api_version, kind)| {
                    kanon_core::object::api_version(&object) == api_version
                        && kanon_core::object::kind(&object) == kind
                }),
                None => classify(&object) == DocumentKind::Resource,
            };
            if wanted {
                local.push(object);
            }
        },
        |local| found.extend(local),
    );
    found
}

/// A quick pass over the inputs for a few kinds of documents: files without any of the
/// `needles` are skipped unparsed, and so are documents the raw-text filter rejects.
struct Scan<'a> {
    inputs: &'a [Input],
    jobs: usize,
    max_file_bytes: u64,
    limits: &'a manifest::Limits,
    needles: &'a [&'a str],
}

impl Scan<'_> {
    /// Calls `keep(object, "file:line", local)` for each parsed document that passed
    /// `wanted(raw text)`, per input in parallel, then `merge(local)` in input order.
    fn run<T: Default + Send>(
        &self,
        wanted: impl Fn(&str) -> bool + Sync,
        keep: impl Fn(Value, String, &mut T) + Sync,
        mut merge: impl FnMut(T),
    ) {
        let finders: Vec<memchr::memmem::Finder<'_>> = self
            .needles
            .iter()
            .map(|needle| memchr::memmem::Finder::new(needle.as_bytes()))
            .collect();
        pipeline::run(
            self.inputs,
            self.jobs,
            |input| {
                let mut local = T::default();
                let Ok(bytes) = input.read(self.max_file_bytes) else {
                    return local;
                };
                if !finders.iter().any(|f| f.find(&bytes).is_some()) {
                    return local;
                }
                let Ok(text) = std::str::from_utf8(&bytes) else {
                    return local;
                };
                for raw in kanon_yaml::split(text) {
                    if !wanted(raw.text) {
                        continue;
                    }
                    manifest::load_str(
                        raw.text,
                        input.display_name(),
                        self.limits,
                        &mut |loaded| {
                            let Ok(m) = loaded else { return };
                            let origin =
                                format!("{}:{}", m.origin.source, m.origin.line + raw.line - 1);
                            keep(m.object, origin, &mut local);
                        },
                    );
                }
                local
            },
            |_, _| T::default(),
            |local| {
                merge(local);
                true
            },
            || {},
        );
    }
}

/// Loads every policy document of a `-p` input; returns the number of errors printed.
fn load_policy_file(
    input: &Input,
    max_file_bytes: u64,
    limits: &manifest::Limits,
    loader: &mut PolicyLoader,
) -> usize {
    let bytes = match input.read(max_file_bytes) {
        Ok(bytes) => bytes,
        Err(error) => {
            eprintln!("error: {error}");
            return 1;
        }
    };
    let mut errors = 0;
    manifest::load_bytes(
        &bytes,
        input.display_name(),
        limits,
        &mut |loaded| match loaded {
            Ok(m) => {
                let origin = format!("{}:{}", m.origin.source, m.origin.line);
                match loader.add(&m.object) {
                    Ok(problems) => warn_problems(&origin, &m.object, &problems),
                    Err(error) => {
                        eprintln!("error: {origin}: {error}");
                        errors += 1;
                    }
                }
            }
            Err(error) => {
                eprintln!("error: {error}");
                errors += 1;
            }
        },
    );
    errors
}

/// Prints the CEL compile problems of a loaded policy (`file:line: Kind "name": field.path:
/// error`); the expressions concerned give `error` results when they run.
fn warn_problems(origin: &str, document: &Value, problems: &[String]) {
    for problem in problems {
        eprintln!(
            "warning: {origin}: {} {:?}: {problem}",
            kanon_core::object::kind(document),
            kanon_core::object::name(document)
        );
    }
}

/// Reads `--values` and `--userinfo` into the policy loader; namespace labels of the values
/// document join the known namespaces.
fn load_kyverno_options(
    args: &ApplyArgs,
    loader: &mut PolicyLoader,
    namespaces: &mut Namespaces,
) -> Result<(), String> {
    if let Some(path) = &args.values {
        let document = single_document(path)?;
        let values = kanon_kyverno::testing::parse_values(&document)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        for (namespace, labels) in &values.namespace_labels {
            namespaces.insert(namespace.clone(), labels.clone());
        }
        loader.set_kyverno_values(kanon_kyverno::testing::TestValues {
            api_calls: values.api_calls.clone(),
            values,
            ..Default::default()
        });
    }
    if let Some(path) = &args.userinfo {
        let document = single_document(path)?;
        let user = kanon_kyverno::testing::parse_userinfo(&document)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        loader.set_kyverno_user(user);
    }
    Ok(())
}

/// The first document of a YAML file (an error when it has none).
fn single_document(path: &std::path::Path) -> Result<Value, String> {
    crate::test_cmd::read_documents(path)?
        .into_iter()
        .next()
        .ok_or_else(|| format!("{}: no document", path.display()))
}

/// Reads `--pss-namespace-labels`: either a mapping `namespace: {label: value}` or Namespace
/// manifests.
fn load_namespace_labels(
    path: &std::path::Path,
    limits: &manifest::Limits,
    namespaces: &mut Namespaces,
) -> Result<(), String> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    for document in kanon_yaml::documents(&text, limits) {
        let document =
            document.map_err(|e| format!("{name}:{}:{}: {}", e.line, e.column, e.kind))?;
        let Value::Object(map) = &document.value else {
            if document.value.is_null() {
                continue;
            }
            return Err(format!(
                "{name}:{}: expected a mapping of namespace names to labels",
                document.line
            ));
        };
        if map.contains_key("kind") {
            let items = match map.get("items") {
                Some(Value::Array(items)) => items.iter().collect(),
                _ => vec![&document.value],
            };
            for item in items {
                if !namespaces.insert_object(item) {
                    return Err(format!(
                        "{name}:{}: expected Namespace objects, found {}",
                        document.line,
                        kanon_core::object::kind(item)
                    ));
                }
            }
            continue;
        }
        for (namespace, labels) in map {
            let Value::Object(labels) = labels else {
                return Err(format!(
                    "{name}: labels of namespace {namespace:?} must be a mapping"
                ));
            };
            let mut parsed = Labels::new();
            for (key, value) in labels {
                let Value::String(value) = value else {
                    return Err(format!(
                        "{name}: label {key:?} of namespace {namespace:?} must be a string"
                    ));
                };
                parsed.insert(key.clone(), value.clone());
            }
            namespaces.insert(namespace.clone(), parsed);
        }
    }
    Ok(())
}

fn timestamp_now_seconds() -> i64 {
    now().seconds
}

fn now() -> Timestamp {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp {
        seconds: i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        nanos: since.subsec_nanos(),
    }
}
