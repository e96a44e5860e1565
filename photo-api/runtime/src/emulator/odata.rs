//! The JSON shapes Graph answers photo requests with: `profilePhoto` entities and collections with
//! `@odata.context`, `@odata.mediaContentType` and `@odata.mediaEtag`, trimmed by `$select`.
//!
//! `@odata.context` is an absolute URL of the service that answered: the handlers read the
//! request's host, and the API version its routes serve (the path prefix the generated router
//! mounted them under), from what the runtime's Graph layer keeps for each request.

use std::fmt;

use http::HeaderValue;
use http::Uri;

use super::imaging::{self, MEDIA_TYPE, Size};
use super::owner::OwnerKey;
use super::reply::{PhotoCollection, PhotoEntity, Select};
use super::store::Photo;
use crate::server::RequestScope;

/// The service root used outside a request served through the generated router.
const DEFAULT_SERVICE_ROOT: &str = "https://graph.microsoft.com/v1.0";

/// The longest `Host` header echoed into `@odata.context`.
const MAX_HOST_LEN: usize = 255;

/// The service root of a request, `http://<host>/<version>` (`http://<host>` for routes served
/// without a version prefix), kept as its parts and written out only when an `@odata.context`
/// is made.
#[derive(Clone, Debug)]
pub(crate) struct ServiceRoot {
    /// A plain host (see [`is_plain_host`]); `None` means `localhost`.
    host: Option<HeaderValue>,
    version: Option<&'static str>,
}

impl ServiceRoot {
    fn host(&self) -> &str {
        self.host
            .as_ref()
            .and_then(|host| host.to_str().ok())
            .unwrap_or("localhost")
    }

    fn write_to(&self, out: &mut String) {
        out.push_str("http://");
        out.push_str(self.host());
        if let Some(version) = self.version {
            out.push('/');
            out.push_str(version);
        }
    }
}

impl fmt::Display for ServiceRoot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}", self.host())?;
        match self.version {
            Some(version) => write!(f, "/{version}"),
            None => Ok(()),
        }
    }
}

/// The service root of a request with `host` (its `Host` header) and `uri`, served by routes of
/// API `version`.
fn service_root_of(
    host: Option<&HeaderValue>,
    uri: &Uri,
    version: Option<&'static str>,
) -> ServiceRoot {
    let host = host
        .cloned()
        .or_else(|| {
            let authority = uri.authority()?;
            HeaderValue::from_str(authority.as_str()).ok()
        })
        .filter(|host| host.to_str().is_ok_and(is_plain_host));
    ServiceRoot { host, version }
}

/// A host name, IPv4 or bracketed IPv6 address, with an optional port; nothing else is echoed.
fn is_plain_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= MAX_HOST_LEN
        && host.bytes().all(|byte| {
            byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b':' | b'[' | b']')
        })
}

/// `@odata.context`: `<service root>/$metadata#<owner's path>/<tail>`. Written with plain
/// string pushes; going through `format!` and the `Display` impls cost several times as much.
fn context(owner: &OwnerKey, tail: &str) -> String {
    let mut context = String::with_capacity(128);
    let written = RequestScope::with_current(|scope| {
        service_root_of(
            scope.host.as_ref(),
            &scope.uri,
            scope.api_version.get().copied(),
        )
        .write_to(&mut context);
    });
    if written.is_none() {
        context.push_str(DEFAULT_SERVICE_ROOT);
    }
    context.push_str("/$metadata#");
    owner.write_odata_path(&mut context);
    context.push('/');
    context.push_str(tail);
    context
}

