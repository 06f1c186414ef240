//! `kanon test`: runs the `kyverno-test.yaml` suites under a directory and checks every
//! expected result.

use crate::exit;
use clap::{Args, ValueEnum};
use kanon_core::manifest;
use kanon_engine::{classify, DocumentKind};
use kanon_gatekeeper::suite;
use kanon_kyverno::testing::{self, Row, RowOutcome, TestInputs, TestPolicy, TestValues};
use kanon_kyverno::vpol::{CelException, ValidatingPolicy};
use kanon_kyverno::{KyvernoPolicy, PolicyException};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Output formats of `test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TestOutput {
    /// One line per checked result, then a summary.
    Table,
    /// JUnit XML.
    Junit,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Every file named kyverno-test.yaml under PATH (hidden directories included) is a test \
manifest; each YAML document in it is one test, run as `kyverno test` runs it.

Gatekeeper: every YAML file under PATH holding a `test.gatekeeper.sh` Suite (gator's suite.yaml) is run \
as `gator verify` runs it: each case reviews its object against the test's template and constraint \
(plus the case's inventory) and every assertion (violations: yes | no | N, optional message regex) \
must hold. `--run` selects gator tests and cases by name.

Exit codes: 0 every expected result matched, 1 some did not (or a test could not be loaded), 2 bad usage."
)]
pub(crate) struct TestArgs {
    /// Directories (or manifest files) to search for kyverno-test.yaml.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = TestOutput::Table)]
    output: TestOutput,

    /// Show each rule's message next to its result.
    #[arg(long)]
    detailed_results: bool,

    /// Only list the results that did not match.
    #[arg(long)]
    fail_only: bool,

    /// Gatekeeper suites: only run tests (and cases) whose name matches, as `gator verify
    /// --run`: `TEST` or `TEST//CASE` regular expressions.
    #[arg(long, value_name = "REGEX")]
    run: Option<String>,

    /// Gatekeeper templates that carry both a CEL (K8sNativeValidation) and a Rego entry:
    /// run CEL (Gatekeeper's default) or Rego (as `--enable-k8s-native-validation=false`).
    #[arg(long, value_enum, value_name = "ENGINE", default_value_t = GatekeeperEngine::Cel)]
    gatekeeper_engine: GatekeeperEngine,
}

/// `--gatekeeper-engine`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum GatekeeperEngine {
    /// Prefer the K8sNativeValidation (CEL) entry.
    Cel,
    /// Always the Rego entry.
    Rego,
}

impl GatekeeperEngine {
    pub(crate) fn choice(self) -> kanon_gatekeeper::EngineChoice {
        match self {
            GatekeeperEngine::Cel => kanon_gatekeeper::EngineChoice::PreferCel,
            GatekeeperEngine::Rego => kanon_gatekeeper::EngineChoice::Rego,
        }
    }
}

/// The results of one test document.
struct TestRun {
    manifest: PathBuf,
    name: String,
    rows: Vec<Row>,
    error: Option<String>,
}

/// Whether a file holds a gator suite (`apiVersion: test.gatekeeper.sh/...`, `kind: Suite`),
/// judged from its text; [`run_gator_file`] parses it once and runs its Suite documents.
fn is_gator_suite(path: &Path) -> bool {
    if !path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
        return false;
    }
    std::fs::read_to_string(path).is_ok_and(|text| {
        text.contains("test.gatekeeper.sh") && manifest::may_contain_kind(&text, "Suite")
    })
}

/// Runs the gator suites of one file: one [`TestRun`] per suite test.
fn run_gator_file(
    path: &Path,
    filter: Option<&suite::Filter>,
    engine: kanon_gatekeeper::EngineChoice,
) -> Vec<TestRun> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let error_run = |error: String| TestRun {
        manifest: path.to_path_buf(),
        name: String::new(),
        rows: Vec::new(),
        error: Some(error),
    };
    let documents = match read_documents(path) {
        Ok(documents) => documents,
        Err(error) => return vec![error_run(error)],
    };
    let read = |file: &str| read_documents(&dir.join(file));
    let mut runs = Vec::new();
    for document in documents.iter().filter(|d| suite::is_suite_document(d)) {
        let parsed = match suite::parse_suite(document) {
            Ok(parsed) => parsed,
            Err(e) => {
                runs.push(error_run(format!("{}: {e}", path.display())));
                continue;
            }
        };
        for test in suite::run_suite(&parsed, &read, filter, engine) {
            runs.push(TestRun {
                manifest: path.to_path_buf(),
                name: test.name.clone(),
                error: test.error.map(|e| format!("test {:?}: {e}", test.name)),
                rows: test
                    .cases
                    .into_iter()
                    .map(|case| Row {
                        policy: case.constraint,
                        rule: String::new(),
                        resource: case.name,
                        expected: case.expected,
                        outcome: match case.outcome {
                            suite::Outcome::Pass => RowOutcome::Pass,
                            suite::Outcome::Fail => RowOutcome::Fail,
                            suite::Outcome::Skip => RowOutcome::Skip,
                        },
                        reason: case.reason,
                        message: case.messages.join("; "),
                    })
                    .collect(),
            });
        }
    }
    runs
}

