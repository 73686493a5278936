//! Concurrent changes to one webhook endpoint: every write sees the one before it, so none is
//! lost, nothing deleted comes back, and every answered secret is the one in force.

use std::collections::BTreeSet;

use payrail_tests::{Receiver, TestStack};
use serde_json::{Value, json};

async fn current_secret(s: &TestStack, key: &str, id: &str) -> Value {
    let res = s
        .get(&format!("/api/v1/webhook-endpoints/{id}/secret"), key)
        .await;
    res.expect(200);
    res.data()["secret"].clone()
}

#[tokio::test]
async fn an_edit_racing_a_delete_never_brings_the_endpoint_back() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let receiver = Receiver::start().await;
    let (_, key) = s.merchant_with_key().await;
    for trial in 0..15 {
        let id = s.endpoint(&key, &receiver.url).await.id;
        let path = format!("/api/v1/webhook-endpoints/{id}");
        let (patched, deleted) = tokio::join!(
            s.patch(
                &path,
                &key,
                json!({"description": format!("trial {trial}")})
            ),
            s.delete(&path, &key),
        );
        assert!([200, 404].contains(&patched.status), "{}", patched.body);
        deleted.expect(200);
        s.get(&path, &key).await.expect_error(404, None);
    }
}

#[tokio::test]
async fn concurrent_rotations_each_answer_a_new_secret_and_the_last_is_in_force() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let receiver = Receiver::start().await;
    let (_, key) = s.merchant_with_key().await;
    for _ in 0..3 {
        let id = s.endpoint(&key, &receiver.url).await.id;
        let rotate = format!("/api/v1/webhook-endpoints/{id}/rotate-secret");
        let (a, b, c, d, e) = tokio::join!(
            s.post(&rotate, &key, json!({})),
            s.post(&rotate, &key, json!({})),
            s.post(&rotate, &key, json!({})),
            s.post(&rotate, &key, json!({})),
            s.post(&rotate, &key, json!({})),
        );
        let answers = [a, b, c, d, e];
        let secrets: BTreeSet<String> = answers
            .iter()
            .map(|a| {
                a.expect(200);
                a.data()["secret"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(secrets.len(), 5, "two rotations answered the same secret");
        let now = current_secret(&s, &key, &id).await;
        assert!(secrets.contains(now.as_str().unwrap()));
    }
}

#[tokio::test]
async fn an_edit_racing_a_rotation_keeps_the_rotated_secret() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let receiver = Receiver::start().await;
    let (_, key) = s.merchant_with_key().await;
    for trial in 0..10 {
        let id = s.endpoint(&key, &receiver.url).await.id;
        let path = format!("/api/v1/webhook-endpoints/{id}");
        let rotate = format!("{path}/rotate-secret");
        let (patched, rotated) = tokio::join!(
            s.patch(
                &path,
                &key,
                json!({"description": format!("trial {trial}")})
            ),
            s.post(&rotate, &key, json!({})),
        );
        patched.expect(200);
        rotated.expect(200);
        assert_eq!(
            current_secret(&s, &key, &id).await,
            rotated.data()["secret"]
        );
        let read = s
            .get(&format!("/api/v1/webhook-endpoints/{id}"), &key)
            .await;
        assert_eq!(read.data()["description"], json!(format!("trial {trial}")));
    }
}

#[tokio::test]
async fn an_edit_read_before_an_automatic_disable_cannot_undo_it() {
    let s = TestStack::start_with_webhooks(&[]).await;
    let receiver = Receiver::start().await;
    let (_, key) = s.merchant_with_key().await;
    let id = s.endpoint(&key, &receiver.url).await.id;
    let app = &s.running.app;
    let ep_id = payrail::ids::EndpointId::parse(&id).unwrap();
    let stale = payrail::store::endpoints::get(app, &ep_id)
        .await
        .unwrap()
        .unwrap();
    payrail::store::endpoints::set_health(app, &ep_id, None, Some("the endpoint answered 410"))
        .await
        .unwrap();
    let mut edit = stale.clone();
    edit.description = "edited from a stale read".into();
    assert!(matches!(
        payrail::store::endpoints::replace(app, &edit).await,
        Err(payrail::store::StoreError::ConditionFailed)
    ));
    let read = s
        .get(&format!("/api/v1/webhook-endpoints/{id}"), &key)
        .await;
    assert_eq!(read.data()["enabled"], json!(false));
    assert_eq!(read.data()["description"], json!(""));
    // An edit through the API starts from the fresh state: still disabled.
    s.patch(
        &format!("/api/v1/webhook-endpoints/{id}"),
        &key,
        json!({"description": "later"}),
    )
    .await
    .expect(200);
    let read = s
        .get(&format!("/api/v1/webhook-endpoints/{id}"), &key)
        .await;
    assert_eq!(read.data()["enabled"], json!(false));
}
