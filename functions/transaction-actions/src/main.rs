#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    payrail::lambda::serve(transaction_actions::handle).await
}
