use photo_api::client::ApiClient;
use photo_api::models::*;

async fn sizes(client: ApiClient, contact: ContactId) {
    // Contacts have one photo, not a collection of sizes.
    let _ = client.me().contacts().by_id(&contact).photos().get().await;
}

fn main() {}
