//! `exifstrip worker`: consume S3 notifications from an SQS queue until SIGTERM.

use std::io::{self, IsTerminal};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use exifstrip_aws::credentials::{s3_access, sdk_config};
use exifstrip_aws::handler::Handler;
use exifstrip_aws::sqs::{Queue, client};
use exifstrip_aws::worker::{WorkerOptions, run as run_worker};
use exifstrip_pipeline::{DEFAULT_MAX_SIZE, Location, Options};
use tracing_subscriber::EnvFilter;

use crate::PolicyArgs;

/// Strip the photos named by S3 notifications arriving on an SQS queue into DEST, until
/// SIGTERM or Ctrl-C.
///
/// Messages may hold EventBridge "Object Created" and "Object Deleted" events, native S3
/// notifications (directly or through SNS) and s3:TestEvent. Each changed key is processed
/// from the source bucket's current state, so late, repeated and reordered deliveries are
/// harmless. A message is deleted once all its records succeeded; transient failures come
/// back after the queue's visibility timeout (extended while an object is in hand);
/// malformed messages, rejected objects and permanent errors go to the dead-letter queue
/// (from the queue's redrive policy, or --dead-letter-queue-url) with the reason in the
/// message attribute `exifstrip-reason`.
///
/// Endpoints, region and credentials come from the standard AWS environment
/// (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID and the rest of the credentials chain).
///
/// Exit status: 0 after a clean shutdown, 2 for usage and configuration errors.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The work queue's URL.
    #[arg(long, value_name = "URL")]
    queue_url: String,

    /// Where the stripped copies go, e.g. s3://bucket-b [default: $EXIFSTRIP_DEST].
    #[arg(long, value_name = "URL")]
    dest: Option<String>,

    /// Accept events from this source bucket only; others are dead-lettered.
    #[arg(long, value_name = "BUCKET")]
    allow_source_bucket: Option<String>,

    /// The dead-letter queue's URL [default: from the work queue's redrive policy].
    #[arg(long, value_name = "URL")]
    dead_letter_queue_url: Option<String>,

    /// Number of photos processed at once.
    #[arg(short, long, value_name = "N", default_value_t = 8)]
    jobs: usize,

    /// Threads that run the work. One spends the least CPU per photo, as the work is mostly
    /// waiting on the network; more help only a worker that keeps a whole core busy.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: u16,

    /// Long-poll wait in seconds (at most 20).
    #[arg(long, value_name = "SECONDS", default_value_t = 20)]
    wait_seconds: u64,

    /// Reject photos larger than this: bytes, or with a KiB, MiB or GiB suffix.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_size: Option<u64>,

    /// Log lines as text or as JSON objects, on stderr; the level comes from RUST_LOG
    /// (default info).
    #[arg(long, value_enum, default_value_t = Format::Text, value_name = "FORMAT")]
    log_format: Format,

    #[command(flatten)]
    policy: PolicyArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    logging(args.log_format)?;
    let Some(dest) = args
        .dest
        .clone()
        .or_else(|| std::env::var("EXIFSTRIP_DEST").ok())
    else {
        bail!("no destination: give --dest s3://bucket or set EXIFSTRIP_DEST");
    };
    let destination = dest.parse::<Location>()?;
    let options = Options {
        policy: args.policy.policy(),
        max_size: args.max_size.unwrap_or(DEFAULT_MAX_SIZE),
        ..Options::default()
    };
    let jobs = args.jobs.max(1);
    let worker = WorkerOptions {
        pollers: jobs.div_ceil(10),
        wait: Duration::from_secs(args.wait_seconds.min(20)),
    };

    let runtime = match args.threads {
        1 => tokio::runtime::Builder::new_current_thread(),
        threads => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(threads.into());
            builder
        }
    }
    .enable_all()
    .build()
    .context("cannot start the async runtime")?;
    runtime.block_on(async {
        // One configuration for SQS and S3, so both authenticate alike.
        let config = sdk_config().await;
        let access = s3_access(&config);
        let destination = destination
            .open_with(None, &access)
            .with_context(|| format!("cannot open the destination {dest}"))?;
        let handler = Handler::with_s3_access(destination, options, access)
            .with_allowed_bucket(args.allow_source_bucket.clone())
            .with_concurrency(jobs.min(10));
        let client = client(&config);
        let queue = Queue::open(client, &args.queue_url, args.dead_letter_queue_url.clone())
            .await
            .context("cannot use the work queue")?;
        if queue.dead_letter_url().is_none() {
            tracing::warn!(
                "the queue has no redrive policy and no --dead-letter-queue-url was given: \
                 messages that cannot succeed stay in the queue"
            );
        }
        tracing::info!(
            queue = queue.url(),
            dead_letter_queue = queue.dead_letter_url(),
            destination = %dest,
            allow_source_bucket = args.allow_source_bucket.as_deref(),
            jobs,
            threads = args.threads,
            visibility_s = queue.visibility().as_secs(),
            "worker started"
        );
        let summary = run_worker(Arc::new(handler), queue, worker, shutdown_signal()).await;
        tracing::info!(
            done = summary.done,
            retried = summary.retried,
            dead_lettered = summary.dead_lettered,
            "worker stopped"
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// Completes on SIGTERM (how containers are stopped) or Ctrl-C.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};

    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(error) => {
            tracing::warn!(%error, "cannot listen for SIGTERM; only Ctrl-C stops the worker");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

fn logging(format: Format) -> anyhow::Result<()> {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(crate::DEFAULT_LOG_FILTER))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(io::stderr().is_terminal());
    let installed = match format {
        Format::Text => builder.try_init(),
        Format::Json => builder.json().flatten_event(true).try_init(),
    };
    installed.map_err(|e| anyhow::anyhow!("cannot set up logging: {e}"))
}

fn parse_size(text: &str) -> Result<u64, String> {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let factor: u64 = match &text[digits.len()..] {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        unit => return Err(format!("unknown unit {unit:?}; use KiB, MiB or GiB")),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .ok_or_else(|| format!("{text:?} is not a size such as 1048576 or 256MiB"))
}
