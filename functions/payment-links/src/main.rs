#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    payrail::lambda::serve(payment_links::handle).await
}
