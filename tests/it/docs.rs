//! The OpenAPI document describes exactly the routes template.yaml deploys, and is served.

use std::collections::BTreeSet;

use payrail_tests::TestStack;
use payrail_tests::payrail_local::{Template, default_template_path};
use serde_json::Value;

#[test]
fn openapi_paths_match_the_routes_of_template_yaml() {
    let template = Template::load(&default_template_path()).unwrap();
    let deployed: BTreeSet<String> = template.routes().map(|(r, _)| r.key()).collect();
    let doc: Value = serde_json::from_str(docs::OPENAPI_JSON).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                documented.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert_eq!(
        deployed.difference(&documented).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "deployed but not documented"
    );
    assert_eq!(
        documented.difference(&deployed).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "documented but not deployed"
    );
    let webhooks: BTreeSet<&str> = doc["webhooks"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    // Every event type a merchant can receive is documented as a webhook.
    let types: BTreeSet<&str> = payrail::events::EventType::ALL
        .iter()
        .map(|t| t.as_str())
        .collect();
    assert_eq!(webhooks, types);
}

#[tokio::test]
async fn the_document_is_served() {
    let s = TestStack::start().await;
    let res = s
        .client
        .get(s.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let served: Value = res.json().await.unwrap();
    assert_eq!(
        served,
        serde_json::from_str::<Value>(docs::OPENAPI_JSON).unwrap()
    );
}

#[test]
fn each_operation_documents_the_permission_the_route_table_requires() {
    use payrail::auth::routes::{Rule, find};
    let doc: Value = serde_json::from_str(docs::OPENAPI_JSON).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let route = format!("{} {path}", method.to_uppercase());
            let rule = find(&route)
                .unwrap_or_else(|| panic!("{route} is not in the route table"))
                .rule;
            let expected = match rule {
                Rule::Public => None,
                Rule::Admin => Some("admin".to_owned()),
                Rule::AnyCaller => Some("any".to_owned()),
                Rule::Needs(p) => Some(p.to_string()),
            };
            assert_eq!(
                op["x-payrail-permission"].as_str().map(str::to_owned),
                expected,
                "{route}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 40, "{checked}");
}