fn find_manifests(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        out.push(path.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    let mut children: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    children.sort();
    for child in children {
        if child.is_dir() {
            find_manifests(&child, out);
        } else if child.file_name().is_some_and(|n| n == "kyverno-test.yaml")
            || is_gator_suite(&child)
        {
            out.push(child);
        }
    }
}

pub(crate) fn read_documents(path: &Path) -> Result<Vec<Value>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let mut documents = Vec::new();
    let mut first_error = None;
    let limits = manifest::Limits::default();
    let text =
        std::str::from_utf8(&bytes).map_err(|e| format!("{}: not UTF-8: {e}", path.display()))?;
    for document in kanon_yaml::documents(text, &limits) {
        match document {
            Ok(d) if d.value.is_null() => {}
            Ok(d) => documents.push(d.value),
            Err(e) => {
                first_error.get_or_insert_with(|| {
                    format!("{}:{}:{}: {}", path.display(), e.line, e.column, e.kind)
                });
            }
        }
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok(documents),
    }
}

fn load_inputs(dir: &Path, case: &testing::TestCase) -> Result<TestInputs, String> {
    let mut inputs = TestInputs::default();
    for file in &case.policies {
        for document in read_documents(&dir.join(file))? {
            let name = kanon_core::object::name(&document).to_owned();
            if CelException::is_exception_document(&document) {
                inputs
                    .cel_exceptions
                    .push(CelException::from_value(&document)?);
                continue;
            }
            let policy = match classify(&document) {
                DocumentKind::KyvernoPolicy => match KyvernoPolicy::from_value(&document) {
                    Ok(policy) => TestPolicy::Kyverno(Box::new(policy)),
                    Err(e) => TestPolicy::Unsupported {
                        name,
                        reason: format!("invalid policy document: {e}"),
                    },
                },
                DocumentKind::KyvernoException => {
                    inputs
                        .exceptions
                        .push(PolicyException::from_value(&document)?);
                    continue;
                }
                DocumentKind::KyvernoValidatingPolicy => {
                    match ValidatingPolicy::from_value(&document) {
                        Ok(policy) => TestPolicy::Validating(Box::new(policy)),
                        Err(e) => TestPolicy::Unsupported {
                            name,
                            reason: format!("invalid policy document: {e}"),
                        },
                    }
                }
                DocumentKind::AdmissionPolicy => {
                    match kanon_vap::CompiledPolicy::from_value(&document) {
                        Ok(policy) => TestPolicy::Admission(Box::new(policy)),
                        Err(e) => TestPolicy::Unsupported {
                            name,
                            reason: format!("invalid policy document: {e}"),
                        },
                    }
                }
                DocumentKind::AdmissionPolicyBinding => {
                    inputs.bindings.push(
                        kanon_vap::Binding::from_value(&document).map_err(|e| e.to_string())?,
                    );
                    continue;
                }
                _ => TestPolicy::Unsupported {
                    name,
                    reason: format!(
                        "{}/{} policies are not supported yet",
                        kanon_core::object::api_version(&document),
                        kanon_core::object::kind(&document)
                    ),
                },
            };
            inputs.policies.push(policy);
        }
    }
    let mut resources = Vec::new();
    for file in &case.resources {
        match read_documents(&dir.join(file)) {
            Ok(documents) => resources.extend(documents),
            // `kyverno test` skips resource files it cannot read.
            Err(_) => continue,
        }
    }
    inputs.resources = testing::prepare_resources(resources);
    if !case.json_payloads.is_empty() {
        inputs.payloads_from = Some(inputs.resources.len());
        for file in &case.json_payloads {
            inputs.resources.extend(read_documents(&dir.join(file))?);
        }
    }
    let values_doc = match (&case.values, &case.variables) {
        (Some(inline), _) => Some(inline.clone()),
        (None, Some(file)) => read_documents(&dir.join(file))?.into_iter().next(),
        (None, None) => None,
    };
    if let Some(doc) = values_doc {
        inputs.values = TestValues {
            values: testing::parse_values(&doc)?,
            ..TestValues::default()
        };
    }
    inputs.values.api_calls = testing::parse_api_calls(&case.api_call_responses);
    if let Some(file) = &case.userinfo {
        if let Some(doc) = read_documents(&dir.join(file))?.into_iter().next() {
            inputs.user = Some(testing::parse_userinfo(&doc)?);
        }
    }
    load_cel_inputs(dir, case, &mut inputs)?;
    for file in &case.exceptions {
        for document in read_documents(&dir.join(file))? {
            if CelException::is_exception_document(&document) {
                inputs
                    .cel_exceptions
                    .push(CelException::from_value(&document)?);
                continue;
            }
            inputs
                .exceptions
                .push(PolicyException::from_value(&document)?);
        }
    }
    Ok(inputs)
}

