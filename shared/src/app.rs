//! The process-wide state a Lambda builds once, outside its handler.

use std::sync::Mutex;

use crate::access_log::{AccessLog, AccessLogReceiver};
use crate::cache::{MinuteCounter, TtlCache};
use crate::config::Settings;
use crate::ids::KeyId;
use crate::ids::MerchantId;
use crate::metrics::AwsCalls;
use crate::processor::config::ProcessorSecrets;

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::SdkConfig;
use aws_types::region::Region;

use crate::config::{AwsTimeouts, ConfigError};

/// AWS configuration as Lambda provides it: the region and the function role's credentials in
/// environment variables. Read directly rather than through aws-config's provider chain (SSO,
/// STS, IMDS, ECS, profile files), none of which a Lambda uses, which keeps those clients out of
/// every binary and the chain's probing out of every cold start.
pub fn lambda_aws_config() -> Result<SdkConfig, ConfigError> {
    let var = |name: &'static str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let required = |name: &'static str| var(name).ok_or(ConfigError::Missing(name));
    let region = var("AWS_REGION")
        .or_else(|| var("AWS_DEFAULT_REGION"))
        .ok_or(ConfigError::Missing("AWS_REGION"))?;
    let credentials = Credentials::new(
        required("AWS_ACCESS_KEY_ID")?,
        required("AWS_SECRET_ACCESS_KEY")?,
        var("AWS_SESSION_TOKEN"),
        None,
        "lambda-environment",
    );
    let mut config = SdkConfig::builder()
        .behavior_version(
            aws_smithy_runtime_api::client::behavior_version::BehaviorVersion::latest(),
        )
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(credentials));
    if let Some(endpoint) = var("AWS_ENDPOINT_URL") {
        config = config.endpoint_url(endpoint);
    }
    Ok(config.build())
}

/// The SDK sets no timeouts by default: a stalled connection would wait for the function's.
fn timeout_config(t: &AwsTimeouts) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(t.connect)
        .operation_attempt_timeout(t.attempt)
        .operation_timeout(t.operation)
        .build()
}

/// SDK clients and settings, built once per process and shared by every invocation. Holds no
/// state another instance needs: the admin-token cache only saves Secrets Manager calls.
pub struct App {
    pub settings: Settings,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub sqs: aws_sdk_sqs::Client,
    /// Every AWS call this process made, by operation.
    pub aws_calls: AwsCalls,
    pub access_log: AccessLog,
    access_log_receiver: Mutex<Option<AccessLogReceiver>>,
    /// The admin token's SHA-256 (under the one key `()`).
    pub(crate) admin_token: TtlCache<(), [u8; 32]>,
    /// Each merchant's webhook signing master key.
    pub(crate) webhook_keys: TtlCache<MerchantId, [u8; 32]>,
    pub(crate) processor_secrets: TtlCache<MerchantId, ProcessorSecrets>,
    /// Customers this process recorded: a customer never goes away, so a repeat customer's
    /// next payment through this instance writes nothing for it.
    pub(crate) customers_recorded: crate::cache::RecentlyWritten<crate::ids::CustomerId>,
    /// Credentials refused this minute, by source address and by key id (see
    /// [`crate::auth::identify`]).
    pub(crate) failed_auth: FailedAuth,
}

/// Refused credentials, counted in memory so that throttling them costs no write.
#[derive(Default)]
pub(crate) struct FailedAuth {
    pub by_source: MinuteCounter<String>,
    pub by_key: MinuteCounter<KeyId>,
}

impl App {
    /// Loads settings and AWS configuration from the environment. `AWS_ENDPOINT_URL` (the SDK's
    /// own setting) points the clients at another endpoint, such as a local emulator.
    pub async fn from_env() -> Result<Self, crate::config::ConfigError> {
        let settings = Settings::from_env()?;
        Ok(Self::new(settings, &lambda_aws_config()?))
    }

    pub fn new(settings: Settings, aws: &SdkConfig) -> Self {
        let aws_calls = AwsCalls::default();
        let timeouts = timeout_config(&settings.aws_timeouts);
        let dynamodb = aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(aws)
                .interceptor(aws_calls.clone())
                .timeout_config(timeouts.clone())
                .build(),
        );
        let secrets = aws_sdk_secretsmanager::Client::from_conf(
            aws_sdk_secretsmanager::config::Builder::from(aws)
                .interceptor(aws_calls.clone())
                .timeout_config(timeouts.clone())
                .build(),
        );
        let sqs = aws_sdk_sqs::Client::from_conf(
            aws_sdk_sqs::config::Builder::from(aws)
                .interceptor(aws_calls.clone())
                .timeout_config(timeouts)
                .build(),
        );
        let (access_log, receiver) = AccessLog::channel();
        Self {
            settings,
            dynamodb,
            secrets,
            sqs,
            aws_calls,
            access_log,
            access_log_receiver: Mutex::new(Some(receiver)),
            admin_token: Default::default(),
            webhook_keys: Default::default(),
            processor_secrets: Default::default(),
            customers_recorded: crate::cache::RecentlyWritten::new(10_000),
            failed_auth: Default::default(),
        }
    }

    /// The receiving end of the access log, for the one task that writes it.
    pub fn take_access_log_receiver(&self) -> Option<AccessLogReceiver> {
        self.access_log_receiver
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}
