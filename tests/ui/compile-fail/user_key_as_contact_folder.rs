use photo_api::client::ApiClient;
use photo_api::models::*;

async fn folder(client: ApiClient, user: UserKey, contact: ContactId) {
    // Keys of one kind do not fit another kind's slot.
    let _ = client.me().contact_folders().by_id(&user).contacts().by_id(&contact).photo().get().await;
}

fn main() {}
