use photo_api::client::{ApiClient, PhotoContent};
use photo_api::runtime::client::Upload;

async fn upload(client: ApiClient, upload: Upload) {
    // The only way to a PhotoContent is a checked constructor.
    let _ = client.me().photo().content().put(PhotoContent(upload)).await;
}

fn main() {}
