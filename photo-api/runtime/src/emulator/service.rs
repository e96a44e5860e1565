//! [`PhotoService`]: the emulator's engine. The generated binding (`generated/emulator.rs`)
//! implements the spec's `Api` for it, one call per operation: it names the request's owner
//! ([`PhotoService::owner`]) and calls one of a handful of behaviours (metadata, content,
//! sizes, upload, delete, update) that answer through the reply traits of [`super::reply`]. The
//! router has already authenticated and authorized the caller and validated the parameters.

use std::io;
use std::sync::Arc;

use http::StatusCode;

use super::imaging::{self, Imaging, InvalidImage, MEDIA_TYPE, ResizeError, Size};
use super::odata;
use super::overrides::Overrides;
use super::owner::{OwnerKey, OwnerSegment, Owners};
use super::reply::{ContentReply, DoneReply, ListReply, MetadataReply, PhotoPatch, Select};
use super::store::{Photo, PhotoMetadata, PhotoStore, StoreError};
use super::upload::UploadHash;
use crate::server::{BinaryBody, BinaryContent, Rejection, RequestContext};

/// The longest `id` a `PATCH` may set.
const MAX_ID_LEN: usize = 256;

/// The emulated photo API over a [`PhotoStore`].
pub struct PhotoService {
    store: Arc<dyn PhotoStore>,
    owners: Owners,
    imaging: Imaging,
    overrides: Overrides,
}

impl PhotoService {
    /// A service storing photos in `store` and resolving owners' keys with `owners`.
    pub fn new(store: Arc<dyn PhotoStore>, owners: Owners) -> Self {
        PhotoService {
            store,
            owners,
            imaging: Imaging::default(),
            overrides: Overrides::default(),
        }
    }

    /// The store, for inspecting or seeding photos in tests.
    pub fn store(&self) -> &Arc<dyn PhotoStore> {
        &self.store
    }

    /// The same service with other image handling (say, [`UploadCheck::Decode`]).
    ///
    /// [`UploadCheck::Decode`]: imaging::UploadCheck::Decode
    pub fn with_imaging(mut self, imaging: Imaging) -> Self {
        self.imaging = imaging;
        self
    }

    /// The same service with hand-written behaviour for some operations.
    pub fn with_overrides(mut self, overrides: Overrides) -> Self {
        self.overrides = overrides;
        self
    }

    /// How owners are resolved.
    pub fn owners(&self) -> &Owners {
        &self.owners
    }

    /// The image work and its cache of resized copies.
    pub fn imaging(&self) -> &Imaging {
        &self.imaging
    }

    /// The operations served by hand-written behaviour; the generated binding asks first.
    pub fn overrides(&self) -> &Overrides {
        &self.overrides
    }

