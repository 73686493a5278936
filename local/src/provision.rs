//! Creates template.yaml's tables and secrets in the AWS endpoint the SDK is pointed at (the
//! local emulator), under a name prefix so several stacks can share one emulator.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};

use crate::template::{EnvValue, KeyElement, Template};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The physical names of a provisioned stack.
#[derive(Debug, Clone)]
pub struct LocalStack {
    pub prefix: String,
    /// Logical id → physical name (what `!Ref` resolves to locally).
    pub names: BTreeMap<String, String>,
    /// Every function's environment with `!Ref`s resolved.
    pub environment: BTreeMap<String, String>,
    /// Queue logical id → queue URL.
    pub queue_urls: BTreeMap<String, String>,
}

impl LocalStack {
    pub fn env(&self, name: &str) -> Option<String> {
        self.environment.get(name).cloned()
    }
}

fn keys(schema: &[KeyElement]) -> Result<Vec<KeySchemaElement>, BoxError> {
    schema
        .iter()
        .map(|k| {
            Ok(KeySchemaElement::builder()
                .attribute_name(&k.attribute)
                .key_type(KeyType::from(k.key_type.as_str()))
                .build()?)
        })
        .collect()
}

/// Creates every table and secret, and resolves the functions' environment. `secret_values`
/// gives a secret's value by logical id (the admin token); others get a random value.
pub async fn provision(
    template: &Template,
    prefix: &str,
    aws: &aws_config::SdkConfig,
    secret_values: &BTreeMap<String, String>,
) -> Result<LocalStack, BoxError> {
    let dynamodb = aws_sdk_dynamodb::Client::new(aws);
    let secrets = aws_sdk_secretsmanager::Client::new(aws);
    let mut names = BTreeMap::new();

    for table in &template.tables {
        let name = format!("{prefix}-{}", table.logical_id);
        let mut req = dynamodb
            .create_table()
            .table_name(&name)
            .billing_mode(BillingMode::PayPerRequest)
            .set_key_schema(Some(keys(&table.key_schema)?));
        for (attr, kind) in &table.attributes {
            req = req.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(attr)
                    .attribute_type(ScalarAttributeType::from(kind.as_str()))
                    .build()?,
            );
        }
        for index in &table.indexes {
            req = req.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(&index.name)
                    .set_key_schema(Some(keys(&index.key_schema)?))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::from(index.projection.as_str()))
                            .build(),
                    )
                    .build()?,
            );
        }
        if let Some(view) = &table.stream_view_type {
            req = req.stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::from(view.as_str()))
                    .build()?,
            );
        }
        match req.send().await {
            Ok(_) => {}
            Err(e) if e.code() == Some("ResourceInUseException") => {}
            Err(e) => {
                return Err(format!("creating table {name}: {}", DisplayErrorContext(&e)).into());
            }
        }
        if let Some(attr) = &table.ttl_attribute {
            dynamodb
                .update_time_to_live()
                .table_name(&name)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .attribute_name(attr)
                        .enabled(true)
                        .build()?,
                )
                .send()
                .await
                .map_err(|e| format!("enabling TTL on {name}: {}", DisplayErrorContext(&e)))?;
        }
        names.insert(table.logical_id.clone(), name);
    }

    for id in &template.secrets {
        let name = format!("{prefix}-{id}");
        let value = match secret_values.get(id) {
            Some(v) => v.clone(),
            None => random_token("sec_"),
        };
        let created = secrets
            .create_secret()
            .name(&name)
            .secret_string(&value)
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e) if e.code() == Some("ResourceExistsException") => {
                secrets
                    .put_secret_value()
                    .secret_id(&name)
                    .secret_string(&value)
                    .send()
                    .await
                    .map_err(|e| format!("updating secret {name}: {}", DisplayErrorContext(&e)))?;
            }
            Err(e) => {
                return Err(format!("creating secret {name}: {}", DisplayErrorContext(&e)).into());
            }
        }
        names.insert(id.clone(), name);
    }

    // Queues: dead-letter targets first, so a redrive policy can name their ARN.
    let sqs = aws_sdk_sqs::Client::new(aws);
    let mut queue_urls = BTreeMap::new();
    let mut queue_arns = BTreeMap::new();
    let mut queues: Vec<_> = template.queues.iter().collect();
    queues.sort_by_key(|q| q.redrive.is_some());
    for queue in queues {
        let name = format!("{prefix}-{}", queue.logical_id);
        let mut req = sqs.create_queue().queue_name(&name);
        for (k, v) in &queue.attributes {
            req = req.attributes(aws_sdk_sqs::types::QueueAttributeName::from(k.as_str()), v);
        }
        if let Some((dlq, max)) = &queue.redrive {
            let arn = queue_arns.get(dlq).ok_or_else(|| {
                format!(
                    "{}: dead-letter queue {dlq} is not a queue",
                    queue.logical_id
                )
            })?;
            req = req.attributes(
                aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy,
                serde_json::json!({"deadLetterTargetArn": arn, "maxReceiveCount": max}).to_string(),
            );
        }
        let url = req
            .send()
            .await
            .map_err(|e| {
                format!(
                    "creating queue {name}: {}",
                    aws_sdk_sqs::error::DisplayErrorContext(&e)
                )
            })?
            .queue_url
            .unwrap_or_default();
        let arn = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "reading queue {name}: {}",
                    aws_sdk_sqs::error::DisplayErrorContext(&e)
                )
            })?
            .attributes
            .and_then(|mut a| a.remove(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
            .unwrap_or_default();
        queue_arns.insert(queue.logical_id.clone(), arn);
        queue_urls.insert(queue.logical_id.clone(), url.clone());
        names.insert(queue.logical_id.clone(), url);
    }

    let environment = environment(template, &names, prefix, aws)?;
    Ok(LocalStack {
        prefix: prefix.to_owned(),
        names,
        environment,
        queue_urls,
    })
}

