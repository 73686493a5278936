use std::convert::Infallible;

use lambda_http::{Request, service_fn};

/// The hub needs no AWS client: the page it serves talks to the API itself.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    payrail::logging::init();
    lambda_http::run(service_fn(|req: Request| async move {
        Ok::<_, Infallible>(hub::handle(req))
    }))
    .await
}
