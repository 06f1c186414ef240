//! The HTTPS server: routes, the serving policy set and its hot reload, the namespace-label
//! cache, bounded evaluation off the async executor, graceful shutdown.

use crate::decision::{decide, DecisionContext};
use crate::error::{Error, Result};
use crate::metrics::{EndpointLabels, Metrics, RequestLabels};
use crate::mutation::{diff, Mutator};
use crate::policies::{self, LoadOptions, Loaded};
use crate::review::{parse_review, review_response, Response, Review};
use crate::tls::{self, TlsSource};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response as HttpResponse};
use axum::routing::{get, post};
use axum::Router;
use kanon_core::Operation;
use kanon_engine::Namespaces;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// The API server's limit on admission request bodies.
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

/// Everything `kanon serve` is configured with.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// The serving certificate.
    pub tls: TlsSource,
    /// The policies.
    pub policies: LoadOptions,
    /// Namespace manifests whose labels are known from the start.
    pub namespaces: Vec<Value>,
    /// Mutations for `/mutate`.
    pub mutators: Vec<Arc<dyn Mutator>>,
    /// Per-request deadline; keep it below the webhook's `timeoutSeconds`.
    pub timeout: Duration,
    /// Requests evaluated at once (others wait for a slot, within the deadline).
    pub concurrency: usize,
    /// How often policy and certificate files are checked for changes.
    pub reload_interval: Duration,
}

/// State shared by the handlers.
#[derive(Debug)]
pub struct Shared {
    serving: RwLock<Option<Arc<Loaded>>>,
    last_error: RwLock<Option<String>>,
    namespaces: RwLock<Namespaces>,
    metrics: Metrics,
    mutators: Vec<Arc<dyn Mutator>>,
    permits: Arc<Semaphore>,
    timeout: Duration,
}

impl Shared {
    /// State with no policy set yet (not ready).
    pub fn new(mutators: Vec<Arc<dyn Mutator>>, timeout: Duration, concurrency: usize) -> Self {
        Shared {
            serving: RwLock::new(None),
            last_error: RwLock::new(None),
            namespaces: RwLock::new(Namespaces::default()),
            metrics: Metrics::new(),
            mutators,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            timeout,
        }
    }

    /// Serves this set from now on; requests in flight finish on the one they started with.
    pub fn install(&self, loaded: Loaded) {
        self.metrics
            .policies
            .set(i64::try_from(loaded.count).unwrap_or(i64::MAX));
        if let Ok(mut serving) = self.serving.write() {
            *serving = Some(Arc::new(loaded));
        }
        if let Ok(mut error) = self.last_error.write() {
            *error = None;
        }
    }

    /// Records a failed load: the previous set (if any) keeps serving.
    pub fn load_failed(&self, message: String) {
        self.metrics.load_errors.inc();
        if let Ok(mut error) = self.last_error.write() {
            *error = Some(message);
        }
    }

    /// Records a Namespace's labels.
    pub fn learn_namespace(&self, object: &Value) {
        if let Ok(mut namespaces) = self.namespaces.write() {
            namespaces.insert_object(object);
            self.metrics
                .namespaces
                .set(i64::try_from(namespaces.len()).unwrap_or(i64::MAX));
        }
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    fn current(&self) -> Option<Arc<Loaded>> {
        self.serving.read().ok().and_then(|s| s.clone())
    }
}

/// The webhook's routes over shared state.
pub fn app(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/validate", post(validate))
        .route("/mutate", post(mutate))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(shared)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Validate,
    Mutate,
}

impl Endpoint {
    fn as_str(self) -> &'static str {
        match self {
            Endpoint::Validate => "validate",
            Endpoint::Mutate => "mutate",
        }
    }
}

async fn validate(State(shared): State<Arc<Shared>>, body: Bytes) -> HttpResponse {
    admit(shared, body, Endpoint::Validate).await
}

async fn mutate(State(shared): State<Arc<Shared>>, body: Bytes) -> HttpResponse {
    admit(shared, body, Endpoint::Mutate).await
}

fn json_response(body: &Value) -> HttpResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(body).unwrap_or_default(),
    )
        .into_response()
}

