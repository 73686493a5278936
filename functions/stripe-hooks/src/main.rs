#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    payrail::lambda::serve(stripe_hooks::handle).await
}
