use photo_api::client::ApiClient;

async fn upload(client: ApiClient) {
    // An upload without a photo.
    let _ = client.me().photo().content().put().await;
}

fn main() {}