/// What CEL policies may look up: the context file's resources and images, cluster
/// resources (with the test's resources, as `kyverno test` puts them in its fake cluster),
/// global context entries, HTTP answers, and admission policy parameters.
fn load_cel_inputs(
    dir: &Path,
    case: &testing::TestCase,
    inputs: &mut TestInputs,
) -> Result<(), String> {
    let host = &mut inputs.host;
    if let Some(file) = &case.context {
        for document in read_documents(&dir.join(file))? {
            let spec = document.get("spec");
            let list = |key: &str| {
                spec.and_then(|s| s.get(key))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            };
            host.resources.extend(list("resources"));
            host.images.extend(list("images"));
        }
    }
    if !case.cluster_resources.is_empty() {
        for file in &case.cluster_resources {
            for document in read_documents(&dir.join(file))? {
                // A `cli.kyverno.io` ClusterResource document lists them in `spec.resources`.
                if kanon_core::object::kind(&document) == "ClusterResource" {
                    host.resources.extend(
                        document
                            .pointer("/spec/resources")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default(),
                    );
                } else {
                    host.resources.push(document);
                }
            }
        }
        host.resources.extend(inputs.resources.iter().cloned());
    }
    for file in &case.param_resources {
        inputs.params.extend(read_documents(&dir.join(file))?);
    }
    for entry in &case.global_context_entries {
        let Some(name) = entry.get("name").and_then(Value::as_str) else {
            continue;
        };
        let mut value = match entry.get("data").filter(|d| !d.is_null()) {
            Some(data) => data.clone(),
            None => {
                let mut items: Vec<Value> = entry
                    .get("resources")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for file in entry
                    .get("resourceFiles")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    items.extend(read_documents(&dir.join(file))?);
                }
                Value::Array(items)
            }
        };
        if let Some(projections) = entry.get("projections").and_then(Value::as_array) {
            let runtime = kanon_jmespath::Runtime::kyverno();
            let mut projected = serde_json::Map::new();
            for projection in projections {
                let key = projection.get("name").and_then(Value::as_str).unwrap_or("");
                let path = projection
                    .get("path")
                    .or_else(|| projection.get("jmesPath"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let result = kanon_jmespath::search(path, &value, &runtime).map_err(|e| {
                    format!("global context entry {name:?}, projection {key:?}: {e}")
                })?;
                projected.insert(key.to_owned(), result);
            }
            value = Value::Object(projected);
        }
        host.global_context.insert(name.to_owned(), value);
    }
    host.http = testing::parse_api_calls(&case.api_call_responses);
    inputs.values.global_context = host.global_context.clone();
    host.now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    Ok(())
}

fn run_manifest(path: &Path) -> Vec<TestRun> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let documents = match read_documents(path) {
        Ok(documents) => documents,
        Err(error) => {
            return vec![TestRun {
                manifest: path.to_path_buf(),
                name: String::new(),
                rows: Vec::new(),
                error: Some(error),
            }]
        }
    };
    documents
        .iter()
        .map(|document| {
            let mut run = TestRun {
                manifest: path.to_path_buf(),
                name: String::new(),
                rows: Vec::new(),
                error: None,
            };
            match testing::parse_test(document) {
                Err(e) => run.error = Some(format!("{}: {e}", path.display())),
                Ok(case) => {
                    run.name = case.name.clone();
                    match load_inputs(dir, &case) {
                        Ok(inputs) => run.rows = testing::run(&case, &inputs),
                        Err(e) => run.error = Some(e),
                    }
                }
            }
            run
        })
        .collect()
}

/// Totals over every row.
#[derive(Default)]
struct Totals {
    passed: usize,
    failed: usize,
    skipped: usize,
    errors: usize,
}

fn count(runs: &[TestRun]) -> Totals {
    let mut totals = Totals::default();
    for run in runs {
        if run.error.is_some() {
            totals.errors += 1;
        }
        for row in &run.rows {
            match row.outcome {
                RowOutcome::Pass if row.expected == "skip" => totals.skipped += 1,
                RowOutcome::Pass => totals.passed += 1,
                RowOutcome::Skip => totals.skipped += 1,
                RowOutcome::Fail => totals.failed += 1,
            }
        }
    }
    totals
}

