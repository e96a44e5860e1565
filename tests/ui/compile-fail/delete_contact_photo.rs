use photo_api::client::ApiClient;
use photo_api::models::*;

async fn remove(client: ApiClient, contact: ContactId) {
    // Graph has no DELETE for contact photos, so the client has none either.
    let _ = client.me().contacts().by_id(&contact).photo().delete().await;
}

fn main() {}
