use photo_api::client::ApiClient;
use photo_api::models::*;

async fn upload(client: ApiClient) {
    // `$value` takes image bytes, not a JSON model.
    let metadata = ProfilePhoto { height: Some(99), ..Default::default() };
    let _ = client.me().photo().content().put(metadata).await;
}

fn main() {}
