//! Where media files live: a directory, or an S3-compatible bucket that several processes
//! share, both through `object_store`. Files are named by the content's SHA-256, so a
//! name never changes meaning: `{sha256}/original.jpg`, `{sha256}/640.webp`, ...

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use actix_web::web::Bytes;
use futures_util::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::error::ApiError;

pub struct MediaStore {
    store: Arc<dyn ObjectStore>,
    /// What `describe` says, for the start-up log.
    location: String,
    /// The files being made now, so that concurrent first requests make each once.
    making: std::sync::Mutex<HashMap<Path, Arc<tokio::sync::Mutex<()>>>>,
    /// Small files read lately, kept in memory: a name never changes meaning, so a kept
    /// file is right until its item is deleted.
    hot: std::sync::Mutex<HotFiles>,
}

/// A bounded set of files, the oldest put in leaving first.
#[derive(Default)]
struct HotFiles {
    by_key: HashMap<Path, Bytes>,
    order: std::collections::VecDeque<Path>,
    bytes: usize,
}

impl HotFiles {
    /// The most the set holds, and the largest file it takes (a variant for a page is
    /// tens of kilobytes; originals are left to the disk or the bucket).
    const MAX_BYTES: usize = 16 * 1024 * 1024;
    const MAX_FILE: usize = 512 * 1024;

    fn insert(&mut self, key: &Path, bytes: &Bytes) {
        if bytes.len() > Self::MAX_FILE || self.by_key.contains_key(key) {
            return;
        }
        while self.bytes + bytes.len() > Self::MAX_BYTES {
            let Some(oldest) = self.order.pop_front() else { break };
            if let Some(gone) = self.by_key.remove(&oldest) {
                self.bytes -= gone.len();
            }
        }
        self.bytes += bytes.len();
        self.order.push_back(key.clone());
        self.by_key.insert(key.clone(), bytes.clone());
    }

    fn forget(&mut self, sha256: &str) {
        let prefix = format!("{sha256}/");
        self.order.retain(|key| !key.as_ref().starts_with(&prefix));
        self.by_key.retain(|key, _| !key.as_ref().starts_with(&prefix));
        self.bytes = self.by_key.values().map(Bytes::len).sum();
    }
}

fn failed(e: object_store::Error) -> ApiError {
    ApiError::Unavailable(format!("The media store did not answer: {e}"))
}

impl MediaStore {
    /// Opens `location`: `s3://bucket/prefix` (with the `AWS_*` environment) or a
    /// directory, created when missing.
    pub fn open(location: &str) -> Result<Self, String> {
        let store: Arc<dyn ObjectStore> = match location.strip_prefix("s3://") {
            Some(rest) => {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                if bucket.is_empty() {
                    return Err(format!("`{location}` names no bucket"));
                }
                crate::webhooks::delivery::install_tls_provider();
                let bucket = object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .build()
                    .map_err(|e| format!("cannot use `{location}`: {e}"))?;
                match prefix.trim_matches('/') {
                    "" => Arc::new(bucket),
                    prefix => Arc::new(object_store::prefix::PrefixStore::new(bucket, prefix)),
                }
            }
            None => {
                std::fs::create_dir_all(location).map_err(|e| format!("cannot create `{location}`: {e}"))?;
                Arc::new(
                    object_store::local::LocalFileSystem::new_with_prefix(location)
                        .map_err(|e| format!("cannot use `{location}`: {e}"))?,
                )
            }
        };
        Ok(Self { store, location: location.to_owned(), making: Default::default(), hot: Default::default() })
    }

    pub fn describe(&self) -> &str {
        &self.location
    }