/// The names of a stack provisioned earlier (by `make dev`) under `prefix`, checking that each
/// resource is there, without changing anything.
pub async fn describe(
    template: &Template,
    prefix: &str,
    aws: &aws_config::SdkConfig,
) -> Result<LocalStack, BoxError> {
    let dynamodb = aws_sdk_dynamodb::Client::new(aws);
    let secrets = aws_sdk_secretsmanager::Client::new(aws);
    let sqs = aws_sdk_sqs::Client::new(aws);
    let missing = |what: &str, name: &str, code: Option<&str>| -> BoxError {
        let why = code.unwrap_or("no answer");
        format!("{what} {name} is not in the emulator ({why}); is `make dev` running?").into()
    };
    let mut names = BTreeMap::new();
    for table in &template.tables {
        let name = format!("{prefix}-{}", table.logical_id);
        dynamodb
            .describe_table()
            .table_name(&name)
            .send()
            .await
            .map_err(|e| missing("table", &name, e.code()))?;
        names.insert(table.logical_id.clone(), name);
    }
    for id in &template.secrets {
        let name = format!("{prefix}-{id}");
        secrets
            .describe_secret()
            .secret_id(&name)
            .send()
            .await
            .map_err(|e| missing("secret", &name, e.code()))?;
        names.insert(id.clone(), name);
    }
    let mut queue_urls = BTreeMap::new();
    for queue in &template.queues {
        let name = format!("{prefix}-{}", queue.logical_id);
        let url = sqs
            .get_queue_url()
            .queue_name(&name)
            .send()
            .await
            .map_err(|e| missing("queue", &name, e.code()))?
            .queue_url
            .unwrap_or_default();
        queue_urls.insert(queue.logical_id.clone(), url.clone());
        names.insert(queue.logical_id.clone(), url);
    }
    let environment = environment(template, &names, prefix, aws)?;
    Ok(LocalStack {
        prefix: prefix.to_owned(),
        names,
        environment,
        queue_urls,
    })
}

/// Every function's environment, resolved against the provisioned `names`.
fn environment(
    template: &Template,
    names: &BTreeMap<String, String>,
    prefix: &str,
    aws: &aws_config::SdkConfig,
) -> Result<BTreeMap<String, String>, BoxError> {
    let parameters = local_parameters(template);
    let mut environment = BTreeMap::new();
    for (var, value) in &template.environment {
        let resolved = resolve(var, value, template, names, &parameters, prefix)?;
        environment.insert(var.clone(), resolved);
    }
    // Declared empty for AWS, where the SDK's own endpoints apply; locally, the emulator.
    if let (Some(declared), Some(endpoint)) =
        (environment.get_mut("AWS_ENDPOINT_URL"), aws.endpoint_url())
    {
        *declared = endpoint.to_owned();
    }
    Ok(environment)
}

/// The local stack is a stage of its own, never `prod`: the template's `Stage` default would
/// turn the sandbox processor off, which is all there is locally.
const LOCAL_PARAMETERS: &[(&str, &str)] = &[("Stage", "local")];

/// The template's parameter defaults, with the local stack's own values.
fn local_parameters(template: &Template) -> BTreeMap<String, String> {
    let mut parameters = template.parameters.clone();
    for (name, value) in LOCAL_PARAMETERS {
        parameters.insert((*name).to_owned(), (*value).to_owned());
    }
    parameters
}

/// An environment value as it is locally: `!Ref`s to the provisioned names or the
/// parameters, `!Sub` placeholders filled in, `!If` decided on the parameters.
fn resolve(
    var: &str,
    value: &EnvValue,
    template: &Template,
    names: &BTreeMap<String, String>,
    parameters: &BTreeMap<String, String>,
    prefix: &str,
) -> Result<String, BoxError> {
    Ok(match value {
        EnvValue::Literal(v) => v.clone(),
        EnvValue::Ref(target) => match (names.get(target), parameters.get(target)) {
            (Some(physical), _) => physical.clone(),
            (None, Some(value)) => value.clone(),
            (None, None) => return Err(format!("{var}: !Ref {target} names nothing").into()),
        },
        EnvValue::Sub(text) => {
            let mut out = text.replace("${AWS::StackName}", prefix);
            for (logical, physical) in names.iter().chain(parameters.iter()) {
                out = out.replace(&format!("${{{logical}}}"), physical);
            }
            if out.contains("${") {
                return Err(format!("{var}: cannot resolve !Sub {text} locally").into());
            }
            out
        }
        EnvValue::If(condition, then, otherwise) => {
            let c = template.conditions.get(condition).ok_or_else(|| {
                format!("{var}: condition {condition} cannot be evaluated locally")
            })?;
            let holds = parameters.get(&c.parameter) == Some(&c.value);
            let branch = if holds { then } else { otherwise };
            resolve(var, branch, template, names, parameters, prefix)?
        }
    })
}

/// A random credential: `prefix` and 32 bytes from the OS CSPRNG, base64url.
pub fn random_token(prefix: &str) -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random number generator is unavailable");
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}
