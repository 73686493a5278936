//! template.yaml keeps what an operator relies on: every alarm notifies the alarm topic when it
//! fires and when it clears, the topic is encrypted with a key CloudWatch may use, the email
//! subscription exists only when an address is given, and every table can be restored to a
//! point in time and cannot be deleted in prod, and API Gateway throttles every route.

use serde_norway::Value;

fn template_yaml() -> Value {
    let path = payrail_tests::payrail_local::default_template_path();
    let raw = std::fs::read_to_string(&path).expect("template.yaml reads");
    serde_norway::from_str(&raw).expect("template.yaml is YAML")
}

/// `(logical id, resource)` of every resource of type `kind`.
fn resources<'a>(t: &'a Value, kind: &str) -> Vec<(String, &'a Value)> {
    t["Resources"]
        .as_mapping()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some(kind))
        .map(|(id, r)| (id.as_str().unwrap().to_owned(), r))
        .collect()
}

/// The logical id a `!Ref X` names, if `v` is one.
fn ref_of(v: &Value) -> Option<&str> {
    match v {
        Value::Tagged(t) if t.tag == "Ref" => t.value.as_str(),
        _ => None,
    }
}

/// Whether `v` is `!If [condition, then, otherwise]`.
fn is_if(v: &Value, condition: &str, then: bool, otherwise: bool) -> bool {
    let Value::Tagged(t) = v else { return false };
    let Some([c, a, b]) = t.value.as_sequence().map(Vec::as_slice) else {
        return false;
    };
    t.tag == "If"
        && c.as_str() == Some(condition)
        && a.as_bool() == Some(then)
        && b.as_bool() == Some(otherwise)
}

#[test]
fn every_alarm_notifies_the_alarm_topic_when_it_fires_and_when_it_clears() {
    let t = template_yaml();
    let topics = resources(&t, "AWS::SNS::Topic");
    assert_eq!(topics.len(), 1, "one alarm topic");
    let (topic, _) = &topics[0];

    let alarms = resources(&t, "AWS::CloudWatch::Alarm");
    assert!(alarms.len() >= 10, "only {} alarms", alarms.len());
    for (id, alarm) in &alarms {
        let props = &alarm["Properties"];
        for key in ["AlarmActions", "OKActions"] {
            let actions = props[key].as_sequence();
            let actions = actions.unwrap_or_else(|| panic!("{id}: no {key}"));
            assert!(
                actions.iter().any(|a| ref_of(a) == Some(topic)),
                "{id}: {key} does not name {topic}"
            );
        }
        let description = props["AlarmDescription"].as_str().unwrap_or_default();
        assert!(
            description.contains("Alarms and recovery"),
            "{id}: the description should point at the runbook"
        );
        assert_eq!(
            props["TreatMissingData"].as_str(),
            Some("notBreaching"),
            "{id}"
        );
    }
    // Each alarm is worth a page: the payment path's functions and the delivery pipeline.
    let ids: Vec<&str> = alarms.iter().map(|(id, _)| id.as_str()).collect();
    for wanted in [
        "CreatePaymentErrorsAlarm",
        "CheckoutErrorsAlarm",
        "StripeHooksErrorsAlarm",
        "FanoutErrorsAlarm",
        "DispatchErrorsAlarm",
        "DispatchIteratorAgeAlarm",
        "DeliveriesDeadLetterAlarm",
        "DeliveriesQueueAgeAlarm",
        "ThrottlesAlarm",
        "ApiServerErrorsAlarm",
    ] {
        assert!(ids.contains(&wanted), "no {wanted}");
    }
}

