//! Kyverno's CEL libraries for ValidatingPolicies, answered offline: `resource.Get/List`
//! from known objects, `globalContext.Get` from resolved entries, `http.Get/Post` from canned
//! responses, `image.GetMetadata` from image data, plus the pure ones (`parseServiceAccount`,
//! `image()`, `isImage`, `json.*`, `yaml.parse`, `time.now`). Both Kyverno spellings are
//! registered (`resource.Get` and `resource.get`).
//!
//! Nothing here reaches a network or a cluster: a call the host data cannot answer is an
//! evaluation error that says so, never an invented answer.

use kanon_cel::{Call, Env, EvalError, HostFn, Timestamp, Value};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A canned HTTP answer: method (empty = any), URL, status, body.
pub type HttpMock = (String, String, u16, Json);

/// What Kyverno's libraries can see offline.
#[derive(Debug, Clone, Default)]
pub struct Host {
    /// Objects `resource.Get`/`resource.List` can return.
    pub resources: Vec<Json>,
    /// Image data (`image`, `resolvedImage`, `registry`, `repository`, `tag`, `digest`,
    /// `manifest`, `config`...), keyed by the `image` field.
    pub images: Vec<Json>,
    /// Global context entries, resolved.
    pub global_context: BTreeMap<String, Json>,
    /// Canned HTTP answers.
    pub http: Vec<HttpMock>,
    /// The time `time.now()` returns, as Unix seconds.
    pub now: i64,
}

fn host<'a>(call: &Call<'a>) -> Result<&'a Host, EvalError> {
    call.host()
        .and_then(|h| {
            let any: &dyn std::any::Any = h;
            any.downcast_ref::<Host>()
        })
        .ok_or_else(|| EvalError::msg(format!("{} is not available here", call.name())))
}

fn text<'v>(args: &'v [Value<'_>], index: usize) -> Result<&'v str, EvalError> {
    args.get(index)
        .and_then(Value::as_str)
        .ok_or(EvalError::NoSuchOverload)
}

fn arity(args: &[Value<'_>], counts: &[usize]) -> Result<(), EvalError> {
    if counts.contains(&args.len()) {
        Ok(())
    } else {
        Err(EvalError::NoSuchOverload)
    }
}

fn object_text<'a>(object: &'a Json, path: &[&str]) -> &'a str {
    path.iter()
        .try_fold(object, |v, key| v.get(key))
        .and_then(Json::as_str)
        .unwrap_or("")
}

fn resource_matches(object: &Json, api_version: &str, resource: &str) -> bool {
    let kind = object_text(object, &["kind"]);
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    object_text(object, &["apiVersion"]) == api_version
        && kanon_core::kinds::plural(group, kind) == resource
}