    /// The owner a request's path names, for its caller.
    pub fn owner(&self, context: &RequestContext, path: &[OwnerSegment<'_>]) -> OwnerKey {
        self.owners.resolve(&context.principal, path)
    }

    /// `GET …/photo`: the photo's metadata, or `304` when `If-None-Match` has it.
    pub async fn metadata<R: MetadataReply>(
        &self,
        owner: OwnerKey,
        select: Select,
        if_none_match: Option<&str>,
    ) -> R {
        answer(self.photo(&owner).map(|photo| {
            unchanged(&photo, if_none_match, R::not_modified).unwrap_or_else(|| {
                R::entity(
                    photo.etag().to_owned(),
                    odata::photo_entity(&owner, &photo, select),
                )
            })
        }))
    }

    /// `GET …/photo/$value`: the photo's bytes, or `304` when `If-None-Match` has it.
    pub async fn content<R: ContentReply>(
        &self,
        owner: OwnerKey,
        if_none_match: Option<&str>,
    ) -> R {
        answer(self.photo(&owner).map(|photo| {
            unchanged(&photo, if_none_match, R::not_modified).unwrap_or_else(|| {
                R::content(photo.etag().to_owned(), jpeg(photo.content().clone()))
            })
        }))
    }

    /// `GET …/photos`: the standard sizes the photo has.
    pub async fn list<R: ListReply>(&self, owner: OwnerKey, select: Select) -> R {
        answer(
            self.photo(&owner)
                .map(|photo| R::list(odata::collection(&owner, &photo, select))),
        )
    }

    /// `GET …/photos/{size}`: one size's metadata.
    pub async fn size_metadata<R: MetadataReply>(
        &self,
        owner: OwnerKey,
        size: &str,
        select: Select,
        if_none_match: Option<&str>,
    ) -> R {
        answer(self.sized_photo(&owner, size).map(|(photo, size)| {
            unchanged(&photo, if_none_match, R::not_modified).unwrap_or_else(|| {
                R::entity(
                    photo.etag().to_owned(),
                    odata::size_entity(&owner, &photo, size, select, true),
                )
            })
        }))
    }

    /// `GET …/photos/{size}/$value`: the photo resized (cached per ETag and size).
    pub async fn size_content<R: ContentReply>(
        &self,
        owner: OwnerKey,
        size: &str,
        if_none_match: Option<&str>,
    ) -> R {
        answer(self.resized(&owner, size, if_none_match).await)
    }

    /// `PUT …/photo/$value`: stores a JPEG.
    pub async fn upload<R: DoneReply>(&self, owner: OwnerKey, body: BinaryBody) -> R {
        answer(self.store_upload(owner, body).await.map(|()| R::done()))
    }

    /// `DELETE …/photo`, when `If-Match` (if any) matches.
    pub async fn delete<R: DoneReply>(&self, owner: OwnerKey, if_match: Option<String>) -> R {
        let deleted = self
            .mutate(move |store| {
                store.delete(&owner, &|photo| {
                    if_match
                        .as_deref()
                        .is_none_or(|header| etag_matches(header, photo.etag(), false))
                })
            })
            .await;
        answer(deleted.map(|()| R::done()))
    }

    /// `PATCH …/photo`: sets the metadata's id, height or width.
    pub async fn update<R: MetadataReply>(&self, owner: OwnerKey, patch: PhotoPatch) -> R {
        answer(self.store_patch(owner, patch).await)
    }

    fn photo(&self, owner: &OwnerKey) -> Result<Arc<Photo>, Rejection> {
        self.store.get(owner).ok_or_else(image_not_found)
    }

    /// The photo and the size named `size`, when the photo has that size.
    fn sized_photo(&self, owner: &OwnerKey, size: &str) -> Result<(Arc<Photo>, Size), Rejection> {
        let photo = self.photo(owner)?;
        let image = photo.image();
        match Size::parse(size).filter(|size| imaging::has_size(image, *size)) {
            Some(size) => Ok((photo, size)),
            None => Err(Rejection::not_found(
                "ImageNotFound",
                format!(
                    "The photo is {}x{} pixels; the size {size} is not available.",
                    image.width, image.height
                ),
            )),
        }
    }

    async fn resized<R: ContentReply>(
        &self,
        owner: &OwnerKey,
        size: &str,
        if_none_match: Option<&str>,
    ) -> Result<R, Rejection> {
        let (photo, size) = self.sized_photo(owner, size)?;
        if let Some(unchanged) = unchanged(&photo, if_none_match, R::not_modified) {
            return Ok(unchanged);
        }
        let resized = self
            .imaging
            .resized(photo.etag(), photo.content().clone(), size)
            .await
            .map_err(|err| match err {
                ResizeError::Undecodable(reason) => {
                    tracing::info!(owner = %owner, etag = photo.etag(), %reason, "a stored photo does not decode");
                    undecodable_photo(&reason)
                }
                ResizeError::Failed(reason) => {
                    tracing::error!(owner = %owner, error = %reason, "could not resize a stored photo");
                    Rejection::internal("The photo could not be resized.")
                }
            })?;
        Ok(R::content(photo.etag().to_owned(), jpeg(resized)))
    }

    async fn store_upload(&self, owner: OwnerKey, body: BinaryBody) -> Result<(), Rejection> {
        // The ETag's hash runs on each chunk as it arrives, so it is done when the last byte is
        // in rather than adding to the upload's time.
        let mut hash = UploadHash::new();
        let bytes = body.bytes_observed(|so_far| hash.observe(so_far)).await?;
        let hash = hash.finish(&bytes);
        let image = self
            .imaging
            .check_upload(bytes.clone())
            .await
            .map_err(invalid_upload)?;
        let stored = self
            .mutate(move |store| store.put(&owner, Photo::hashed(bytes, image, hash)))
            .await?;
        tracing::info!(etag = %stored.etag(), width = image.width, height = image.height, "stored a photo");
        Ok(())
    }

    async fn store_patch<R: MetadataReply>(
        &self,
        owner: OwnerKey,
        patch: PhotoPatch,
    ) -> Result<R, Rejection> {
        if patch.height.is_some_and(|h| h < 0) || patch.width.is_some_and(|w| w < 0) {
            return Err(Rejection::bad_request(
                "height and width must not be negative.",
            ));
        }
        if patch.id.as_ref().is_some_and(|id| id.len() > MAX_ID_LEN) {
            return Err(Rejection::bad_request(format!(
                "id must be at most {MAX_ID_LEN} bytes."
            )));
        }
        let key = owner.clone();
        let updated = self
            .mutate(move |store| {
                store.update(&key, &|current| {
                    let old = current.metadata();
                    let metadata = PhotoMetadata {
                        id: patch.id.clone().or_else(|| old.id.clone()),
                        height: patch.height.or(old.height),
                        width: patch.width.or(old.width),
                    };
                    current.clone().with_metadata(metadata)
                })
            })
            .await?;
        let entity = odata::photo_entity(&owner, &updated, Select::all());
        Ok(R::entity(updated.etag().to_owned(), entity))
    }

    /// Runs a store mutation: in place when the store never waits on the disk, otherwise on a
    /// blocking thread. Either way it runs to completion even if the client goes away, so it is
    /// never half done.
    async fn mutate<T: Send + 'static>(
        &self,
        change: impl FnOnce(&dyn PhotoStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, Rejection> {
        if !self.store.waits_on_disk() {
            return change(&*self.store).map_err(store_rejection);
        }
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || change(&*store))
            .await
            .unwrap_or_else(|err| Err(StoreError::Io(io::Error::other(err.to_string()))))
            .map_err(store_rejection)
    }
}

/// The reply, or the rejection as the reply's error variant.
fn answer<R: From<Rejection>>(result: Result<R, Rejection>) -> R {
    result.unwrap_or_else(R::from)
}

/// `304 Not Modified` (made by `not_modified`) when the client's `If-None-Match` already has
/// `photo` and the operation declares a `304`; otherwise the caller answers in full.
fn unchanged<R>(
    photo: &Photo,
    if_none_match: Option<&str>,
    not_modified: fn(String) -> Option<R>,
) -> Option<R> {
    if is_unchanged(photo, if_none_match) {
        not_modified(photo.etag().to_owned())
    } else {
        None
    }
}

impl std::fmt::Debug for PhotoService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhotoService")
            .field("photos", &self.store.len())
            .field("owners", &self.owners)
            .field("imaging", &self.imaging)
            .field("overrides", &self.overrides)
            .finish()
    }
}