#[test]
fn the_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use() {
    let t = template_yaml();
    let (_, topic) = &resources(&t, "AWS::SNS::Topic")[0];
    let key_id = ref_of(&topic["Properties"]["KmsMasterKeyId"])
        .expect("the topic's key is the stack's own (alarms cannot use alias/aws/sns)");
    let key = &t["Resources"][key_id];
    assert_eq!(key["Type"].as_str(), Some("AWS::KMS::Key"));
    let statements = key["Properties"]["KeyPolicy"]["Statement"]
        .as_sequence()
        .expect("a key policy");
    let cloudwatch = statements
        .iter()
        .find(|s| s["Principal"]["Service"].as_str() == Some("cloudwatch.amazonaws.com"))
        .expect("the key policy lets CloudWatch publish");
    let actions: Vec<&str> = cloudwatch["Action"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(actions.contains(&"kms:Decrypt") && actions.contains(&"kms:GenerateDataKey*"));
}

#[test]
fn the_email_subscription_exists_only_when_an_address_is_given() {
    let t = template_yaml();
    assert_eq!(t["Parameters"]["AlarmEmail"]["Default"].as_str(), Some(""));
    let Value::Tagged(not) = &t["Conditions"]["HasAlarmEmail"] else {
        panic!("no HasAlarmEmail condition");
    };
    assert_eq!(not.tag, "Not");
    let Value::Tagged(equals) = &not.value[0] else {
        panic!("HasAlarmEmail is not !Not [!Equals …]");
    };
    assert_eq!(equals.tag, "Equals");
    assert_eq!(ref_of(&equals.value[0]), Some("AlarmEmail"));
    assert_eq!(equals.value[1].as_str(), Some(""));

    let subscriptions = resources(&t, "AWS::SNS::Subscription");
    assert_eq!(subscriptions.len(), 1);
    for (id, s) in subscriptions {
        assert_eq!(s["Condition"].as_str(), Some("HasAlarmEmail"), "{id}");
        assert_eq!(s["Properties"]["Protocol"].as_str(), Some("email"), "{id}");
        assert_eq!(ref_of(&s["Properties"]["Endpoint"]), Some("AlarmEmail"));
    }
}

#[test]
fn every_table_has_point_in_time_recovery_and_is_protected_from_deletion_in_prod() {
    let t = template_yaml();
    let tables = resources(&t, "AWS::DynamoDB::Table");
    assert_eq!(
        tables.len(),
        payrail_tests::template().tables.len(),
        "the local stack's reading of the template sees the same tables"
    );
    for (id, table) in tables {
        let props = &table["Properties"];
        assert_eq!(
            props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(),
            Some(true),
            "{id}: no point-in-time recovery"
        );
        assert!(
            is_if(&props["DeletionProtectionEnabled"], "IsProd", true, false),
            "{id}: DeletionProtectionEnabled is not !If [IsProd, true, false]"
        );
        assert_eq!(table["DeletionPolicy"].as_str(), Some("Retain"), "{id}");
        assert_eq!(
            table["UpdateReplacePolicy"].as_str(),
            Some("Retain"),
            "{id}"
        );
    }
    let Value::Tagged(is_prod) = &t["Conditions"]["IsProd"] else {
        panic!("no IsProd condition");
    };
    assert_eq!(is_prod.tag, "Equals");
    assert_eq!(ref_of(&is_prod.value[0]), Some("Stage"));
    assert_eq!(is_prod.value[1].as_str(), Some("prod"));
}

#[test]
fn the_dead_letter_queue_outlives_the_stack() {
    let t = template_yaml();
    let dlq = &t["Resources"]["DeliveriesDeadLetterQueue"];
    assert_eq!(dlq["DeletionPolicy"].as_str(), Some("Retain"));
    assert_eq!(dlq["UpdateReplacePolicy"].as_str(), Some("Retain"));
}

/// API Gateway throttles every route before a function runs, and the public routes (no key,
/// so no per-key limit) more tightly.
#[test]
fn every_route_is_throttled_and_the_public_ones_more_tightly() {
    let t = template_yaml();
    let api = &t["Resources"]["HttpApi"]["Properties"];
    let default = &api["DefaultRouteSettings"];
    assert_eq!(
        ref_of(&default["ThrottlingRateLimit"]),
        Some("ApiThrottleRate")
    );
    assert_eq!(
        ref_of(&default["ThrottlingBurstLimit"]),
        Some("ApiThrottleBurst")
    );
    let number = |name: &str| {
        t["Parameters"][name]["Default"]
            .as_u64()
            .unwrap_or_else(|| panic!("parameter {name} has a number default"))
    };
    assert!(number("PublicThrottleRate") < number("ApiThrottleRate"));
    assert!(number("PublicThrottleBurst") < number("ApiThrottleBurst"));

    let template = payrail_tests::payrail_local::Template::load(
        &payrail_tests::payrail_local::default_template_path(),
    )
    .unwrap();
    let public = [
        "/checkout",
        "/pay/",
        "/hooks/",
        "/payment-request-api",
        "/ownpay/",
    ];
    let mut checked = 0;
    for (route, _) in template.routes() {
        let key = route.key();
        let path = key.split_once(' ').unwrap().1;
        let settings = &api["RouteSettings"][key.as_str()];
        if public.iter().any(|p| path.starts_with(p)) {
            assert_eq!(
                ref_of(&settings["ThrottlingRateLimit"]),
                Some("PublicThrottleRate"),
                "{key} has the public routes' rate"
            );
            assert_eq!(
                ref_of(&settings["ThrottlingBurstLimit"]),
                Some("PublicThrottleBurst"),
                "{key} has the public routes' burst"
            );
            checked += 1;
        }
    }
    assert!(checked >= 7, "{checked}");
    // Every route setting names a route the API has.
    for (key, _) in api["RouteSettings"].as_mapping().unwrap() {
        let key = key.as_str().unwrap();
        assert!(
            template.routes().any(|(r, _)| r.key() == key),
            "{key} is not a route of the API"
        );
    }
}
