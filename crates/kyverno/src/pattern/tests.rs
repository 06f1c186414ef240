//! Pattern walk cases, each checked through one helper.

use super::*;
use serde_json::json;

fn check(resource: Value, pattern: Value) -> Result<(), Mismatch> {
    match_pattern(&resource, &pattern)
}

fn fail_path(resource: Value, pattern: Value) -> String {
    match check(resource, pattern) {
        Err(Mismatch::Fail { path, .. }) => path,
        other => panic!("expected a failure, got {other:?}"),
    }
}

fn pod(containers: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": containers}})
}

#[test]
fn plain_keys_and_wildcards() {
    let pattern = json!({"spec": {"containers": [{"image": "!*:latest"}]}});
    assert_eq!(
        check(
            pod(json!([{"name": "a", "image": "nginx:1.0"}])),
            pattern.clone()
        ),
        Ok(())
    );
    assert_eq!(
        fail_path(
            pod(
                json!([{"name": "a", "image": "nginx:1.0"}, {"name": "b", "image": "nginx:latest"}])
            ),
            pattern
        ),
        "/spec/containers/1/image/"
    );
}

#[test]
fn star_means_present_and_reports_the_parent_path() {
    let pattern = json!({"metadata": {"labels": {"app": "*"}}});
    let resource = json!({"metadata": {"labels": {"team": "x"}}});
    match check(resource, pattern) {
        Err(Mismatch::Fail { path, message }) => {
            assert_eq!(path, "/metadata/labels/");
            assert_eq!(message, "/metadata/labels//app not found");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn conditional_anchor_skips_when_it_does_not_hold() {
    let pattern =
        json!({"spec": {"containers": [{"(image)": "*:latest", "imagePullPolicy": "Always"}]}});
    assert_eq!(
        check(
            pod(json!([{"image": "nginx:latest", "imagePullPolicy": "Always"}])),
            pattern.clone()
        ),
        Ok(())
    );
    assert_eq!(
        fail_path(
            pod(json!([{"image": "nginx:latest", "imagePullPolicy": "IfNotPresent"}])),
            pattern.clone()
        ),
        "/spec/containers/0/imagePullPolicy/"
    );
    match check(pod(json!([{"image": "nginx:1.0", "imagePullPolicy": "IfNotPresent"}])), pattern) {
        Err(Mismatch::Skip(message)) => assert_eq!(
            message,
            "conditional anchor mismatch: resource value 'nginx:1.0' does not match '*:latest' at path /spec/containers/0/image/"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn equality_anchor_checks_only_present_keys() {
    let pattern = json!({"spec": {"=(hostNetwork)": false}});
    assert_eq!(check(json!({"spec": {}}), pattern.clone()), Ok(()));
    assert_eq!(
        check(json!({"spec": {"hostNetwork": false}}), pattern.clone()),
        Ok(())
    );
    assert_eq!(
        fail_path(json!({"spec": {"hostNetwork": true}}), pattern),
        "/spec/hostNetwork/"
    );
}

#[test]
fn negation_anchor_forbids_the_key() {
    let pattern = json!({"spec": {"=(volumes)": [{"X(hostPath)": "null"}]}});
    assert_eq!(
        check(
            json!({"spec": {"volumes": [{"name": "a", "emptyDir": {}}]}}),
            pattern.clone()
        ),
        Ok(())
    );
    match check(
        json!({"spec": {"volumes": [{"name": "a", "hostPath": {"path": "/"}}]}}),
        pattern,
    ) {
        Err(Mismatch::Fail { path, message }) => {
            assert_eq!(path, "/spec/volumes/0/hostPath/");
            assert_eq!(
                message,
                "negation anchor matched in resource: /spec/volumes/0/hostPath/ is not allowed"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn global_anchor_skips_the_whole_rule() {
    let pattern = json!({"spec": {"containers": [{"<(image)": "*/corp/*"}], "imagePullSecrets": [{"name": "*"}]}});
    let outside = pod(json!([{"image": "docker.io/nginx"}]));
    assert!(matches!(
        check(outside, pattern.clone()),
        Err(Mismatch::Skip(_))
    ));
    let inside = pod(json!([{"image": "registry/corp/app"}]));
    assert!(matches!(check(inside, pattern), Err(Mismatch::Fail { .. })));
}

#[test]
fn existence_anchor_needs_one_matching_element() {
    let pattern = json!({"spec": {"^(containers)": [{"image": "nginx*"}]}});
    assert_eq!(
        check(
            pod(json!([{"image": "redis"}, {"image": "nginx:1"}])),
            pattern.clone()
        ),
        Ok(())
    );
    assert!(matches!(
        check(pod(json!([{"image": "redis"}])), pattern),
        Err(Mismatch::Fail { .. })
    ));
}

#[test]
fn missing_structures_fail_with_type_messages() {
    match check(json!({"spec": "x"}), json!({"spec": {"a": 1}})) {
        Err(Mismatch::Fail { path, message }) => {
            assert_eq!(path, "/spec/");
            assert_eq!(message, "pattern and resource have different structures. Path: /spec/. Expected map[string]interface {}, found string");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn nested_conditional_skip_inside_an_equality_anchor_skips_the_map() {
    // The nested conditional does not hold, so image is never checked.
    let pattern = json!({"spec": {"containers": [{"=(securityContext)": {"(privileged)": true, "runAsUser": ">0"}, "image": "never"}]}});
    let resource = pod(json!([{"image": "nginx", "securityContext": {"privileged": false}}]));
    assert!(matches!(check(resource, pattern), Err(Mismatch::Skip(_))));
}

#[test]
fn a_missing_conditional_key_with_a_failure_is_an_error() {
    let pattern = json!({"metadata": {"(labels)": {"x": "y"}}, "spec": {"a": "b"}});
    let result = check(json!({"metadata": {}, "spec": {"a": "c"}}), pattern);
    assert!(matches!(result, Err(Mismatch::Skip(_))), "{result:?}");
    let pattern = json!({"spec": {"^(containers)": [{"image": "a"}], "b": "c"}});
    assert!(matches!(
        check(json!({"spec": {"b": "d"}}), pattern),
        Err(Mismatch::Error(_))
    ));
}

#[test]
fn metadata_wildcard_keys_expand_to_resource_keys() {
    let pattern = json!({"metadata": {"labels": {"app.kubernetes.io/*": "?*"}}});
    assert_eq!(
        check(
            json!({"metadata": {"labels": {"app.kubernetes.io/name": "web"}}}),
            pattern.clone()
        ),
        Ok(())
    );
    assert!(matches!(
        check(json!({"metadata": {"labels": {"team": "web"}}}), pattern),
        Err(Mismatch::Fail { .. })
    ));
}

#[test]
fn scalar_patterns_apply_to_every_list_element() {
    let pattern = json!({"spec": {"accessModes": "ReadWriteOncePod"}});
    assert_eq!(
        check(
            json!({"spec": {"accessModes": ["ReadWriteOncePod"]}}),
            pattern.clone()
        ),
        Ok(())
    );
    assert!(check(
        json!({"spec": {"accessModes": ["ReadWriteOncePod", "ReadWriteMany"]}}),
        pattern
    )
    .is_err());
    assert!(matches!(
        check(json!({"a": []}), json!({"a": []})),
        Err(Mismatch::Fail { .. })
    ));
}
