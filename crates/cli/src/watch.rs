//! `exifstrip watch`: keep a destination mirrored from a local folder as files change.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use exifstrip_pipeline::{Quiet, SyncOptions, WatchOptions};
use indicatif::ProgressBar;

use crate::sync::{Common, exit_code, logging, open, report, runtime};

/// Mirror a folder's photos into DST, stripped, and keep mirroring as files change.
///
/// First brings DST up to date (as `exifstrip sync`), then follows SRC's file events:
/// photos created, overwritten or renamed are stripped into DST at the same relative path;
/// deletions and renames away delete the copies (--no-delete keeps them). A file still
/// being written is processed once it is closed (or unchanged for --settle seconds); files
/// that are not JPEGs are rejected and never copied. Changes made while watch was not
/// running are caught up at the next start.
///
/// SRC must be a local folder; DST a folder or s3://bucket/prefix. Ctrl-C or SIGTERM
/// finishes the photos in flight, prints the keys still rejected or failed, and exits.
///
/// Exit status after Ctrl-C or SIGTERM: 0 when every photo is mirrored, 1 when some are
/// rejected or failed; 2 for usage and configuration errors.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The folder to watch.
    #[arg(value_name = "SRC")]
    source: String,

    /// Where the stripped copies go, at the same relative paths: a folder or
    /// s3://bucket/prefix.
    #[arg(value_name = "DST")]
    destination: String,

    /// Seconds a file that was written but not closed must stay unchanged before it is
    /// processed.
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    settle: f64,

    #[command(flatten)]
    common: Common,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    logging(args.common.log_format, &ProgressBar::hidden())?;
    let settle = Duration::try_from_secs_f64(args.settle)
        .context("--settle takes a number of seconds, 0 or more")?;
    let runtime = runtime()?;
    let processor = open(&args.source, &args.destination, &args.common, &runtime)?;
    let options = WatchOptions {
        sync: SyncOptions {
            concurrency: args.common.jobs.max(1),
        },
        settle,
    };

    let summary = runtime.block_on(async {
        let shutdown = shutdown_signal()?;
        let watched = exifstrip_pipeline::watch(processor.clone(), options, shutdown, &Quiet);
        anyhow::Ok(watched.await?)
    })?;
    tracing::info!("stopped");
    report(&processor, &summary);
    Ok(exit_code(&summary))
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM.
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()> + Send> {
    #[cfg(unix)]
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot listen for SIGTERM")?;
    Ok(async move {
        #[cfg(unix)]
        let terminated = terminate.recv();
        #[cfg(not(unix))]
        let terminated = std::future::pending::<Option<()>>();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminated => {}
        }
        tracing::info!("stop requested: finishing the photos in flight");
    })
}