fn resource_get<'v>(call: &Call<'v>, args: &[Value<'v>]) -> Result<Value<'v>, EvalError> {
    arity(args, &[4])?;
    let host = host(call)?;
    let (api_version, resource, namespace, name) = (
        text(args, 0)?,
        text(args, 1)?,
        text(args, 2)?,
        text(args, 3)?,
    );
    let found = host.resources.iter().find(|o| {
        resource_matches(o, api_version, resource)
            && object_text(o, &["metadata", "namespace"]) == namespace
            && object_text(o, &["metadata", "name"]) == name
    });
    Ok(found.map_or(Value::Null, Value::from_json))
}

fn resource_list<'v>(call: &Call<'v>, args: &[Value<'v>]) -> Result<Value<'v>, EvalError> {
    arity(args, &[3, 4])?;
    let host = host(call)?;
    let (api_version, resource, namespace) = (text(args, 0)?, text(args, 1)?, text(args, 2)?);
    let items: Vec<Json> = host
        .resources
        .iter()
        .filter(|o| {
            resource_matches(o, api_version, resource)
                && (namespace.is_empty() || object_text(o, &["metadata", "namespace"]) == namespace)
        })
        .cloned()
        .collect();
    if items.is_empty() {
        return Err(EvalError::msg(format!(
            "the server could not find the requested resource: {api_version} {resource} in namespace {namespace:?} (offline: no such objects were provided)"
        )));
    }
    let kind = items
        .first()
        .map(|o| format!("{}List", object_text(o, &["kind"])))
        .unwrap_or_default();
    Ok(Value::from_json(&json!({
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {},
        "items": items,
    })))
}

fn global_context_get<'v>(call: &Call<'v>, args: &[Value<'v>]) -> Result<Value<'v>, EvalError> {
    arity(args, &[1, 2])?;
    let host = host(call)?;
    let name = text(args, 0)?;
    let projection = if args.len() == 2 { text(args, 1)? } else { "" };
    let Some(entry) = host.global_context.get(name) else {
        return Ok(Value::Null);
    };
    if projection.is_empty() {
        return Ok(Value::from_json(entry));
    }
    entry.get(projection).map(Value::from_json).ok_or_else(|| {
        EvalError::msg(format!(
            "projection {projection:?} not found in global context entry {name:?}"
        ))
    })
}

fn http_call<'v>(call: &Call<'v>, method: &str, url: &str) -> Result<Value<'v>, EvalError> {
    let host = host(call)?;
    let exact = host
        .http
        .iter()
        .find(|(m, u, _, _)| u == url && m.eq_ignore_ascii_case(method));
    let any = || {
        host.http
            .iter()
            .find(|(m, u, _, _)| u == url && m.is_empty())
    };
    let Some((_, _, status, body)) = exact.or_else(any) else {
        return Err(EvalError::msg(format!(
            "kanon does not make HTTP calls offline and no response is provided for {method} {url}"
        )));
    };
    Ok(Value::from_json(
        &json!({"body": body, "statusCode": status}),
    ))
}

fn http_get<'v>(call: &Call<'v>, args: &[Value<'v>]) -> Result<Value<'v>, EvalError> {
    arity(args, &[1, 2])?;
    http_call(call, "GET", text(args, 0)?)
}

fn http_post<'v>(call: &Call<'v>, args: &[Value<'v>]) -> Result<Value<'v>, EvalError> {
    arity(args, &[2, 3])?;
    http_call(call, "POST", text(args, 0)?)
}

fn image_metadata<'v>(call: &Call<'v>, args: &[Value<'v>]) -> Result<Value<'v>, EvalError> {
    arity(args, &[1])?;
    let host = host(call)?;
    let reference = text(args, 0)?;
    host.images
        .iter()
        .find(|i| object_text(i, &["image"]) == reference)
        .map(Value::from_json)
        .ok_or_else(|| {
            EvalError::msg(format!(
                "image data for {reference} not found in the context"
            ))
        })
}

fn parse_service_account<'v>(_: &Call<'v>, args: &[Value<'v>]) -> Result<Value<'v>, EvalError> {
    arity(args, &[1])?;
    let user = text(args, 0)?;
    let (namespace, name) = user
        .strip_prefix("system:serviceaccount:")
        .and_then(|rest| rest.split_once(':'))
        .filter(|(ns, name)| !ns.is_empty() && !name.is_empty() && !name.contains(':'))
        .unwrap_or(("", ""));
    Ok(Value::from_json(
        &json!({"Namespace": namespace, "Name": name}),
    ))
}

fn time_now<'v>(call: &Call<'v>, args: &[Value<'v>]) -> Result<Value<'v>, EvalError> {
    arity(args, &[0])?;
    let host = host(call)?;
    Timestamp::from_unix(host.now, 0)
        .map(Value::Timestamp)
        .ok_or(EvalError::TimestampOverflow)
}

/// Marker key of the maps `image()` returns.
const IMAGE_MARKER: &str = "__kanon_kyverno_image__";

fn image_parse<'v>(_: &Call<'v>, args: &[Value<'v>]) -> Result<Value<'v>, EvalError> {
    arity(args, &[1])?;
    let reference = text(args, 0)?;
    let info = kanon_jmespath::image::parse_image(reference)
        .map_err(|e| EvalError::msg(format!("failed to parse image reference: {e}")))?;
    let registry = if info.registry.is_empty() || info.registry == "docker.io" {
        "index.docker.io".to_owned()
    } else {
        info.registry.clone()
    };
    let repository = if (registry == "index.docker.io") && !info.path.contains('/') {
        format!("library/{}", info.path)
    } else {
        info.path.clone()
    };
    Ok(Value::from_json(&json!({
        IMAGE_MARKER: true,
        "registry": registry,
        "repository": repository,
        "tag": if info.digest.is_empty() { info.tag.clone() } else { String::new() },
        "digest": info.digest,
        "identifier": if info.digest.is_empty() { info.tag.clone() } else { info.digest.clone() },
    })))
}

fn is_image<'v>(_: &Call<'v>, args: &[Value<'v>]) -> Result<Value<'v>, EvalError> {
    arity(args, &[1])?;
    Ok(Value::Bool(
        kanon_jmespath::image::parse_image(text(args, 0)?).is_ok(),
    ))
}

/// A method of the maps `image()` returns.
fn image_method(field: &'static str) -> HostFn {
    Arc::new(move |_: &Call<'_>, args: &[Value<'_>]| {
        arity(args, &[1])?;
        let receiver = args
            .first()
            .map(Value::to_json)
            .transpose()?
            .filter(|j| j.get(IMAGE_MARKER).is_some())
            .ok_or(EvalError::NoSuchOverload)?;
        let value = receiver.get(field).cloned().unwrap_or(Json::Null);
        Ok(match field {
            "containsDigest" => Value::Bool(
                receiver
                    .get("digest")
                    .and_then(Json::as_str)
                    .is_some_and(|d| !d.is_empty()),
            ),
            _ => Value::from_json(&value),
        })
    })
}

fn json_unmarshal<'v>(_: &Call<'v>, args: &[Value<'v>]) -> Result<Value<'v>, EvalError> {
    arity(args, &[1])?;
    let parsed: Json = serde_json::from_str(text(args, 0)?)
        .map_err(|e| EvalError::msg(format!("failed to decode JSON: {e}")))?;
    Ok(Value::from_json(&parsed))
}

fn json_marshal<'v>(_: &Call<'v>, args: &[Value<'v>]) -> Result<Value<'v>, EvalError> {
    arity(args, &[1])?;
    let value = args.first().ok_or(EvalError::NoSuchOverload)?.to_json()?;
    Ok(Value::string(value.to_string()))
}

fn yaml_parse<'v>(_: &Call<'v>, args: &[Value<'v>]) -> Result<Value<'v>, EvalError> {
    arity(args, &[1])?;
    let limits = kanon_yaml::Limits::default();
    let document = kanon_yaml::documents(text(args, 0)?, &limits)
        .next()
        .transpose()
        .map_err(|e| EvalError::msg(format!("failed to parse YAML: {}", e.kind)))?;
    Ok(document.map_or(Value::Null, |d| Value::from_json(&d.value)))
}

fn function(f: for<'v> fn(&Call<'v>, &[Value<'v>]) -> Result<Value<'v>, EvalError>) -> HostFn {
    Arc::new(f)
}

/// Registers Kyverno's libraries in `env`.
pub fn register(env: &mut Env) {
    let globals: [(&[&str], HostFn); 13] = [
        (&["resource.Get", "resource.get"], function(resource_get)),
        (&["resource.List", "resource.list"], function(resource_list)),
        (
            &["globalContext.Get", "globalContext.get"],
            function(global_context_get),
        ),
        (&["http.Get", "http.get"], function(http_get)),
        (&["http.Post", "http.post"], function(http_post)),
        (
            &["image.GetMetadata", "image.getMetadata"],
            function(image_metadata),
        ),
        (
            &["parseServiceAccount", "user.parseServiceAccount"],
            function(parse_service_account),
        ),
        (&["time.now"], function(time_now)),
        (&["image"], function(image_parse)),
        (&["isImage"], function(is_image)),
        (&["json.unmarshal"], function(json_unmarshal)),
        (&["json.marshal"], function(json_marshal)),
        (&["yaml.parse"], function(yaml_parse)),
    ];
    for (names, f) in globals {
        for name in names {
            env.add_function(name, false, Arc::clone(&f));
        }
    }
    for method in [
        "registry",
        "repository",
        "identifier",
        "tag",
        "digest",
        "containsDigest",
    ] {
        env.add_function(method, true, image_method(method));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kanon_cel::{Activation, Program};

    fn eval(expression: &str, host: &Host) -> Result<Json, String> {
        let mut env = Env::kubernetes();
        register(&mut env);
        let program = Program::compile(&env, expression).map_err(|e| e.to_string())?;
        let mut act = Activation::new();
        act.set_host(host);
        program
            .eval(&act)
            .map_err(|e| e.to_string())
            .and_then(|v| v.to_json().map_err(|e| e.to_string()))
    }

    #[test]
    fn resources_come_from_the_host() {
        let host = Host {
            resources: vec![json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "cfg", "namespace": "default"}, "data": {"k": "v"}})],
            ..Host::default()
        };
        assert_eq!(
            eval(
                "resource.Get('v1', 'configmaps', 'default', 'cfg').data.k",
                &host
            ),
            Ok(json!("v"))
        );
        assert_eq!(
            eval("resource.get('v1', 'configmaps', 'default', 'nope')", &host),
            Ok(Json::Null)
        );
        assert_eq!(
            eval(
                "resource.List('v1', 'configmaps', 'default').items.size()",
                &host
            ),
            Ok(json!(1))
        );
        assert!(eval("resource.List('v1', 'secrets', 'default')", &host).is_err());
    }

    #[test]
    fn http_answers_are_wrapped_and_unmocked_calls_fail() {
        let host = Host {
            http: vec![(
                "POST".to_owned(),
                "https://x/validate".to_owned(),
                200,
                json!({"allowed": true}),
            )],
            ..Host::default()
        };
        assert_eq!(
            eval(
                "http.Post('https://x/validate', {'a': 1}).body.allowed",
                &host
            ),
            Ok(json!(true))
        );
        assert!(eval("http.Get('https://x/other')", &host)
            .unwrap_err()
            .contains("no response is provided"));
    }

    #[test]
    fn pure_helpers() {
        let host = Host::default();
        assert_eq!(
            eval(
                "parseServiceAccount('system:serviceaccount:ns:sa').Namespace",
                &host
            ),
            Ok(json!("ns"))
        );
        assert_eq!(
            eval("parseServiceAccount('alice').Name", &host),
            Ok(json!(""))
        );
        assert_eq!(
            eval(
                "image('nginx').registry() + '/' + image('nginx').repository()",
                &host
            ),
            Ok(json!("index.docker.io/library/nginx"))
        );
        assert_eq!(
            eval("image('ghcr.io/a/b:1.2').tag()", &host),
            Ok(json!("1.2"))
        );
        assert_eq!(eval("json.unmarshal('{\"a\": 1}').a", &host), Ok(json!(1)));
        assert_eq!(eval("yaml.parse('a: [1, 2]').a[1]", &host), Ok(json!(2)));
    }
}
