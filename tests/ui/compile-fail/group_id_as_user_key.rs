use photo_api::client::ApiClient;
use photo_api::models::*;

async fn sync(client: ApiClient) {
    let group = GroupId::new("02bd9fd6-8f93-4758-87c3-1fb73740a315").unwrap();
    // A group id is not a user key.
    let _ = client.users().by_key(&group).photo().get().await;
}

fn main() {}
