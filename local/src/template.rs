//! Reads template.yaml: the tables, secrets, functions, routes and environment the stack
//! declares. The local stack is built from this, so it cannot drift from what SAM deploys.

use std::collections::BTreeMap;
use std::path::Path;

use serde_norway::Value;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("reading {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("template.yaml is not valid YAML: {0}")]
    Yaml(#[from] serde_norway::Error),
    #[error("template.yaml: {0}")]
    Shape(String),
}

fn shape(msg: impl Into<String>) -> TemplateError {
    TemplateError::Shape(msg.into())
}

#[derive(Debug, Clone)]
pub struct KeyElement {
    pub attribute: String,
    /// `HASH` or `RANGE`.
    pub key_type: String,
}

#[derive(Debug, Clone)]
pub struct IndexSpec {
    pub name: String,
    pub key_schema: Vec<KeyElement>,
    pub projection: String,
}

#[derive(Debug, Clone)]
pub struct TableSpec {
    pub logical_id: String,
    /// Attribute name → `S`, `N` or `B`.
    pub attributes: Vec<(String, String)>,
    pub key_schema: Vec<KeyElement>,
    pub indexes: Vec<IndexSpec>,
    pub ttl_attribute: Option<String>,
    /// `StreamSpecification.StreamViewType`, when the table has a stream.
    pub stream_view_type: Option<String>,
}

#[derive(Debug, Clone)]
pub struct QueueSpec {
    pub logical_id: String,
    /// Queue attributes as SQS names them (`VisibilityTimeout`, …), literal values only.
    pub attributes: Vec<(String, String)>,
    /// `RedrivePolicy`: the dead-letter queue's logical id and `maxReceiveCount`.
    pub redrive: Option<(String, String)>,
}

/// What triggers a function besides HTTP and schedules.
#[derive(Debug, Clone, PartialEq)]
pub enum EventSource {
    /// An SQS queue, by logical id.
    Queue(String),
    /// A table's DynamoDB stream, by the table's logical id.
    Stream(String),
}

#[derive(Debug, Clone)]
pub struct Route {
    pub method: String,
    /// `/api/v1/transactions/{id}`
    pub path: String,
}

impl Route {
    /// API Gateway's route key, `GET /api/v1/transactions/{id}`.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

#[derive(Debug, Clone)]
pub struct FunctionSpec {
    pub logical_id: String,
    /// The workspace binary SAM builds for it (`Metadata.BuildProperties.Binary`).
    pub binary: String,
    pub routes: Vec<Route>,
    /// `Schedule` events: how often the function runs.
    pub schedules: Vec<std::time::Duration>,
    pub event_sources: Vec<EventSource>,
    /// The names of its own `Environment.Variables` (it has the Globals' too).
    pub variables: Vec<String>,
}

/// An environment value: a literal, or a `!Ref` to a parameter or resource.
#[derive(Debug, Clone, PartialEq)]
pub enum EnvValue {
    Literal(String),
    Ref(String),
    /// `!Sub` text with `${Name}` placeholders.
    Sub(String),
    /// `!If [Condition, then, else]`.
    If(String, Box<EnvValue>, Box<EnvValue>),
}

/// A condition the local stack can evaluate: `!Equals [!Ref Parameter, "value"]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub parameter: String,
    pub value: String,
}

#[derive(Debug, Clone)]
pub struct Template {
    pub tables: Vec<TableSpec>,
    /// Logical ids of `AWS::SecretsManager::Secret` resources.
    pub secrets: Vec<String>,
    pub queues: Vec<QueueSpec>,
    pub functions: Vec<FunctionSpec>,
    /// Parameter name → default value.
    pub parameters: BTreeMap<String, String>,
    /// Every function's environment (Globals, then each function's own).
    pub environment: BTreeMap<String, EnvValue>,
    /// The names of the Globals' `Environment.Variables`, which every function has.
    pub global_variables: Vec<String>,
    /// `Conditions` of the `!Equals [!Ref Parameter, value]` form, by name.
    pub conditions: BTreeMap<String, Condition>,
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_mapping().and_then(|m| m.get(key))
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn req_text(v: &Value, key: &str, ctx: &str) -> Result<String, TemplateError> {
    get(v, key)
        .and_then(text)
        .ok_or_else(|| shape(format!("{ctx}: missing {key}")))
}

fn key_schema(v: Option<&Value>, ctx: &str) -> Result<Vec<KeyElement>, TemplateError> {
    let seq = v
        .and_then(Value::as_sequence)
        .ok_or_else(|| shape(format!("{ctx}: missing KeySchema")))?;
    seq.iter()
        .map(|e| {
            Ok(KeyElement {
                attribute: req_text(e, "AttributeName", ctx)?,
                key_type: req_text(e, "KeyType", ctx)?,
            })
        })
        .collect()
}

fn env_value(v: &Value) -> Option<EnvValue> {
    match v {
        Value::Tagged(t) if t.tag == "Ref" => text(&t.value).map(EnvValue::Ref),
        Value::Tagged(t) if t.tag == "Sub" => text(&t.value).map(EnvValue::Sub),
        Value::Tagged(t) if t.tag == "If" => match t.value.as_sequence().map(Vec::as_slice) {
            Some([condition, then, otherwise]) => Some(EnvValue::If(
                text(condition)?,
                Box::new(env_value(then)?),
                Box::new(env_value(otherwise)?),
            )),
            _ => None,
        },
        Value::Mapping(m) => m.get("Ref").and_then(text).map(EnvValue::Ref),
        other => text(other).map(EnvValue::Literal),
    }
}

/// Adds `function`'s environment to `into` and answers the names it declares.
fn collect_env(
    function: &Value,
    into: &mut BTreeMap<String, EnvValue>,
) -> Result<Vec<String>, TemplateError> {
    let mut names = Vec::new();
    let vars = get(function, "Environment").and_then(|e| get(e, "Variables"));
    if let Some(Value::Mapping(vars)) = vars {
        for (k, v) in vars {
            let k = text(k).ok_or_else(|| shape("an environment variable without a name"))?;
            let v = env_value(v)
                .ok_or_else(|| shape(format!("{k}: a value the local stack cannot resolve")))?;
            into.insert(k.clone(), v);
            names.push(k);
        }
    }
    Ok(names)
}

/// `!Equals [!Ref Parameter, value]` (either order).
fn parse_condition(v: &Value) -> Option<Condition> {
    let Value::Tagged(t) = v else { return None };
    let [a, b] = t.value.as_sequence().map(Vec::as_slice)? else {
        return None;
    };
    let as_ref = |v: &Value| match v {
        Value::Tagged(r) if r.tag == "Ref" => text(&r.value),
        _ => None,
    };
    let (parameter, value) = match (as_ref(a), as_ref(b)) {
        (Some(p), None) => (p, text(b)?),
        (None, Some(p)) => (p, text(a)?),
        _ => return None,
    };
    (t.tag == "Equals").then_some(Condition { parameter, value })
}

impl Template {
    pub fn load(path: &Path) -> Result<Self, TemplateError> {
        let raw = std::fs::read_to_string(path).map_err(|source| TemplateError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&raw)
    }

    pub fn parse(raw: &str) -> Result<Self, TemplateError> {
        let doc: Value = serde_norway::from_str(raw)?;
        let mut out = Template {
            tables: Vec::new(),
            secrets: Vec::new(),
            queues: Vec::new(),
            functions: Vec::new(),
            parameters: BTreeMap::new(),
            environment: BTreeMap::new(),
            global_variables: Vec::new(),
            conditions: BTreeMap::new(),
        };
        if let Some(Value::Mapping(params)) = get(&doc, "Parameters") {
            for (name, p) in params {
                if let (Some(name), Some(default)) = (text(name), get(p, "Default").and_then(text))
                {
                    out.parameters.insert(name, default);
                }
            }
        }
        if let Some(Value::Mapping(conditions)) = get(&doc, "Conditions") {
            for (name, c) in conditions {
                if let (Some(name), Some(c)) = (text(name), parse_condition(c)) {
                    out.conditions.insert(name, c);
                }
            }
        }
        if let Some(globals) = get(&doc, "Globals").and_then(|g| get(g, "Function")) {
            out.global_variables = collect_env(globals, &mut out.environment)?;
        }
        let Some(Value::Mapping(resources)) = get(&doc, "Resources") else {
            return Err(shape("no Resources"));
        };
        for (id, res) in resources {
            let id = text(id).ok_or_else(|| shape("resource without a name"))?;
            let kind = get(res, "Type").and_then(text).unwrap_or_default();
            let props = get(res, "Properties").cloned().unwrap_or(Value::Null);
            match kind.as_str() {
                "AWS::DynamoDB::Table" => out.tables.push(parse_table(&id, &props)?),
                "AWS::SecretsManager::Secret" => out.secrets.push(id),
                "AWS::SQS::Queue" => out.queues.push(parse_queue(&id, &props)?),
                "AWS::Serverless::Function" => {
                    let variables = collect_env(&props, &mut out.environment)?;
                    out.functions.push(FunctionSpec {
                        variables,
                        ..parse_function(&id, res, &props)?
                    });
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// The names of every environment variable `function` runs with: the Globals' and its own.
    pub fn variables_of(&self, function: &FunctionSpec) -> Vec<String> {
        let mut names: Vec<String> = self.global_variables.clone();
        names.extend(function.variables.iter().cloned());
        names.sort();
        names.dedup();
        names
    }

    /// Every HTTP route with the binary that serves it.
    pub fn routes(&self) -> impl Iterator<Item = (&Route, &FunctionSpec)> {
        self.functions
            .iter()
            .flat_map(|f| f.routes.iter().map(move |r| (r, f)))
    }
}

fn parse_table(id: &str, props: &Value) -> Result<TableSpec, TemplateError> {
    let attributes = get(props, "AttributeDefinitions")
        .and_then(Value::as_sequence)
        .ok_or_else(|| shape(format!("{id}: missing AttributeDefinitions")))?
        .iter()
        .map(|a| {
            Ok((
                req_text(a, "AttributeName", id)?,
                req_text(a, "AttributeType", id)?,
            ))
        })
        .collect::<Result<_, TemplateError>>()?;
    let indexes = match get(props, "GlobalSecondaryIndexes").and_then(Value::as_sequence) {
        None => Vec::new(),
        Some(seq) => seq
            .iter()
            .map(|g| {
                Ok(IndexSpec {
                    name: req_text(g, "IndexName", id)?,
                    key_schema: key_schema(get(g, "KeySchema"), id)?,
                    projection: get(g, "Projection")
                        .and_then(|p| get(p, "ProjectionType"))
                        .and_then(text)
                        .unwrap_or_else(|| "ALL".into()),
                })
            })
            .collect::<Result<_, TemplateError>>()?,
    };
    let ttl = get(props, "TimeToLiveSpecification");
    let ttl_enabled = ttl
        .and_then(|t| get(t, "Enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let stream_view_type = get(props, "StreamSpecification")
        .and_then(|s| get(s, "StreamViewType"))
        .and_then(text);
    Ok(TableSpec {
        stream_view_type,
        logical_id: id.to_owned(),
        attributes,
        key_schema: key_schema(get(props, "KeySchema"), id)?,
        indexes,
        ttl_attribute: ttl
            .filter(|_| ttl_enabled)
            .and_then(|t| get(t, "AttributeName"))
            .and_then(text),
    })
}

/// The logical id a `!GetAtt X.Attr` (or `Fn::GetAtt: [X, Attr]`) points at.
fn get_att_target(v: &Value) -> Option<String> {
    let inner = match v {
        Value::Tagged(t) if t.tag == "GetAtt" => &t.value,
        Value::Mapping(m) => m.get("Fn::GetAtt")?,
        _ => return None,
    };
    match inner {
        Value::String(s) => s.split('.').next().map(str::to_owned),
        Value::Sequence(seq) => seq.first().and_then(text),
        _ => None,
    }
}

fn parse_queue(id: &str, props: &Value) -> Result<QueueSpec, TemplateError> {
    let mut attributes = Vec::new();
    for name in [
        "VisibilityTimeout",
        "MessageRetentionPeriod",
        "DelaySeconds",
    ] {
        if let Some(v) = get(props, name).and_then(text) {
            attributes.push((name.to_owned(), v));
        }
    }
    let redrive = match get(props, "RedrivePolicy") {
        None => None,
        Some(policy) => Some((
            get(policy, "deadLetterTargetArn")
                .and_then(get_att_target)
                .ok_or_else(|| shape(format!("{id}: RedrivePolicy needs !GetAtt <queue>.Arn")))?,
            req_text(policy, "maxReceiveCount", id)?,
        )),
    };
    Ok(QueueSpec {
        logical_id: id.to_owned(),
        attributes,
        redrive,
    })
}

fn parse_function(id: &str, res: &Value, props: &Value) -> Result<FunctionSpec, TemplateError> {
    let binary = get(res, "Metadata")
        .and_then(|m| get(m, "BuildProperties"))
        .and_then(|b| get(b, "Binary"))
        .and_then(text)
        .ok_or_else(|| shape(format!("{id}: missing Metadata.BuildProperties.Binary")))?;
    let mut routes = Vec::new();
    let mut schedules = Vec::new();
    let mut event_sources = Vec::new();
    if let Some(Value::Mapping(events)) = get(props, "Events") {
        for (_, event) in events {
            let p = get(event, "Properties").cloned().unwrap_or(Value::Null);
            match get(event, "Type").and_then(text).as_deref() {
                Some("HttpApi") => routes.push(Route {
                    method: req_text(&p, "Method", id)?.to_ascii_uppercase(),
                    path: req_text(&p, "Path", id)?,
                }),
                Some("SQS") => event_sources.push(EventSource::Queue(
                    get(&p, "Queue").and_then(get_att_target).ok_or_else(|| {
                        shape(format!("{id}: SQS event needs Queue: !GetAtt <queue>.Arn"))
                    })?,
                )),
                Some("DynamoDB") => event_sources.push(EventSource::Stream(
                    get(&p, "Stream").and_then(get_att_target).ok_or_else(|| {
                        shape(format!(
                            "{id}: DynamoDB event needs Stream: !GetAtt <table>.StreamArn"
                        ))
                    })?,
                )),
                Some("Schedule") => {
                    let expr = req_text(&p, "Schedule", id)?;
                    schedules.push(parse_rate(&expr).ok_or_else(|| {
                        shape(format!(
                            "{id}: only rate(N minute[s]|hour[s]|day[s]) runs locally, not {expr}"
                        ))
                    })?);
                }
                _ => {}
            }
        }
    }
    Ok(FunctionSpec {
        logical_id: id.to_owned(),
        binary,
        routes,
        schedules,
        event_sources,
        variables: Vec::new(),
    })
}

/// `rate(1 minute)`, `rate(5 minutes)`, `rate(1 hour)` → the period.
fn parse_rate(expr: &str) -> Option<std::time::Duration> {
    let inner = expr.trim().strip_prefix("rate(")?.strip_suffix(')')?;
    let (n, unit) = inner.trim().split_once(' ')?;
    let n: u64 = n.parse().ok()?;
    let secs = match unit.trim().trim_end_matches('s') {
        "minute" => 60,
        "hour" => 3600,
        "day" => 86_400,
        _ => return None,
    };
    Some(std::time::Duration::from_secs(n * secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_template_declares_every_function_route_and_table() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
        let t = Template::load(&path).unwrap();
        let keys: Vec<String> = t.routes().map(|(r, _)| r.key()).collect();
        for route in [
            "POST /api/v1/payment-requests",
            "POST /payment-request-api",
            "GET /api/v1/transactions/{id}",
            "GET /api/v1/transactions",
            "POST /api/v1/merchants",
            "POST /api/v1/keys",
        ] {
            assert!(keys.iter().any(|k| k == route), "{route} missing");
        }
        assert!(t.tables.iter().any(|t| t.logical_id == "TransactionsTable"));
        let sweeper = t
            .functions
            .iter()
            .find(|f| f.binary == "expire-payments")
            .unwrap();
        assert_eq!(sweeper.schedules, [std::time::Duration::from_secs(60)]);
        assert_eq!(
            parse_rate("rate(5 minutes)"),
            Some(std::time::Duration::from_secs(300))
        );
        assert_eq!(parse_rate("cron(0 * * * ? *)"), None);
        let fanout = t
            .functions
            .iter()
            .find(|f| f.binary == "webhook-fanout")
            .unwrap();
        assert_eq!(
            fanout.event_sources,
            [
                EventSource::Queue("DeliveriesQueue".into()),
                EventSource::Queue("DeliveryRetriesQueue".into())
            ]
        );
        let dispatch = t
            .functions
            .iter()
            .find(|f| f.binary == "webhook-dispatch")
            .unwrap();
        assert_eq!(
            dispatch.event_sources,
            [EventSource::Stream("EventsTable".into())]
        );
        let queue = t
            .queues
            .iter()
            .find(|q| q.logical_id == "DeliveriesQueue")
            .unwrap();
        assert_eq!(
            queue.redrive,
            Some(("DeliveriesDeadLetterQueue".into(), "10".into()))
        );
        assert!(t.secrets.iter().any(|s| s == "AdminTokenSecret"));
        assert_eq!(
            t.environment.get("PAYRAIL_TRANSACTIONS_TABLE"),
            Some(&EnvValue::Ref("TransactionsTable".into()))
        );
        assert_eq!(
            t.environment.get("PAYRAIL_ALLOW_SANDBOX"),
            Some(&EnvValue::If(
                "IsProd".into(),
                Box::new(EnvValue::Literal("0".into())),
                Box::new(EnvValue::Ref("AllowSandbox".into()))
            ))
        );
        assert_eq!(
            t.conditions["IsProd"],
            Condition {
                parameter: "Stage".into(),
                value: "prod".into()
            }
        );
        assert!(t.global_variables.iter().any(|v| v == "PAYRAIL_KEYS_TABLE"));
    }
}