/// Runs `kanon test`; returns the exit code.
pub(crate) fn run(args: TestArgs) -> u8 {
    let mut manifests = Vec::new();
    for path in &args.paths {
        if !path.exists() {
            eprintln!("error: {}: no such file or directory", path.display());
            return exit::ERROR;
        }
        find_manifests(path, &mut manifests);
    }
    let filter = match args.run.as_deref().map(suite::Filter::parse).transpose() {
        Ok(filter) => filter,
        Err(e) => {
            eprintln!("error: --run: {e}");
            return exit::ERROR;
        }
    };
    let runs: Vec<TestRun> = manifests
        .iter()
        .flat_map(|m| {
            if is_gator_suite(m) {
                run_gator_file(m, filter.as_ref(), args.gatekeeper_engine.choice())
            } else {
                run_manifest(m)
            }
        })
        .collect();
    let totals = count(&runs);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = match args.output {
        TestOutput::Table => write_table(&mut out, &runs, &totals, &args),
        TestOutput::Junit => write_junit(&mut out, &runs),
    };
    if written.and_then(|()| out.flush()).is_err() {
        return exit::CLEAN;
    }
    if totals.failed > 0 || totals.errors > 0 {
        exit::VIOLATIONS
    } else {
        exit::CLEAN
    }
}

fn write_table(
    out: &mut dyn Write,
    runs: &[TestRun],
    totals: &Totals,
    args: &TestArgs,
) -> std::io::Result<()> {
    for run in runs {
        writeln!(
            out,
            "{} ({})",
            run.manifest.display(),
            if run.name.is_empty() { "-" } else { &run.name }
        )?;
        if let Some(error) = &run.error {
            writeln!(out, "  ERROR  {error}")?;
            continue;
        }
        let shown: Vec<_> = run
            .rows
            .iter()
            .filter(|row| !args.fail_only || row.outcome == RowOutcome::Fail)
            .collect();
        let width = |field: fn(&kanon_kyverno::testing::Row) -> &str| {
            shown.iter().map(|row| field(row).len()).max().unwrap_or(0)
        };
        let (w_policy, w_rule, w_resource, w_expected) = (
            width(|r| &r.policy),
            width(|r| &r.rule),
            width(|r| &r.resource),
            width(|r| &r.expected),
        );
        for row in shown {
            let label = match row.outcome {
                RowOutcome::Pass => "PASS",
                RowOutcome::Fail => "FAIL",
                RowOutcome::Skip => "SKIP",
            };
            write!(
                out,
                "  {label:<4}  {:<w_policy$}  {:<w_rule$}  {:<w_resource$}  {:<w_expected$}  {}",
                row.policy, row.rule, row.resource, row.expected, row.reason
            )?;
            if args.detailed_results && !row.message.is_empty() {
                write!(out, "  ({})", row.message)?;
            }
            writeln!(out)?;
        }
    }
    writeln!(out)?;
    write!(
        out,
        "{} passed, {} failed, {} skipped",
        totals.passed, totals.failed, totals.skipped
    )?;
    if totals.errors > 0 {
        write!(out, ", {} tests could not be loaded", totals.errors)?;
    }
    writeln!(out)
}

fn write_junit(out: &mut dyn Write, runs: &[TestRun]) -> std::io::Result<()> {
    use kanon_report::junit::escape;
    let totals = count(runs);
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        out,
        "<testsuites name=\"kanon test\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        totals.passed + totals.failed + totals.skipped,
        totals.failed,
        totals.errors,
        totals.skipped
    )?;
    for run in runs {
        let suite = escape(&format!("{} ({})", run.manifest.display(), run.name));
        writeln!(
            out,
            "  <testsuite name=\"{suite}\" tests=\"{}\">",
            run.rows.len().max(usize::from(run.error.is_some()))
        )?;
        if let Some(error) = &run.error {
            writeln!(
                out,
                "    <testcase name=\"load\"><error message=\"{}\"/></testcase>",
                escape(error)
            )?;
        }
        for row in &run.rows {
            let name = escape(&format!("{}/{} {}", row.policy, row.rule, row.resource));
            write!(out, "    <testcase name=\"{name}\" classname=\"{suite}\">")?;
            match row.outcome {
                RowOutcome::Fail => write!(out, "<failure message=\"{}\"/>", escape(&row.reason))?,
                RowOutcome::Skip => write!(out, "<skipped message=\"{}\"/>", escape(&row.reason))?,
                RowOutcome::Pass => {}
            }
            writeln!(out, "</testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}
