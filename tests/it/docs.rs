//! The OpenAPI document describes exactly the routes template.yaml deploys, and is served.

use std::collections::BTreeSet;

use payrail_tests::browser::Browser;
use payrail_tests::payrail_local::{Template, default_template_path};
use payrail_tests::{TestStack, no_redirects};
use serde_json::{Value, json};
use sha2::Digest;

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

#[tokio::test]
async fn the_reference_page_is_served_under_a_strict_policy() {
    let s = TestStack::start().await;
    let page = s.client.get(s.url("/docs")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let h = page.headers().clone();
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(h["cache-control"], "no-cache");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h["x-request-id"].to_str().is_ok());
    let csp = h["content-security-policy"].to_str().unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing: {csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    assert!(!csp.contains("http"), "no other origin: {csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains("<title>Payrail API reference</title>"));
    // Only scripts of this origin, no inline script or handler, nothing from a CDN.
    for tag in html.split("<script").skip(1) {
        let tag = tag.split('>').next().unwrap();
        assert!(tag.contains(" src=\"docs/assets/"), "{tag}");
    }
    assert!(!html.contains(" onload=") && !html.contains(" onclick="));
    assert!(
        !html.contains("//cdn") && !html.contains("https://"),
        "{html}"
    );

    // The page revalidates with a bodiless 304.
    let again = s
        .client
        .get(s.url("/docs"))
        .header("if-none-match", h["etag"].to_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());

    let slash = no_redirects().get(s.url("/docs/")).send().await.unwrap();
    assert_eq!(slash.status(), 308);
    assert_eq!(slash.headers()["location"], "/docs");
}

#[tokio::test]
async fn the_viewer_and_the_page_assets_are_served_and_nothing_else() {
    let s = TestStack::start().await;
    let version = docs::VIEWER_VERSION;
    for (name, content_type, cache, marker) in [
        (
            format!("swagger-ui-bundle-{version}.js"),
            "text/javascript",
            "public, max-age=31536000, immutable",
            "SwaggerUIBundle",
        ),
        (
            format!("swagger-ui-{version}.css"),
            "text/css",
            "public, max-age=31536000, immutable",
            ".swagger-ui",
        ),
        (
            "docs.js".to_owned(),
            "text/javascript",
            "no-cache",
            "api/v1/openapi.json",
        ),
        (
            "docs.css".to_owned(),
            "text/css",
            "no-cache",
            ".docs-topbar",
        ),
    ] {
        let res = s
            .client
            .get(s.url(&format!("/docs/assets/{name}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{name}");
        let h = res.headers().clone();
        assert!(
            h["content-type"]
                .to_str()
                .unwrap()
                .starts_with(content_type),
            "{name}: {:?}",
            h["content-type"]
        );
        assert_eq!(h["cache-control"], cache, "{name}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{name}");
        let body = res.text().await.unwrap();
        assert!(body.contains(marker), "{name} lacks {marker}");
    }
    // The same viewer as the pinned package: the vendored files match their checksums.
    let vendor = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../functions/docs/assets/vendor/swagger-ui-dist");
    let sums = std::fs::read_to_string(vendor.join("SHA256SUMS")).unwrap();
    assert!(sums.lines().count() >= 2);
    for line in sums.lines() {
        let (want, file) = line.split_once("  ").unwrap();
        let got = sha2::Sha256::digest(std::fs::read(vendor.join(file)).unwrap());
        let got: String = got.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(got, want, "{file} differs from the vendored release");
    }
    assert!(vendor.join("LICENSE").exists());

    // Unknown names, other versions of the viewer, and paths are 404, as HTML.
    for missing in [
        "/docs/assets/secrets.txt",
        "/docs/assets/swagger-ui-bundle.js",
        "/docs/assets/swagger-ui-bundle-0.0.1.js",
        "/docs/assets/..%2Fsrc%2Flib.rs",
        "/docs/assets/LICENSE",
    ] {
        let res = s.client.get(s.url(missing)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{missing}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }
    // Other methods are not routed at all.
    let post = s
        .client
        .post(s.url("/docs/assets/docs.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 404);
}

#[tokio::test]
async fn the_reference_renders_in_a_real_browser_without_policy_violations() {
    let Some(browser) = Browser::launch(1280, 900).await else {
        return;
    };
    let s = TestStack::start().await;
    // The Developer Hub's links open an operation by its deep link.
    browser
        .goto(&s.url("/docs#/payments/createPaymentRequest"))
        .await;
    browser
        .until("document.querySelector('.swagger-ui .opblock')")
        .await;
    browser
        .until("[...document.querySelectorAll('.opblock.is-open')].some(o => o.innerText.includes('createPaymentRequest'))")
        .await;
    let text = browser.text(".opblock.is-open").await;
    assert!(text.contains("/api/v1/payment-requests"), "{text}");
    assert!(text.contains("Create a payment request"), "{text}");
    browser.screenshot("docs-reference").await;
    let errors = browser.console_errors().await;
    assert!(
        errors.is_empty(),
        "the page logged errors (a CSP violation names the Content Security Policy): {errors:#?}"
    );
    // And the policy is in force, and its violations would be seen: an injected inline script
    // is refused.
    browser
        .eval(
            "const s = document.createElement('script'); s.textContent = 'window.ran = 1'; \
             document.head.append(s);",
            vec![],
        )
        .await;
    let refused = browser.console_errors().await;
    assert!(
        refused
            .iter()
            .any(|e| e.contains("Content Security Policy")),
        "{refused:#?}"
    );
    assert_eq!(
        browser.eval("return window.ran ?? null", vec![]).await,
        Value::Null
    );
    browser.close().await;
}

#[test]
fn the_error_schema_lists_every_error_code() {
    let doc: Value = serde_json::from_str(docs::OPENAPI_JSON).unwrap();
    let schema = &doc["components"]["schemas"]["Error"];
    assert!(
        schema["required"]
            .as_array()
            .unwrap()
            .contains(&Value::from("code"))
    );
    let documented: BTreeSet<&str> = schema["properties"]["code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let answered: BTreeSet<&str> = payrail::error::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(documented, answered);
}

/// The fields each `/api/v1` body may have are the ones its OpenAPI schema documents, and the
/// schema refuses the others as the server does.
#[test]
fn the_server_knows_exactly_the_fields_each_request_schema_documents() {
    let doc: Value = serde_json::from_str(docs::OPENAPI_JSON).unwrap();
    fn follow<'a>(doc: &'a Value, mut v: &'a Value) -> Value {
        while let Some(r) = v["$ref"].as_str() {
            v = doc.pointer(r.trim_start_matches('#')).unwrap();
        }
        v.clone()
    }
    fn collect(doc: &Value, v: &Value, into: &mut BTreeSet<String>) {
        let v = follow(doc, v);
        for sub in v["allOf"].as_array().into_iter().flatten() {
            collect(doc, sub, into);
        }
        if let Some(props) = v["properties"].as_object() {
            into.extend(props.keys().cloned());
        }
    }
    let resolve = |v: &Value| follow(&doc, v);
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/") {
            continue;
        }
        for method in ["post", "put", "patch"] {
            let Some(body) = item[method].get("requestBody") else {
                continue;
            };
            let body = resolve(body);
            let Some(schema) = body["content"]["application/json"].get("schema") else {
                continue;
            };
            let route = format!("{} {path}", method.to_uppercase());
            let schema_resolved = resolve(schema);
            let closed = schema_resolved["additionalProperties"] == json!(false)
                || schema_resolved["unevaluatedProperties"] == json!(false)
                || schema_resolved["allOf"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|s| resolve(s)["additionalProperties"] == json!(false));
            assert!(closed, "{route}'s schema does not refuse unknown fields");
            let mut fields = BTreeSet::new();
            collect(&doc, schema, &mut fields);
            let known: BTreeSet<String> = payrail::input::fields::known(&route)
                .unwrap_or_else(|| panic!("{route} is not in input::fields::BODY_FIELDS"))
                .iter()
                .map(|f| f.to_string())
                .collect();
            assert_eq!(known, fields, "{route}");
            documented.insert(route);
        }
    }
    let listed: BTreeSet<String> = payrail::input::fields::BODY_FIELDS
        .iter()
        .map(|(r, _)| r.to_string())
        .collect();
    assert_eq!(listed, documented);
}
