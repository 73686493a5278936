use std::convert::Infallible;

use lambda_http::{Request, service_fn};

/// The document is compiled in: no AWS client, no configuration, nothing to start but the
/// runtime.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    payrail::logging::init();
    lambda_http::run(service_fn(|req: Request| async move {
        Ok::<_, Infallible>(docs::handle(req))
    }))
    .await
}
