//! Prometheus metrics of the webhook, served as OpenMetrics text on `/metrics`.

use kanon_core::{Finding, Verdict};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

/// Labels of an answered admission request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RequestLabels {
    pub(crate) endpoint: &'static str,
    pub(crate) operation: String,
    pub(crate) kind: String,
    /// `allowed`, `denied`, `patched`, `error` (HTTP 4xx/5xx).
    pub(crate) decision: &'static str,
}

/// Labels of an endpoint.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct EndpointLabels {
    pub(crate) endpoint: &'static str,
}

/// Labels of one policy result.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct ResultLabels {
    pub(crate) policy: String,
    pub(crate) result: &'static str,
}

type HistogramFamily = Family<EndpointLabels, Histogram, fn() -> Histogram>;

/// Every metric the webhook keeps.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub(crate) requests: Family<RequestLabels, Counter>,
    pub(crate) latency: HistogramFamily,
    pub(crate) results: Family<ResultLabels, Counter>,
    pub(crate) load_errors: Counter,
    pub(crate) policies: Gauge,
    pub(crate) namespaces: Gauge,
}

fn latency_histogram() -> Histogram {
    // 50 µs to ~1.6 s.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("kanon");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "admission_requests",
            "Admission requests answered, by endpoint, operation, kind and decision",
            requests.clone(),
        );
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        registry.register(
            "admission_duration_seconds",
            "Time to answer an admission request, from body read to response",
            latency.clone(),
        );
        let results = Family::<ResultLabels, Counter>::default();
        registry.register(
            "policy_results",
            "Policy results at admission, by policy and result (pass, fail, warn, error, skip)",
            results.clone(),
        );
        let load_errors = Counter::default();
        registry.register(
            "policy_load_errors",
            "Policy loads (at start or on reload) that failed; the previous set kept serving",
            load_errors.clone(),
        );
        let policies = Gauge::default();
        registry.register(
            "policies_loaded",
            "Policies in the serving set",
            policies.clone(),
        );
        let namespaces = Gauge::default();
        registry.register(
            "namespaces_known",
            "Namespaces whose labels the webhook knows",
            namespaces.clone(),
        );
        registry.register(
            "build",
            "Build information",
            Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]),
        );
        Metrics {
            registry,
            requests,
            latency,
            results,
            load_errors,
            policies,
            namespaces,
        }
    }

    /// Counts the results of one evaluation.
    pub(crate) fn count_results(&self, findings: &[Finding]) {
        for finding in findings {
            self.results
                .get_or_create(&ResultLabels {
                    policy: finding.policy.to_string(),
                    result: verdict_label(finding.verdict),
                })
                .inc();
        }
    }

    /// The OpenMetrics text.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            text.clear();
        }
        text
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

fn verdict_label(verdict: Verdict) -> &'static str {
    verdict.as_str()
}
