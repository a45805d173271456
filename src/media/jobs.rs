//! Image work off the HTTP workers, bounded: at most one decode or resize per core at
//! once, a short queue behind them, and `503` with `Retry-After` beyond it, so a burst of
//! uploads costs waiting, never memory without bound.

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;

use crate::error::ApiError;

pub struct ImageJobs {
    running: Semaphore,
    /// Jobs running or waiting.
    admitted: AtomicUsize,
    capacity: usize,
}

/// Gives a job's place back however the request ends (finished, failed or dropped).
struct Admission<'a>(&'a AtomicUsize);

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl ImageJobs {
    /// `workers` at once, and `queue` more waiting.
    pub fn new(workers: usize, queue: usize) -> Self {
        let workers = workers.max(1);
        Self { running: Semaphore::new(workers), admitted: AtomicUsize::new(0), capacity: workers + queue }
    }

    /// One job per core, and twice as many waiting.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::new(cores, 2 * cores)
    }

    /// Runs `job` on a blocking thread when a slot is free; `Busy` when the queue is full.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        if self.admitted.fetch_add(1, Ordering::SeqCst) >= self.capacity {
            self.admitted.fetch_sub(1, Ordering::SeqCst);
            return Err(ApiError::Busy {
                detail: "The image workers are busy; try again shortly.".into(),
                retry_after_seconds: 2,
            });
        }
        let _admission = Admission(&self.admitted);
        let _slot = self.running.acquire().await.map_err(|e| ApiError::Internal(format!("image jobs: {e}")))?;
        actix_web::web::block(job).await.map_err(|e| ApiError::Internal(format!("an image job failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn past_the_queue_a_job_is_refused_and_the_place_comes_back() {
        let jobs = std::sync::Arc::new(ImageJobs::new(1, 0));
        let (started, wait) = std::sync::mpsc::channel::<()>();
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let running = actix_web::rt::spawn({
            let jobs = jobs.clone();
            async move {
                jobs.run(move || {
                    started.send(()).ok();
                    hold.recv().ok();
                    Ok(1)
                })
                .await
            }
        });
        actix_web::web::block(move || wait.recv()).await.unwrap().unwrap();
        let refused = jobs.run(|| Ok(2)).await;
        assert!(matches!(refused, Err(ApiError::Busy { retry_after_seconds: 2, .. })));
        release.send(()).unwrap();
        assert_eq!(running.await.unwrap().unwrap(), 1);
        assert_eq!(jobs.run(|| Ok(3)).await.unwrap(), 3);
    }
}
