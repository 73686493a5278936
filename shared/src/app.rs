//! The process-wide state a Lambda builds once, outside its handler.

use crate::auth::admin::AdminTokenCache;
use crate::config::Settings;

/// SDK clients and settings, built once per process and shared by every invocation. Holds no
/// state another instance needs: the admin-token cache only saves Secrets Manager calls.
pub struct App {
    pub settings: Settings,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub(crate) admin_token: AdminTokenCache,
}

impl App {
    /// Loads settings and AWS configuration from the environment. `AWS_ENDPOINT_URL` (the SDK's
    /// own setting) points the clients at another endpoint, such as a local emulator.
    pub async fn from_env() -> Result<Self, crate::config::ConfigError> {
        let settings = Settings::from_env()?;
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Ok(Self::new(settings, &aws))
    }

    pub fn new(settings: Settings, aws: &aws_config::SdkConfig) -> Self {
        Self {
            settings,
            dynamodb: aws_sdk_dynamodb::Client::new(aws),
            secrets: aws_sdk_secretsmanager::Client::new(aws),
            admin_token: AdminTokenCache::default(),
        }
    }
}