fn pixels(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// `GET …/photo`: the photo itself. Its id is the largest standard size it has (`default` when
/// it is smaller than all); height and width are the upload's, unless a `PATCH` set them.
pub fn photo_entity(owner: &OwnerKey, photo: &Photo, select: Select) -> PhotoEntity {
    let image = photo.image();
    let metadata = photo.metadata();
    let entity = PhotoEntity {
        id: Some(
            metadata
                .id
                .clone()
                .unwrap_or_else(|| imaging::photo_id(image)),
        ),
        height: Some(metadata.height.unwrap_or(pixels(image.height))),
        width: Some(metadata.width.unwrap_or(pixels(image.width))),
        context: Some(context(owner, "photo/$entity")),
        media_content_type: Some(MEDIA_TYPE.to_owned()),
        media_etag: Some(photo.etag().to_owned()),
    };
    select.apply(entity)
}

/// One standard size of the photo, as an item of `GET …/photos` (`with_context: false`) or as
/// the answer to `GET …/photos/{size}`.
pub fn size_entity(
    owner: &OwnerKey,
    photo: &Photo,
    size: Size,
    select: Select,
    with_context: bool,
) -> PhotoEntity {
    let dimensions = size.dimensions();
    let entity = PhotoEntity {
        id: Some(imaging::size_id(size)),
        height: Some(pixels(dimensions.height)),
        width: Some(pixels(dimensions.width)),
        context: with_context.then(|| context(owner, "photos/$entity")),
        media_content_type: Some(MEDIA_TYPE.to_owned()),
        media_etag: Some(photo.etag().to_owned()),
    };
    select.apply(entity)
}

/// `GET …/photos`: every standard size the photo has, smallest first.
pub fn collection(owner: &OwnerKey, photo: &Photo, select: Select) -> PhotoCollection {
    PhotoCollection {
        context: context(owner, "photos"),
        value: imaging::available_sizes(photo.image())
            .map(|size| size_entity(owner, photo, size, select, false))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::imaging::ImageInfo;
    use crate::emulator::store::PhotoMetadata;
    use crate::server::RequestIds;
    use bytes::Bytes;
    use std::sync::OnceLock;

    fn photo() -> Photo {
        Photo::new(
            Bytes::from_static(b"jpeg"),
            ImageInfo {
                width: 300,
                height: 200,
            },
        )
    }

    fn owner() -> OwnerKey {
        OwnerKey::user("u1")
    }

    #[test]
    fn the_photo_entity_describes_the_upload() {
        let photo = photo();
        let entity = photo_entity(&owner(), &photo, Select::all());
        assert_eq!(entity.id.as_deref(), Some("120X120"));
        assert_eq!((entity.width, entity.height), (Some(300), Some(200)));
        assert_eq!(entity.media_content_type.as_deref(), Some("image/jpeg"));
        assert_eq!(entity.media_etag.as_deref(), Some(photo.etag()));
        assert_eq!(
            entity.context.as_deref(),
            Some("https://graph.microsoft.com/v1.0/$metadata#users('u1')/photo/$entity")
        );
        let patched = photo.with_metadata(PhotoMetadata {
            id: Some("custom".into()),
            height: Some(7),
            width: None,
        });
        let entity = photo_entity(&owner(), &patched, Select::names(["id", "height"]));
        assert_eq!(entity.id.as_deref(), Some("custom"));
        assert_eq!((entity.width, entity.height), (None, Some(7)));
        assert!(entity.media_etag.is_some());
    }

    #[test]
    fn the_collection_lists_sizes_up_to_the_upload() {
        let list = collection(&owner(), &photo(), Select::names(["id"]));
        let ids: Vec<_> = list.value.iter().filter_map(|p| p.id.as_deref()).collect();
        assert_eq!(ids, ["48X48", "64X64", "96X96", "120X120"]);
        assert!(
            list.value
                .iter()
                .all(|p| p.width.is_none() && p.context.is_none())
        );
        assert!(list.context.ends_with("#users('u1')/photos"));
    }

    #[tokio::test]
    async fn the_service_root_follows_the_request() {
        let host = HeaderValue::from_static("127.0.0.1:8080");
        let uri = Uri::from_static("/beta/me/photo");
        let root = service_root_of(Some(&host), &uri, Some("beta"));
        assert_eq!(root.to_string(), "http://127.0.0.1:8080/beta");
        assert_eq!(
            service_root_of(
                Some(&HeaderValue::from_static("evil\"host")),
                &Uri::from_static("/v1.0/me/photo"),
                Some("v1.0"),
            )
            .to_string(),
            "http://localhost/v1.0"
        );
        assert_eq!(
            service_root_of(
                None,
                &Uri::from_static("http://example.test:81/beta/me"),
                Some("beta")
            )
            .to_string(),
            "http://example.test:81/beta"
        );
        assert_eq!(
            service_root_of(Some(&host), &Uri::from_static("/me/photo"), None).to_string(),
            "http://127.0.0.1:8080"
        );
        let scope = RequestScope {
            ids: RequestIds::assign(&http::HeaderMap::new()),
            host: Some(host),
            uri,
            api_version: OnceLock::from("beta"),
        };
        let seen = std::sync::Arc::new(scope)
            .run(async { context(&owner(), "photo") })
            .await;
        assert_eq!(
            seen,
            "http://127.0.0.1:8080/beta/$metadata#users('u1')/photo"
        );
        assert!(context(&owner(), "photo").starts_with(DEFAULT_SERVICE_ROOT));
    }
}
