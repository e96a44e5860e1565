use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use photo_api::runtime::server::{self as rt, JwtAuthorizer, Rejection, RequestContext};
use photo_api::server::{
    GetUserPhotoContentRequest, GetUserPhotoContentResponse, PartialApi, router,
};

/// Users' photos by user key, in memory. It serves one operation, so it implements `PartialApi`:
/// the operations left out answer `501 Not Implemented`. Implementing `Api` instead would make
/// every operation, including any the spec gains later, a compile error until implemented.
pub struct Photos(pub HashMap<String, Bytes>);

impl PartialApi for Photos {
    async fn get_user_photo_content(
        &self,
        _context: RequestContext,
        request: GetUserPhotoContentRequest,
    ) -> GetUserPhotoContentResponse {
        let Some(jpeg) = self.0.get(request.user_id.as_str()) else {
            return Rejection::not_found("ImageNotFound", "The photo wasn't found.").into();
        };
        let body = rt::BinaryContent {
            media_type: "image/jpeg".into(),
            bytes: jpeg.clone(),
        };
        GetUserPhotoContentResponse::Ok { etag: None, body }
    }
}

/// Serves `photos` under `/v1.0` and `/beta` to callers with HS256 tokens signed with `secret`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    photos: Photos,
    secret: &str,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = rt::ServerConfig::new(JwtAuthorizer::hs256(secret));
    rt::serve(listener, router(Arc::new(photos), config), shutdown).await
}
