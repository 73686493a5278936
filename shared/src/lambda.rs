//! The Lambda entry point every HTTP function shares.

use std::future::Future;

use lambda_http::{Body, Request, Response, service_fn};

use crate::App;

/// Builds the [`App`] once, at init, then serves invocations with `handler` until the runtime
/// stops. The app lives for the whole process, so it is leaked to a `'static` borrow.
pub async fn serve<Fut>(handler: fn(&'static App, Request) -> Fut) -> Result<(), lambda_http::Error>
where
    Fut: Future<Output = Response<Body>> + Send,
{
    lambda_http::tracing::init_default_subscriber();
    let app: &'static App = Box::leak(Box::new(App::from_env().await?));
    lambda_http::run(service_fn(move |req: Request| async move {
        Ok::<_, std::convert::Infallible>(handler(app, req).await)
    }))
    .await
}
