#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    payrail::lambda::serve(get_transaction::handle).await
}