/// An error answered as plain text with an HTTP status (never with internals).
fn plain(status: StatusCode, message: String) -> HttpResponse {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

async fn admit(shared: Arc<Shared>, body: Bytes, endpoint: Endpoint) -> HttpResponse {
    let started = Instant::now();
    let deadline = started + shared.timeout;
    let (status, labels, response) = match parse_review(&body) {
        Err(error) => {
            tracing::debug!(%error, endpoint = endpoint.as_str(), "malformed request");
            (
                StatusCode::BAD_REQUEST,
                None,
                plain(StatusCode::BAD_REQUEST, format!("{error}\n")),
            )
        }
        Ok(review) => {
            let (version, uid) = (review.version, review.request.uid.clone());
            let operation = review.request.operation.as_str().to_owned();
            let kind = review.request.kind.kind.clone();
            let labels = |decision: &'static str| RequestLabels {
                endpoint: endpoint.as_str(),
                operation: operation.clone(),
                kind: kind.clone(),
                decision,
            };
            match answer(&shared, review, endpoint, deadline).await {
                Ok(response) => {
                    let decision = match (&response.patch, response.allowed) {
                        (_, false) => "denied",
                        (Some(_), true) => "patched",
                        (None, true) => "allowed",
                    };
                    let body = review_response(version, &uid, &response);
                    (StatusCode::OK, Some(labels(decision)), json_response(&body))
                }
                Err((status, message)) => {
                    tracing::warn!(%uid, %message, "request not answered");
                    (
                        status,
                        Some(labels("error")),
                        plain(status, format!("{message}\n")),
                    )
                }
            }
        }
    };
    let labels = labels.unwrap_or(RequestLabels {
        endpoint: endpoint.as_str(),
        operation: String::new(),
        kind: String::new(),
        decision: "error",
    });
    shared.metrics.requests.get_or_create(&labels).inc();
    shared
        .metrics
        .latency
        .get_or_create(&EndpointLabels {
            endpoint: endpoint.as_str(),
        })
        .observe(started.elapsed().as_secs_f64());
    tracing::debug!(
        status = status.as_u16(),
        elapsed_us = started.elapsed().as_micros() as u64,
        "answered"
    );
    response
}

/// Evaluates a request on a blocking thread, within the concurrency limit and the deadline.
async fn answer(
    shared: &Arc<Shared>,
    review: Review,
    endpoint: Endpoint,
    deadline: Instant,
) -> Result<Response, (StatusCode, String)> {
    let Some(loaded) = shared.current() else {
        return Err((
            StatusCode::SERVICE_UNAVAILABLE,
            "kanon is not ready: policies are not loaded yet".to_owned(),
        ));
    };
    let too_late = || {
        (
            StatusCode::GATEWAY_TIMEOUT,
            "kanon could not answer within its deadline".to_owned(),
        )
    };
    let wait = deadline.saturating_duration_since(Instant::now());
    let permit = tokio::time::timeout(wait, Arc::clone(&shared.permits).acquire_owned())
        .await
        .map_err(|_| too_late())?
        .map_err(|_| too_late())?;
    let worker = Arc::clone(shared);
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        match endpoint {
            Endpoint::Validate => evaluate(&worker, &loaded, &review),
            Endpoint::Mutate => mutate_object(&worker, &review),
        }
    });
    let wait = deadline.saturating_duration_since(Instant::now());
    match tokio::time::timeout(wait, task).await {
        Err(_) => Err(too_late()),
        Ok(Err(join_error)) => {
            tracing::error!(%join_error, "evaluation failed");
            Err((
                StatusCode::INTERNAL_SERVER_ERROR,
                "kanon failed to evaluate the request (an internal error, logged)".to_owned(),
            ))
        }
        Ok(Ok(response)) => Ok(response),
    }
}

/// The validating decision. Namespace requests teach the label cache (unless dry-run or
/// denied); requests no policy can match are allowed on a fast path.
fn evaluate(shared: &Shared, loaded: &Loaded, review: &Review) -> Response {
    let request = &review.request;
    let engine = &loaded.engine;
    let is_namespace = request.kind.group.is_empty() && request.kind.kind == "Namespace";
    if !engine.may_match(&request.kind.group, &request.kind.kind) {
        if is_namespace {
            remember_namespace(shared, review, true);
        }
        return Response::allow();
    }
    let namespace_labels = if is_namespace {
        None
    } else {
        request.namespace.as_deref().and_then(|ns| {
            shared
                .namespaces
                .read()
                .ok()
                .and_then(|known| known.get(ns).cloned())
        })
    };
    let findings = engine.evaluate(request, namespace_labels.as_ref());
    shared.metrics.count_results(&findings);
    let response = decide(
        request,
        &findings,
        DecisionContext {
            pss: loaded.pss.as_ref(),
            namespace_labels: namespace_labels.as_ref(),
        },
    );
    if is_namespace {
        remember_namespace(shared, review, response.allowed);
    }
    response
}

fn remember_namespace(shared: &Shared, review: &Review, allowed: bool) {
    let request = &review.request;
    if request.dry_run || !allowed || request.sub_resource.is_some() {
        return;
    }
    match request.operation {
        Operation::Create | Operation::Update => {
            if let Some(object) = &request.object {
                shared.learn_namespace(object);
            }
        }
        Operation::Delete => {
            if let Ok(mut namespaces) = shared.namespaces.write() {
                namespaces.remove(&request.name);
            }
        }
        Operation::Connect => {}
    }
}

/// The mutating answer: every mutator changes a copy of the object; the difference is the
/// patch.
fn mutate_object(shared: &Shared, review: &Review) -> Response {
    let request = &review.request;
    let Some(object) = request
        .object
        .as_ref()
        .filter(|_| matches!(request.operation, Operation::Create | Operation::Update))
    else {
        return Response::allow();
    };
    if shared.mutators.is_empty() {
        return Response::allow();
    }
    let mut patched = object.clone();
    for mutator in &shared.mutators {
        mutator.mutate(request, &mut patched);
    }
    let operations = diff(object, &patched);
    let mut response = Response::allow();
    if !operations.is_empty() {
        response.patch = Some(Value::Array(operations));
    }
    response
}