/// Whether the client's `If-None-Match` already has `photo`, which is then answered with
/// `304 Not Modified`.
fn is_unchanged(photo: &Photo, if_none_match: Option<&str>) -> bool {
    if_none_match.is_some_and(|header| etag_matches(header, photo.etag(), true))
}

/// Whether an `If-Match` / `If-None-Match` value (`*` or a list of entity tags) matches `etag`.
/// `If-None-Match` compares weakly (`W/"x"` matches `"x"`), `If-Match` strongly. A tag sent
/// without quotes is accepted too, since some clients strip them.
fn etag_matches(header: &str, etag: &str, weak: bool) -> bool {
    header.split(',').map(str::trim).any(|candidate| {
        if candidate == "*" {
            return true;
        }
        let candidate = match candidate.strip_prefix("W/") {
            Some(_) if !weak => return false,
            Some(tag) => tag,
            None => candidate,
        };
        candidate == etag || (!candidate.is_empty() && candidate == etag.trim_matches('"'))
    })
}

fn jpeg(bytes: bytes::Bytes) -> BinaryContent {
    BinaryContent {
        media_type: MEDIA_TYPE.to_owned(),
        bytes,
    }
}

/// The answer for a size of a stored photo whose image data turned out not to decode. The
/// upload passed the structural check, so this is the client's damaged upload coming to light:
/// a 4xx with the upload refusal's code, not a server fault. 422, because the request is fine
/// but the photo it names cannot be processed.
fn undecodable_photo(reason: &InvalidImage) -> Rejection {
    Rejection::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "ErrorInvalidImage",
        format!(
            "The stored photo's image data is damaged, so no size of it can be made ({reason}). Upload it again; an emulator that decodes uploads (photo-emulator serve --decode-uploads) refuses such uploads when they are made."
        ),
    )
}

/// The `400` for an upload that is not an acceptable photo.
fn invalid_upload(reason: InvalidImage) -> Rejection {
    Rejection::new(
        StatusCode::BAD_REQUEST,
        "ErrorInvalidImage",
        reason.to_string(),
    )
}

fn image_not_found() -> Rejection {
    Rejection::not_found("ImageNotFound", "The photo wasn't found.")
}

fn store_rejection(err: StoreError) -> Rejection {
    match err {
        StoreError::NotFound => image_not_found(),
        StoreError::ConditionFailed => Rejection::new(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailed",
            "The photo's ETag does not match If-Match.",
        ),
        StoreError::Io(err) => {
            tracing::error!(error = %err, "the photo store failed");
            Rejection::internal("The photo store failed; nothing was changed.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ETAG: &str = "\"abc\"";

    #[test]
    fn if_none_match_compares_weakly() {
        for header in [ETAG, "W/\"abc\"", "*", "\"x\", \"abc\"", "abc"] {
            assert!(etag_matches(header, ETAG, true), "{header}");
        }
        for header in ["\"abd\"", "", "W/\"x\"", "\"\""] {
            assert!(!etag_matches(header, ETAG, true), "{header}");
        }
    }

    #[test]
    fn if_match_compares_strongly() {
        assert!(etag_matches(ETAG, ETAG, false));
        assert!(etag_matches("*", ETAG, false));
        assert!(!etag_matches("W/\"abc\"", ETAG, false));
        assert!(!etag_matches("\"other\"", ETAG, false));
    }
}