    /// The SHA-256 of a file's bytes, in hex: the name its files are kept under.
    pub fn content_hash(bytes: &[u8]) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(bytes).iter().fold(String::with_capacity(64), |mut out, b| {
            use std::fmt::Write;
            let _ = write!(out, "{b:02x}");
            out
        })
    }

    pub fn key(sha256: &str, name: &str) -> Path {
        Path::from(format!("{sha256}/{name}"))
    }

    pub async fn put(&self, key: &Path, bytes: Bytes) -> Result<(), ApiError> {
        self.store.put(key, PutPayload::from_bytes(bytes)).await.map_err(failed)?;
        Ok(())
    }

    fn hot(&self) -> std::sync::MutexGuard<'_, HotFiles> {
        self.hot.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The file's bytes, or `None` when there is no such file.
    pub async fn get(&self, key: &Path) -> Result<Option<Bytes>, ApiError> {
        if let Some(kept) = self.hot().by_key.get(key) {
            return Ok(Some(kept.clone()));
        }
        match self.store.get(key).await {
            Ok(found) => {
                let bytes = found.bytes().await.map_err(failed)?;
                self.hot().insert(key, &bytes);
                Ok(Some(bytes))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(failed(e)),
        }
    }

    /// The file at `key`, made by `make` and stored when it is not there yet. Concurrent
    /// callers for one key wait for the first one's file instead of making it again.
    pub async fn get_or_make(
        &self,
        key: &Path,
        make: impl Future<Output = Result<Bytes, ApiError>>,
    ) -> Result<Bytes, ApiError> {
        if let Some(found) = self.get(key).await? {
            return Ok(found);
        }
        let turn = self.making.lock().unwrap_or_else(|p| p.into_inner()).entry(key.clone()).or_default().clone();
        let made = {
            let _held = turn.lock().await;
            match self.get(key).await? {
                Some(found) => Ok(found),
                None => match make.await {
                    Ok(bytes) => self.put(key, bytes.clone()).await.map(|()| bytes),
                    Err(e) => Err(e),
                },
            }
        };
        let mut making = self.making.lock().unwrap_or_else(|p| p.into_inner());
        // Ours and the map's: nobody else is waiting for this key.
        if Arc::strong_count(&turn) <= 2 {
            making.remove(key);
        }
        made
    }

    /// Removes every file of one content hash.
    pub async fn delete_all(&self, sha256: &str) -> Result<(), ApiError> {
        self.hot().forget(sha256);
        let prefix = Path::from(sha256);
        let keys: Vec<Path> =
            self.store.list(Some(&prefix)).map_ok(|meta| meta.location).try_collect().await.map_err(failed)?;
        for key in keys {
            match self.store.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(failed(e)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_set_stays_within_its_bound_and_forgets_a_deleted_item() {
        let mut hot = HotFiles::default();
        let file = Bytes::from(vec![7u8; HotFiles::MAX_FILE]);
        for n in 0..(HotFiles::MAX_BYTES / HotFiles::MAX_FILE + 5) {
            hot.insert(&MediaStore::key(&format!("{n:064}"), "640.webp"), &file);
        }
        assert!(hot.bytes <= HotFiles::MAX_BYTES);
        assert_eq!(hot.bytes, hot.by_key.values().map(Bytes::len).sum::<usize>());
        assert!(!hot.by_key.contains_key(&MediaStore::key(&format!("{:064}", 0), "640.webp")), "the oldest left");

        hot.insert(&MediaStore::key(&"a".repeat(64), "original.jpg"), &Bytes::from(vec![0u8; HotFiles::MAX_FILE + 1]));
        assert!(!hot.by_key.contains_key(&MediaStore::key(&"a".repeat(64), "original.jpg")), "large files stay out");

        let newest = format!("{:064}", HotFiles::MAX_BYTES / HotFiles::MAX_FILE + 4);
        hot.insert(&MediaStore::key(&newest, "320.webp"), &Bytes::from_static(b"small"));
        hot.forget(&newest);
        assert!(hot.by_key.keys().all(|key| !key.as_ref().starts_with(&newest)));
        assert_eq!(hot.order.len(), hot.by_key.len());
    }
}