async fn readyz(State(shared): State<Arc<Shared>>) -> HttpResponse {
    let last_error = shared.last_error.read().ok().and_then(|e| e.clone());
    match (shared.current(), last_error) {
        (Some(loaded), None) => plain(
            StatusCode::OK,
            format!("ready: {} policies\n", loaded.count),
        ),
        (Some(loaded), Some(error)) => plain(
            StatusCode::OK,
            format!(
                "ready: {} policies (the last reload failed and the previous set serves: {error})\n",
                loaded.count
            ),
        ),
        (None, Some(error)) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {error}\n"),
        ),
        (None, None) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: policies are being compiled\n".to_owned(),
        ),
    }
}

async fn metrics(State(shared): State<Arc<Shared>>) -> HttpResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        shared.metrics.encode(),
    )
        .into_response()
}

/// A running server.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    handle: axum_server::Handle<SocketAddr>,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// The address it listens on (with the port chosen when `--addr` had port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared state (metrics, readiness).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Stops accepting, lets requests in flight finish (up to `grace`), and returns.
    pub async fn shutdown(self, grace: Duration) -> Result<()> {
        self.handle.graceful_shutdown(Some(grace));
        for task in &self.background {
            task.abort();
        }
        match self.server.await {
            Ok(result) => result.map_err(Error::Serve),
            Err(e) => Err(Error::Serve(std::io::Error::other(e.to_string()))),
        }
    }
}

/// Binds, starts serving and starts the policy and certificate watchers. Policies compile in
/// the background: `/readyz` turns ready when they are in.
pub async fn start(config: ServeConfig) -> Result<Running> {
    let tls_config = tls::config(&config.tls).await?;
    let shared = Arc::new(Shared::new(
        config.mutators.clone(),
        config.timeout,
        config.concurrency,
    ));
    for namespace in &config.namespaces {
        shared.learn_namespace(namespace);
    }
    let handle = axum_server::Handle::new();
    let router = app(Arc::clone(&shared));
    let server = tokio::spawn(
        axum_server::bind_rustls(config.addr, tls_config.clone())
            .handle(handle.clone())
            .serve(router.into_make_service()),
    );
    let Some(addr) = handle.listening().await else {
        let reason = match server.await {
            Ok(Err(e)) => e.to_string(),
            _ => "the server stopped".to_owned(),
        };
        return Err(Error::Serve(std::io::Error::other(format!(
            "cannot listen on {}: {reason}",
            config.addr
        ))));
    };
    tracing::info!(%addr, "listening");
    let mut background = vec![tokio::spawn(watch_policies(
        Arc::clone(&shared),
        config.policies.clone(),
        config.reload_interval,
    ))];
    if let TlsSource::Files { cert, key } = &config.tls {
        background.push(tokio::spawn(watch_certificates(
            tls_config,
            cert.clone(),
            key.clone(),
            config.reload_interval,
        )));
    }
    Ok(Running {
        addr,
        handle,
        shared,
        server,
        background,
    })
}

fn now_unix_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Loads the policies now and again whenever their files change.
async fn watch_policies(shared: Arc<Shared>, options: LoadOptions, interval: Duration) {
    let mut seen = None;
    loop {
        let paths = options.paths.clone();
        let stamp = tokio::task::spawn_blocking(move || policies::fingerprint(&paths))
            .await
            .ok();
        if stamp.is_some() && stamp != seen {
            seen = stamp;
            let load_options = options.clone();
            let result = tokio::task::spawn_blocking(move || {
                policies::load(&load_options, now_unix_seconds())
            })
            .await;
            match result {
                Ok(Ok(loaded)) => {
                    for warning in &loaded.warnings {
                        tracing::warn!(%warning, "policy problem");
                    }
                    tracing::info!(policies = loaded.count, "policies loaded");
                    shared.install(loaded);
                }
                Ok(Err(error)) => {
                    tracing::error!(%error, "policies not loaded; the previous set keeps serving");
                    shared.load_failed(error.to_string());
                }
                Err(join_error) => shared.load_failed(join_error.to_string()),
            }
        }
        if options.paths.is_empty() {
            return;
        }
        tokio::time::sleep(interval).await;
    }
}

/// Reloads the serving certificate when its files change; a broken pair keeps the old one.
async fn watch_certificates(
    config: axum_server::tls_rustls::RustlsConfig,
    cert: PathBuf,
    key: PathBuf,
    interval: Duration,
) {
    let mut seen = tls::files_stamp(&cert, &key);
    loop {
        tokio::time::sleep(interval).await;
        let stamp = tls::files_stamp(&cert, &key);
        if stamp.is_none() || stamp == seen {
            continue;
        }
        match config.reload_from_pem_file(&cert, &key).await {
            Ok(()) => {
                seen = stamp;
                tracing::info!(cert = %cert.display(), "serving certificate reloaded");
            }
            Err(error) => {
                // Often a half-written pair during rotation: try again next time.
                tracing::warn!(%error, "certificate not reloaded; the previous one serves");
            }
        }
    }
}
