use photo_api::client::ApiClient;

async fn upload(client: ApiClient, bytes: Vec<u8>) {
    // Unchecked bytes must go through PhotoContent::from_jpeg first.
    let _ = client.me().photo().content().put(bytes).await;
}

fn main() {}
