//! [`PhotoService`]: the emulator's implementation of the generated [`Api`] trait.
//!
//! Each of the spec's operations resolves its owner ([`Owners`]) and calls one of a handful of
//! shared behaviours (metadata, content, sizes, upload, delete, update); the router has already
//! authenticated and authorized the caller and validated the parameters. A behaviour gives its
//! operation's response or a [`Rejection`], which the generated `From<Rejection>` turns into the
//! response's error variant for its status.

use std::io;
use std::sync::Arc;

use http::StatusCode;

use super::imaging::{self, Imaging, InvalidImage, MEDIA_TYPE, ResizeError, UploadCheck};
use super::odata;
use super::owner::{OwnerKey, Owners};
use super::store::{Photo, PhotoMetadata, PhotoStore, StoreError};
use super::upload::UploadScan;
use crate::models::{PhotoSize, ProfilePhoto, SelectItem};
use crate::runtime::server::{BinaryBody, BinaryContent, Rejection, RequestContext};
use crate::server::*;

/// The longest `id` a `PATCH` may set.
const MAX_ID_LEN: usize = 256;

/// The emulated photo API over a [`PhotoStore`].
pub struct PhotoService {
    store: Arc<dyn PhotoStore>,
    owners: Owners,
    imaging: Imaging,
}

