#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    payrail::lambda::serve(create_payment::handle).await
}
