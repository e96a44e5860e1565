use photo_api::client::ApiClient;
use photo_api::models::*;

async fn upload(client: ApiClient, group: GroupId) {
    // `$value` takes PUT only.
    let _ = client.groups().by_id(&group).photo().content().patch().await;
}

fn main() {}
