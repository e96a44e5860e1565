//! [`MemoryStore`]: photos in a map, lost when the process ends.

use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use rustc_hash::FxHashMap;

use super::{Photo, PhotoStore, StoreError};
use crate::emulator::owner::OwnerKey;

/// Photos in memory only: the default, and the index [`FileStore`](super::FileStore) serves
/// reads from. Each call holds the lock for its whole check-and-change, so calls are atomic.
#[derive(Debug, Default)]
pub struct MemoryStore {
    // FxHash: a local emulator's keys need no defence against crafted collisions, and hashing
    // the owner is on every request's path.
    photos: RwLock<FxHashMap<OwnerKey, Arc<Photo>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Inserts or replaces without any check (used when loading from disk).
    pub(super) fn insert(&self, owner: OwnerKey, photo: Arc<Photo>) {
        self.write().insert(owner, photo);
    }

    /// Removes the owner's photo, if any.
    pub(super) fn remove(&self, owner: &OwnerKey) {
        self.write().remove(owner);
    }

    // A panic while holding the lock cannot leave the map half-changed (each change is a single
    // insert or remove), so a poisoned lock is still safe to use.
    fn read(&self) -> RwLockReadGuard<'_, FxHashMap<OwnerKey, Arc<Photo>>> {
        self.photos.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, FxHashMap<OwnerKey, Arc<Photo>>> {
        self.photos.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl PhotoStore for MemoryStore {
    fn waits_on_disk(&self) -> bool {
        false
    }

    fn get(&self, owner: &OwnerKey) -> Option<Arc<Photo>> {
        self.read().get(owner).cloned()
    }

    fn put(&self, owner: &OwnerKey, photo: Photo) -> Result<Arc<Photo>, StoreError> {
        let photo = Arc::new(photo);
        self.write().insert(owner.clone(), photo.clone());
        Ok(photo)
    }

    fn update(
        &self,
        owner: &OwnerKey,
        change: &dyn Fn(&Photo) -> Photo,
    ) -> Result<Arc<Photo>, StoreError> {
        let mut photos = self.write();
        let current = photos.get(owner).ok_or(StoreError::NotFound)?;
        let changed = Arc::new(change(current));
        photos.insert(owner.clone(), changed.clone());
        Ok(changed)
    }

    fn delete(
        &self,
        owner: &OwnerKey,
        condition: &dyn Fn(&Photo) -> bool,
    ) -> Result<(), StoreError> {
        let mut photos = self.write();
        let current = photos.get(owner).ok_or(StoreError::NotFound)?;
        if !condition(current) {
            return Err(StoreError::ConditionFailed);
        }
        photos.remove(owner);
        Ok(())
    }

    fn len(&self) -> usize {
        self.read().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::image_info::ImageInfo;
    use crate::emulator::store::PhotoMetadata;
    use bytes::Bytes;

    fn photo(content: &'static [u8]) -> Photo {
        Photo::new(
            Bytes::from_static(content),
            ImageInfo {
                width: 100,
                height: 100,
            },
        )
    }

    fn owner(user: &str) -> OwnerKey {
        OwnerKey::user(user)
    }

    #[test]
    fn put_get_update_delete() {
        let store = MemoryStore::new();
        assert!(store.get(&owner("a")).is_none());
        let stored = store.put(&owner("a"), photo(b"1")).expect("stored");
        let read = store.get(&owner("a")).expect("present");
        assert!(Arc::ptr_eq(&stored, &read));
        assert_eq!(
            read.content().as_ptr(),
            stored.content().as_ptr(),
            "reads share the stored bytes"
        );

        let updated = store
            .update(&owner("a"), &|current| {
                current.clone().with_metadata(PhotoMetadata {
                    id: Some("x".into()),
                    ..PhotoMetadata::default()
                })
            })
            .expect("updated");
        assert_eq!(updated.metadata().id.as_deref(), Some("x"));
        assert!(matches!(
            store.update(&owner("b"), &|current| current.clone()),
            Err(StoreError::NotFound)
        ));

        assert!(matches!(
            store.delete(&owner("a"), &|_| false),
            Err(StoreError::ConditionFailed)
        ));
        assert_eq!(store.len(), 1, "a failed condition changes nothing");
        store.delete(&owner("a"), &|_| true).expect("deleted");
        assert!(store.is_empty());
        assert!(matches!(
            store.delete(&owner("a"), &|_| true),
            Err(StoreError::NotFound)
        ));
    }
}
