//! The long-running queue consumer behind `exifstrip worker`.
//!
//! Each poller long-polls the work queue for up to ten messages, hands their bodies to the
//! [`Handler`] as one batch, keeps them invisible while the batch runs, then acts on each
//! verdict: a handled message is deleted; a message with a transient failure is left alone
//! and comes back after the visibility timeout; a message that can never succeed (malformed,
//! a rejected object, a permanent error) is sent to the dead-letter queue with the reason as
//! message attributes, then deleted. A message is deleted only after all its records
//! succeeded or it was safely dead-lettered, so a crash at any point loses nothing: the
//! message reappears and is handled again, harmlessly.
//!
//! Shutdown (the future given to [`run`], e.g. SIGTERM) stops polling, finishes the batches
//! in hand and returns.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sqs::types::Message;
use tokio::sync::watch;

use crate::handler::{Handler, Verdict};
use crate::sqs::Queue;

/// How the worker polls.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Batches in flight at once, each of up to ten messages.
    pub pollers: usize,
    /// Long-poll wait, at most 20 seconds.
    pub wait: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            pollers: 2,
            wait: Duration::from_secs(20),
        }
    }
}

/// What the worker did before it stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Messages handled and deleted.
    pub done: u64,
    /// Messages left for redelivery after a transient failure.
    pub retried: u64,
    /// Messages moved to the dead-letter queue.
    pub dead_lettered: u64,
}

/// Consumes `queue` until `shutdown` completes, then finishes the batches in hand.
///
/// Receive errors are logged and retried after a pause; they never stop the worker.
pub async fn run(
    handler: Arc<Handler>,
    queue: Queue,
    options: WorkerOptions,
    shutdown: impl Future<Output = ()>,
) -> Summary {
    let (stop, stopped) = watch::channel(false);
    let pollers: Vec<_> = (0..options.pollers.max(1))
        .map(|_| {
            let poller = Poller {
                handler: Arc::clone(&handler),
                queue: queue.clone(),
                wait: options.wait,
            };
            tokio::spawn(poller.run(stopped.clone()))
        })
        .collect();

    shutdown.await;
    tracing::info!("shutting down: no new messages; finishing the batches in hand");
    // Nobody listening means every poller already ended.
    let _ = stop.send(true);

    let mut summary = Summary::default();
    for poller in pollers {
        match poller.await {
            Ok(part) => {
                summary.done += part.done;
                summary.retried += part.retried;
                summary.dead_lettered += part.dead_lettered;
            }
            Err(error) => tracing::error!(%error, "a poller task ended abnormally"),
        }
    }
    summary
}

struct Poller {
    handler: Arc<Handler>,
    queue: Queue,
    wait: Duration,
}

impl Poller {
    async fn run(self, mut stopped: watch::Receiver<bool>) -> Summary {
        let mut summary = Summary::default();
        let mut pause = Duration::from_millis(500);
        loop {
            if *stopped.borrow() {
                return summary;
            }
            let received = tokio::select! {
                _ = stopped.changed() => return summary,
                received = self.queue.receive(10, self.wait) => received,
            };
            let messages = match received {
                Ok(messages) => messages,
                Err(error) => {
                    tracing::error!(%error, retry_in_ms = pause.as_millis(), "receive failed");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(30));
                    continue;
                }
            };
            pause = Duration::from_millis(500);
            if !messages.is_empty() {
                self.handle(&messages, &mut summary).await;
            }
        }
    }

    /// Handles one batch while keeping its messages invisible, then settles each message.
    async fn handle(&self, messages: &[Message], summary: &mut Summary) {
        let bodies: Vec<&str> = messages
            .iter()
            .map(|m| m.body.as_deref().unwrap_or(""))
            .collect();
        let handled = self.handler.handle_batch(&bodies);
        tokio::pin!(handled);
        let period = (self.queue.visibility() / 2).max(Duration::from_secs(1));
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        let verdicts = loop {
            tokio::select! {
                verdicts = &mut handled => break verdicts,
                _ = ticker.tick() => self.extend(messages).await,
            }
        };

        for (message, verdict) in messages.iter().zip(verdicts) {
            let id = message.message_id.as_deref().unwrap_or("");
            match verdict {
                Verdict::Done => {
                    if self.delete(message).await {
                        summary.done += 1;
                    }
                }
                Verdict::Retry { reason } => {
                    tracing::warn!(message_id = id, %reason, "transient failure; the message comes back after the visibility timeout");
                    summary.retried += 1;
                }
                Verdict::DeadLetter { reason, class } => {
                    let body = message.body.as_deref().unwrap_or("");
                    match self.queue.dead_letter(body, id, &reason, class).await {
                        Ok(true) => {
                            tracing::warn!(message_id = id, %reason, class, "moved to the dead-letter queue");
                            if self.delete(message).await {
                                summary.dead_lettered += 1;
                            }
                        }
                        Ok(false) => tracing::error!(message_id = id, %reason, class,
                            "cannot succeed, and no dead-letter queue is known; the redrive \
                             policy moves it after its receive count, or give --dead-letter-queue-url"),
                        Err(error) => tracing::error!(message_id = id, %reason, %error,
                            "could not dead-letter the message; it comes back and is tried again"),
                    }
                }
            }
        }
    }

    async fn extend(&self, messages: &[Message]) {
        for message in messages {
            let Some(receipt) = message.receipt_handle.as_deref() else {
                continue;
            };
            if let Err(error) = self.queue.extend(receipt).await {
                let id = message.message_id.as_deref().unwrap_or("");
                tracing::warn!(message_id = id, %error, "could not extend the visibility; \
                    the message may be handled twice, harmlessly");
            }
        }
    }

    async fn delete(&self, message: &Message) -> bool {
        let Some(receipt) = message.receipt_handle.as_deref() else {
            return false;
        };
        match self.queue.delete(receipt).await {
            Ok(()) => true,
            Err(error) => {
                let id = message.message_id.as_deref().unwrap_or("");
                tracing::warn!(message_id = id, %error, "could not delete a handled message; it comes back and \
                    is found up to date");
                false
            }
        }
    }
}
