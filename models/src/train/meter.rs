//! Per-epoch bookkeeping shared by the training loops: the running loss, the throughput, the
//! progress line and the history entry.

use super::{EpochLog, Progress};
use std::collections::BTreeMap;
use std::time::Instant;

/// The numbers of the epoch under way.
pub struct EpochMeter {
    start: Instant,
    loss_sum: f64,
    batches: usize,
    images: usize,
}

impl Default for EpochMeter {
    fn default() -> Self {
        Self::new()
    }
}

impl EpochMeter {
    /// Starts the clock.
    pub fn new() -> Self {
        Self { start: Instant::now(), loss_sum: 0.0, batches: 0, images: 0 }
    }

    /// One batch of `images` source images done with loss `loss`; shows it on `progress`.
    pub fn batch(&mut self, loss: f64, images: usize, progress: &Progress, epoch: usize, total: usize) {
        self.loss_sum += loss;
        self.batches += 1;
        self.images += images;
        progress.batch(&format!("epoch {}/{total}  loss {:.4}", epoch + 1, self.mean_loss()));
    }

    /// Mean loss so far.
    pub fn mean_loss(&self) -> f64 {
        self.loss_sum / self.batches.max(1) as f64
    }

    /// Closes the epoch: the progress line, then its history entry.
    pub fn finish(
        self,
        phase: &str,
        epoch: usize,
        total: usize,
        progress: &Progress,
        extra: BTreeMap<String, f64>,
    ) -> EpochLog {
        let seconds = self.start.elapsed().as_secs_f64();
        let log = EpochLog {
            phase: phase.into(),
            epoch,
            loss: self.mean_loss(),
            seconds,
            images_per_s: self.images as f64 / seconds.max(1e-9),
            extra,
        };
        progress.epoch(&format!(
            "epoch {}/{total} ({phase})  loss {:.4}  {:.0} img/s",
            epoch + 1,
            log.loss,
            log.images_per_s
        ));
        progress.finish();
        log
    }
}