impl PhotoService {
    /// A service storing photos in `store` and resolving user keys with `owners`.
    pub fn new(store: Arc<dyn PhotoStore>, owners: Owners) -> Self {
        PhotoService {
            store,
            owners,
            imaging: Imaging::default(),
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

    /// How owners are resolved.
    pub fn owners(&self) -> &Owners {
        &self.owners
    }

    /// The image work and its cache of resized copies.
    pub fn imaging(&self) -> &Imaging {
        &self.imaging
    }

    fn photo(&self, owner: &OwnerKey) -> Result<Arc<Photo>, Rejection> {
        self.store.get(owner).ok_or_else(image_not_found)
    }

    fn metadata(
        &self,
        owner: &OwnerKey,
        selected: Option<&[SelectItem]>,
        if_none_match: Option<&str>,
    ) -> Result<GetMyPhotoResponse, Rejection> {
        let photo = self.photo(owner)?;
        Ok(metadata_response(&photo, if_none_match, || {
            odata::photo_entity(owner, &photo, selected)
        }))
    }

    fn content(
        &self,
        owner: &OwnerKey,
        if_none_match: Option<&str>,
    ) -> Result<GetMyPhotoContentResponse, Rejection> {
        let photo = self.photo(owner)?;
        let etag = Some(photo.etag().to_owned());
        if is_unchanged(&photo, if_none_match) {
            return Ok(GetMyPhotoContentResponse::NotModified { etag });
        }
        Ok(GetMyPhotoContentResponse::Ok {
            etag,
            body: jpeg(photo.content().clone()),
        })
    }

    fn list(
        &self,
        owner: &OwnerKey,
        selected: Option<&[SelectItem]>,
    ) -> Result<ListMyPhotosResponse, Rejection> {
        let photo = self.photo(owner)?;
        Ok(ListMyPhotosResponse::Ok {
            body: odata::collection(owner, &photo, selected),
        })
    }

    fn sized_photo(&self, owner: &OwnerKey, size: PhotoSize) -> Result<Arc<Photo>, Rejection> {
        let photo = self.photo(owner)?;
        if !imaging::has_size(photo.image(), size) {
            let image = photo.image();
            return Err(Rejection::not_found(
                "ImageNotFound",
                format!(
                    "The photo is {}x{} pixels; the size {size} is not available.",
                    image.width, image.height
                ),
            ));
        }
        Ok(photo)
    }

    fn size_metadata(
        &self,
        owner: &OwnerKey,
        size: PhotoSize,
        selected: Option<&[SelectItem]>,
        if_none_match: Option<&str>,
    ) -> Result<GetMyPhotoResponse, Rejection> {
        let photo = self.sized_photo(owner, size)?;
        Ok(metadata_response(&photo, if_none_match, || {
            odata::size_entity(owner, &photo, size, selected, true)
        }))
    }

    async fn size_content(
        &self,
        owner: &OwnerKey,
        size: PhotoSize,
        if_none_match: Option<&str>,
    ) -> Result<GetMyPhotoContentResponse, Rejection> {
        let photo = self.sized_photo(owner, size)?;
        let etag = Some(photo.etag().to_owned());
        if is_unchanged(&photo, if_none_match) {
            return Ok(GetMyPhotoContentResponse::NotModified { etag });
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
        Ok(GetMyPhotoContentResponse::Ok {
            etag,
            body: jpeg(resized),
        })
    }

    async fn upload(
        &self,
        owner: OwnerKey,
        body: BinaryBody,
    ) -> Result<SetMyPhotoContentResponse, Rejection> {
        // The structural check and the ETag's hash run on each chunk as it arrives, so both are
        // done when the last byte is in rather than adding to the upload's time.
        let mut scan = UploadScan::new();
        let bytes = body.bytes_observed(|so_far| scan.observe(so_far)).await?;
        let (checked, hash) = scan.finish(&bytes);
        let mut image = checked.map_err(invalid_upload)?;
        if self.imaging.upload_check() == UploadCheck::Decode {
            image = self
                .imaging
                .check_upload(bytes.clone())
                .await
                .map_err(invalid_upload)?;
        }
        let stored = self
            .mutate(move |store| store.put(&owner, Photo::hashed(bytes, image, hash)))
            .await?;
        tracing::info!(etag = %stored.etag(), width = image.width, height = image.height, "stored a photo");
        Ok(SetMyPhotoContentResponse::Ok)
    }

    async fn delete(
        &self,
        owner: OwnerKey,
        if_match: Option<String>,
    ) -> Result<DeleteMyPhotoResponse, Rejection> {
        self.mutate(move |store| {
            store.delete(&owner, &|photo| {
                if_match
                    .as_deref()
                    .is_none_or(|header| etag_matches(header, photo.etag(), false))
            })
        })
        .await?;
        Ok(DeleteMyPhotoResponse::NoContent)
    }

    async fn update(
        &self,
        owner: OwnerKey,
        patch: ProfilePhoto,
    ) -> Result<UpdateUserPhotoResponse, Rejection> {
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
        Ok(UpdateUserPhotoResponse::Ok {
            etag: Some(updated.etag().to_owned()),
            body: odata::photo_entity(&owner, &updated, None),
        })
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

    fn me_contact(&self, context: &RequestContext, contact: &crate::models::ContactId) -> OwnerKey {
        self.owners
            .contact(self.owners.me(&context.principal), contact)
    }
}

impl std::fmt::Debug for PhotoService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhotoService")
            .field("photos", &self.store.len())
            .field("owners", &self.owners)
            .field("imaging", &self.imaging)
            .finish()
    }
}

/// Whether the client's `If-None-Match` already has `photo`, which is then answered with
/// `304 Not Modified`.
fn is_unchanged(photo: &Photo, if_none_match: Option<&str>) -> bool {
    if_none_match.is_some_and(|header| etag_matches(header, photo.etag(), true))
}

/// The metadata of `photo` (`entity`, made only when needed), or `304` when unchanged.
fn metadata_response(
    photo: &Photo,
    if_none_match: Option<&str>,
    entity: impl FnOnce() -> ProfilePhoto,
) -> GetMyPhotoResponse {
    let etag = Some(photo.etag().to_owned());
    if is_unchanged(photo, if_none_match) {
        return GetMyPhotoResponse::NotModified { etag };
    }
    GetMyPhotoResponse::Ok {
        etag,
        body: entity(),
    }
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

impl Api for PhotoService {
    async fn get_my_photo(
        &self,
        context: RequestContext,
        request: GetMyPhotoRequest,
    ) -> GetMyPhotoResponse {
        let owner = self.owners.my(&context.principal);
        self.metadata(
            &owner,
            request.select.as_deref(),
            request.if_none_match.as_deref(),
        )
        .unwrap_or_else(Into::into)
    }

    async fn delete_my_photo(
        &self,
        context: RequestContext,
        request: DeleteMyPhotoRequest,
    ) -> DeleteMyPhotoResponse {
        let owner = self.owners.my(&context.principal);
        self.delete(owner, request.if_match)
            .await
            .unwrap_or_else(Into::into)
    }

    async fn get_my_photo_content(
        &self,
        context: RequestContext,
        request: GetMyPhotoContentRequest,
    ) -> GetMyPhotoContentResponse {
        let owner = self.owners.my(&context.principal);
        self.content(&owner, request.if_none_match.as_deref())
            .unwrap_or_else(Into::into)
    }

    async fn set_my_photo_content(
        &self,
        context: RequestContext,
        request: SetMyPhotoContentRequest,
    ) -> SetMyPhotoContentResponse {
        let owner = self.owners.my(&context.principal);
        self.upload(owner, request.body)
            .await
            .unwrap_or_else(Into::into)
    }

    async fn list_my_photos(
        &self,
        context: RequestContext,
        request: ListMyPhotosRequest,
    ) -> ListMyPhotosResponse {
        let owner = self.owners.my(&context.principal);
        self.list(&owner, request.select.as_deref())
            .unwrap_or_else(Into::into)
    }

    async fn get_my_photo_by_size(
        &self,
        context: RequestContext,
        request: GetMyPhotoBySizeRequest,
    ) -> GetMyPhotoBySizeResponse {
        let owner = self.owners.my(&context.principal);
        self.size_metadata(
            &owner,
            request.size,
            request.select.as_deref(),
            request.if_none_match.as_deref(),
        )
        .unwrap_or_else(Into::into)
    }

    async fn get_my_photo_content_by_size(
        &self,
        context: RequestContext,
        request: GetMyPhotoContentBySizeRequest,
    ) -> GetMyPhotoContentBySizeResponse {
        let owner = self.owners.my(&context.principal);
        self.size_content(&owner, request.size, request.if_none_match.as_deref())
            .await
            .unwrap_or_else(Into::into)
    }

    async fn get_user_photo(
        &self,
        _context: RequestContext,
        request: GetUserPhotoRequest,
    ) -> GetUserPhotoResponse {
        let owner = self.owners.user(&request.user_id);
        self.metadata(
            &owner,
            request.select.as_deref(),
            request.if_none_match.as_deref(),
        )
        .unwrap_or_else(Into::into)
    }

    async fn delete_user_photo(
        &self,
        _context: RequestContext,
        request: DeleteUserPhotoRequest,
    ) -> DeleteUserPhotoResponse {
        let owner = self.owners.user(&request.user_id);
        self.delete(owner, request.if_match)
            .await
            .unwrap_or_else(Into::into)
    }

    async fn update_user_photo(
        &self,
        _context: RequestContext,
        request: UpdateUserPhotoRequest,
    ) -> UpdateUserPhotoResponse {
        let owner = self.owners.user(&request.user_id);
        self.update(owner, request.body)
            .await
            .unwrap_or_else(Into::into)
    }

    async fn get_user_photo_content(
        &self,
        _context: RequestContext,
        request: GetUserPhotoContentRequest,
    ) -> GetUserPhotoContentResponse {
        let owner = self.owners.user(&request.user_id);
        self.content(&owner, request.if_none_match.as_deref())
            .unwrap_or_else(Into::into)
    }

    async fn set_user_photo_content(
        &self,
        _context: RequestContext,
        request: SetUserPhotoContentRequest,
    ) -> SetUserPhotoContentResponse {
        let owner = self.owners.user(&request.user_id);
        self.upload(owner, request.body)
            .await
            .unwrap_or_else(Into::into)
    }

    async fn list_user_photos(
        &self,
        _context: RequestContext,
        request: ListUserPhotosRequest,
    ) -> ListUserPhotosResponse {
        let owner = self.owners.user(&request.user_id);
        self.list(&owner, request.select.as_deref())
            .unwrap_or_else(Into::into)
    }

    async fn get_user_photo_by_size(
        &self,
        _context: RequestContext,
        request: GetUserPhotoBySizeRequest,
    ) -> GetUserPhotoBySizeResponse {
        let owner = self.owners.user(&request.user_id);
        self.size_metadata(
            &owner,
            request.size,
            request.select.as_deref(),
            request.if_none_match.as_deref(),
        )
        .unwrap_or_else(Into::into)
    }

    async fn get_user_photo_content_by_size(
        &self,
        _context: RequestContext,
        request: GetUserPhotoContentBySizeRequest,
    ) -> GetUserPhotoContentBySizeResponse {
        let owner = self.owners.user(&request.user_id);
        self.size_content(&owner, request.size, request.if_none_match.as_deref())
            .await
            .unwrap_or_else(Into::into)
    }

    async fn get_group_photo(
        &self,
        _context: RequestContext,
        request: GetGroupPhotoRequest,
    ) -> GetGroupPhotoResponse {
        let owner = self.owners.group(&request.group_id);
        self.metadata(
            &owner,
            request.select.as_deref(),
            request.if_none_match.as_deref(),
        )
        .unwrap_or_else(Into::into)
    }

    async fn delete_group_photo(
        &self,
        _context: RequestContext,
        request: DeleteGroupPhotoRequest,
    ) -> DeleteGroupPhotoResponse {
        let owner = self.owners.group(&request.group_id);
        self.delete(owner, request.if_match)
            .await
            .unwrap_or_else(Into::into)
    }

    async fn update_group_photo(
        &self,
        _context: RequestContext,
        request: UpdateGroupPhotoRequest,
    ) -> UpdateGroupPhotoResponse {
        let owner = self.owners.group(&request.group_id);
        self.update(owner, request.body)
            .await
            .unwrap_or_else(Into::into)
    }

    async fn get_group_photo_content(
        &self,
        _context: RequestContext,
        request: GetGroupPhotoContentRequest,
    ) -> GetGroupPhotoContentResponse {
        let owner = self.owners.group(&request.group_id);
        self.content(&owner, request.if_none_match.as_deref())
            .unwrap_or_else(Into::into)
    }

    async fn set_group_photo_content(
        &self,
        _context: RequestContext,
        request: SetGroupPhotoContentRequest,
    ) -> SetGroupPhotoContentResponse {
        let owner = self.owners.group(&request.group_id);
        self.upload(owner, request.body)
            .await
            .unwrap_or_else(Into::into)
    }

    async fn list_group_photos(
        &self,
        _context: RequestContext,
        request: ListGroupPhotosRequest,
    ) -> ListGroupPhotosResponse {
        let owner = self.owners.group(&request.group_id);
        self.list(&owner, request.select.as_deref())
            .unwrap_or_else(Into::into)
    }

    async fn get_group_photo_by_size(
        &self,
        _context: RequestContext,
        request: GetGroupPhotoBySizeRequest,
    ) -> GetGroupPhotoBySizeResponse {
        let owner = self.owners.group(&request.group_id);
        self.size_metadata(
            &owner,
            request.size,
            request.select.as_deref(),
            request.if_none_match.as_deref(),
        )
        .unwrap_or_else(Into::into)
    }

    async fn get_group_photo_content_by_size(
        &self,
        _context: RequestContext,
        request: GetGroupPhotoContentBySizeRequest,
    ) -> GetGroupPhotoContentBySizeResponse {
        let owner = self.owners.group(&request.group_id);
        self.size_content(&owner, request.size, request.if_none_match.as_deref())
            .await
            .unwrap_or_else(Into::into)
    }

    async fn get_my_contact_photo(
        &self,
        context: RequestContext,
        request: GetMyContactPhotoRequest,
    ) -> GetMyContactPhotoResponse {
        let owner = self.me_contact(&context, &request.contact_id);
        self.metadata(
            &owner,
            request.select.as_deref(),
            request.if_none_match.as_deref(),
        )
        .unwrap_or_else(Into::into)
    }

    async fn get_my_contact_photo_content(
        &self,
        context: RequestContext,
        request: GetMyContactPhotoContentRequest,
    ) -> GetMyContactPhotoContentResponse {
        let owner = self.me_contact(&context, &request.contact_id);
        self.content(&owner, request.if_none_match.as_deref())
            .unwrap_or_else(Into::into)
    }

    async fn set_my_contact_photo_content(
        &self,
        context: RequestContext,
        request: SetMyContactPhotoContentRequest,
    ) -> SetMyContactPhotoContentResponse {
        let owner = self.me_contact(&context, &request.contact_id);
        self.upload(owner, request.body)
            .await
            .unwrap_or_else(Into::into)
    }

    async fn get_user_contact_photo(
        &self,
        _context: RequestContext,
        request: GetUserContactPhotoRequest,
    ) -> GetUserContactPhotoResponse {
        let user = self.owners.user_key(request.user_id.as_str());
        let owner = self.owners.contact(user, &request.contact_id);
        self.metadata(
            &owner,
            request.select.as_deref(),
            request.if_none_match.as_deref(),
        )
        .unwrap_or_else(Into::into)
    }

    async fn get_user_contact_photo_content(
        &self,
        _context: RequestContext,
        request: GetUserContactPhotoContentRequest,
    ) -> GetUserContactPhotoContentResponse {
        let user = self.owners.user_key(request.user_id.as_str());
        let owner = self.owners.contact(user, &request.contact_id);
        self.content(&owner, request.if_none_match.as_deref())
            .unwrap_or_else(Into::into)
    }

    async fn set_user_contact_photo_content(
        &self,
        _context: RequestContext,
        request: SetUserContactPhotoContentRequest,
    ) -> SetUserContactPhotoContentResponse {
        let user = self.owners.user_key(request.user_id.as_str());
        let owner = self.owners.contact(user, &request.contact_id);
        self.upload(owner, request.body)
            .await
            .unwrap_or_else(Into::into)
    }

    async fn get_my_folder_contact_photo(
        &self,
        context: RequestContext,
        request: GetMyFolderContactPhotoRequest,
    ) -> GetMyFolderContactPhotoResponse {
        let owner = self.owners.folder_contact(
            self.owners.me(&context.principal),
            &request.contact_folder_id,
            &request.contact_id,
        );
        self.metadata(
            &owner,
            request.select.as_deref(),
            request.if_none_match.as_deref(),
        )
        .unwrap_or_else(Into::into)
    }

    async fn get_my_folder_contact_photo_content(
        &self,
        context: RequestContext,
        request: GetMyFolderContactPhotoContentRequest,
    ) -> GetMyFolderContactPhotoContentResponse {
        let owner = self.owners.folder_contact(
            self.owners.me(&context.principal),
            &request.contact_folder_id,
            &request.contact_id,
        );
        self.content(&owner, request.if_none_match.as_deref())
            .unwrap_or_else(Into::into)
    }

    async fn set_my_folder_contact_photo_content(
        &self,
        context: RequestContext,
        request: SetMyFolderContactPhotoContentRequest,
    ) -> SetMyFolderContactPhotoContentResponse {
        let owner = self.owners.folder_contact(
            self.owners.me(&context.principal),
            &request.contact_folder_id,
            &request.contact_id,
        );
        self.upload(owner, request.body)
            .await
            .unwrap_or_else(Into::into)
    }

    async fn get_user_folder_contact_photo(
        &self,
        _context: RequestContext,
        request: GetUserFolderContactPhotoRequest,
    ) -> GetUserFolderContactPhotoResponse {
        let owner = self.owners.folder_contact(
            self.owners.user_key(request.user_id.as_str()),
            &request.contact_folder_id,
            &request.contact_id,
        );
        self.metadata(
            &owner,
            request.select.as_deref(),
            request.if_none_match.as_deref(),
        )
        .unwrap_or_else(Into::into)
    }

    async fn get_user_folder_contact_photo_content(
        &self,
        _context: RequestContext,
        request: GetUserFolderContactPhotoContentRequest,
    ) -> GetUserFolderContactPhotoContentResponse {
        let owner = self.owners.folder_contact(
            self.owners.user_key(request.user_id.as_str()),
            &request.contact_folder_id,
            &request.contact_id,
        );
        self.content(&owner, request.if_none_match.as_deref())
            .unwrap_or_else(Into::into)
    }

    async fn set_user_folder_contact_photo_content(
        &self,
        _context: RequestContext,
        request: SetUserFolderContactPhotoContentRequest,
    ) -> SetUserFolderContactPhotoContentResponse {
        let owner = self.owners.folder_contact(
            self.owners.user_key(request.user_id.as_str()),
            &request.contact_folder_id,
            &request.contact_id,
        );
        self.upload(owner, request.body)
            .await
            .unwrap_or_else(Into::into)
    }

    async fn get_drive_owner_photo(
        &self,
        context: RequestContext,
        request: GetDriveOwnerPhotoRequest,
    ) -> GetDriveOwnerPhotoResponse {
        let owner = self.owners.drive_owner(&context.principal);
        self.metadata(
            &owner,
            request.select.as_deref(),
            request.if_none_match.as_deref(),
        )
        .unwrap_or_else(Into::into)
    }

    async fn update_drive_owner_photo(
        &self,
        context: RequestContext,
        request: UpdateDriveOwnerPhotoRequest,
    ) -> UpdateDriveOwnerPhotoResponse {
        let owner = self.owners.drive_owner(&context.principal);
        self.update(owner, request.body)
            .await
            .unwrap_or_else(Into::into)
    }

    async fn get_drive_owner_photo_content(
        &self,
        context: RequestContext,
        request: GetDriveOwnerPhotoContentRequest,
    ) -> GetDriveOwnerPhotoContentResponse {
        let owner = self.owners.drive_owner(&context.principal);
        self.content(&owner, request.if_none_match.as_deref())
            .unwrap_or_else(Into::into)
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
