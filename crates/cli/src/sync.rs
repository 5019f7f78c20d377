//! `exifstrip sync`: bring a destination folder or bucket up to date with a source, once.
//! Also the setup shared with `exifstrip watch`: logging, the runtime and opening stores.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use exifstrip_aws::credentials::{s3_access, sdk_config};
use exifstrip_pipeline::{
    Error, Location, Observer, Options, Outcome, Processor, S3Access, Selector, Summary,
    SyncOptions, provenance,
};
use indicatif::{ProgressBar, ProgressStyle};
use tracing_subscriber::EnvFilter;

use crate::{EXIT_REJECTED, PolicyArgs};

/// Mirror every photo of SRC into DST, stripped, once.
///
/// SRC and DST are folders (`./bucket-a`, `file:///srv/a`) or S3 buckets
/// (`s3://bucket/prefix`). Every key ending in .jpg or .jpeg (any case) whose copy in DST is
/// missing or stale is stripped into DST at the same key; copies whose source is gone are
/// deleted (only copies exifstrip wrote; --no-delete keeps them). Files that are not JPEGs
/// are rejected and never copied. A second run right after the first does nothing.
///
/// S3 settings come from the AWS environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
/// AWS_SESSION_TOKEN (or web identity, container or instance credentials), AWS_REGION and,
/// for S3-compatible servers, AWS_ENDPOINT_URL.
///
/// A local DST gets nothing but the photos: what was written is recorded in a state folder
/// outside it (--state-dir).
///
/// Exit status: 0 when everything is in sync, 1 when anything was rejected or failed (the
/// rest is still processed), 2 for usage and configuration errors.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Where the photos come from: a folder, file:///path or s3://bucket/prefix.
    #[arg(value_name = "SRC")]
    source: String,

    /// Where the stripped copies go, at the same keys.
    #[arg(value_name = "DST")]
    destination: String,

    #[command(flatten)]
    common: Common,
}

/// Options shared by `sync` and `watch`.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// Keep copies in DST whose source is gone.
    #[arg(long)]
    pub no_delete: bool,

    /// Number of photos processed at once.
    #[arg(short, long, value_name = "N", default_value_t = 8)]
    pub jobs: usize,

    /// Reject photos larger than this: bytes, or with a KiB, MiB or GiB suffix.
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_size)]
    pub max_size: u64,

    /// Key endings that mark photos, any letter case; repeat for several.
    #[arg(long = "suffix", value_name = "SUFFIX", default_values = [".jpg", ".jpeg"])]
    pub suffixes: Vec<String>,

    /// Where a local DST's record of what was written is kept
    /// [default: a folder named after DST in ~/.local/state/exifstrip].
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// Log lines as text or as JSON objects, on stderr; the level comes from RUST_LOG
    /// (default info).
    #[arg(long, value_enum, default_value_t = LogFormat::Text, value_name = "FORMAT")]
    pub log_format: LogFormat,

    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let progress = progress_bar();
    logging(args.common.log_format, &progress)?;
    let runtime = runtime()?;
    let processor = open(&args.source, &args.destination, &args.common, &runtime)?;
    let options = SyncOptions {
        concurrency: args.common.jobs.max(1),
    };

    let observer = Progress(progress.clone());
    let summary = runtime
        .block_on(exifstrip_pipeline::sync(&processor, options, &observer))
        .context("sync stopped")?;
    progress.finish_and_clear();
    report(&processor, &summary);
    Ok(exit_code(&summary))
}

/// Sets up `tracing` on stderr, printing around the progress bar.
pub fn logging(format: LogFormat, progress: &ProgressBar) -> anyhow::Result<()> {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(crate::DEFAULT_LOG_FILTER))?;
    let progress = progress.clone();
    let writer = move || BarWriter(progress.clone());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(io::stderr().is_terminal());
    let installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    installed.map_err(|e| anyhow::anyhow!("cannot set up logging: {e}"))
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Opens both stores and the processor between them. S3 stores authenticate through the AWS
/// SDK's configuration, `~/.aws` profiles included, which `runtime` loads.
pub fn open(
    source: &str,
    destination: &str,
    common: &Common,
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<Arc<Processor>> {
    let source: Location = source.parse()?;
    let destination: Location = destination.parse()?;
    let access = if [&source, &destination]
        .iter()
        .any(|location| matches!(location, Location::S3 { .. }))
    {
        runtime.block_on(async { s3_access(&sdk_config().await) })
    } else {
        S3Access::default()
    };
    let mut state_dir = common.state_dir.clone();
    if let (Location::Local(src), Location::Local(dst)) = (&source, &destination) {
        check_apart(src, dst)?;
    }
    if let Location::Local(dst) = &destination {
        if state_dir.is_none() {
            std::fs::create_dir_all(dst)
                .with_context(|| format!("cannot create {}", dst.display()))?;
            let absolute = std::fs::canonicalize(dst)
                .with_context(|| format!("cannot resolve {}", dst.display()))?;
            state_dir = provenance::default_state_dir(&absolute);
        }
        if state_dir.is_none() {
            bail!("no home folder to keep state in; give one with --state-dir DIR");
        }
    }
    let source_store = source.open_with(None, &access)?;
    let destination_store = destination.open_with(state_dir.as_deref(), &access)?;
    if let Some(journal) = destination_store.journal_path() {
        tracing::debug!(journal = %journal.display(), "provenance journal");
    }
    let options = Options {
        policy: common.policy.policy(),
        selector: Selector::from_suffixes(common.suffixes.iter().cloned()),
        max_size: common.max_size,
        delete: !common.no_delete,
        ..Options::default()
    };
    Ok(Arc::new(Processor::new(
        source_store,
        destination_store,
        options,
    )))
}

/// Refuses a destination inside the source or the other way round: the copies would be
/// copied again, forever.
fn check_apart(source: &std::path::Path, destination: &std::path::Path) -> anyhow::Result<()> {
    let absolute = |path: &std::path::Path| {
        std::fs::canonicalize(path)
            .unwrap_or_else(|_| std::path::absolute(path).unwrap_or_default())
    };
    let (src, dst) = (absolute(source), absolute(destination));
    if src.starts_with(&dst) || dst.starts_with(&src) {
        bail!(
            "{} and {} overlap; the destination must be a separate folder, outside the source",
            source.display(),
            destination.display()
        );
    }
    Ok(())
}

/// Prints the summary, and each rejection and failure, on stderr.
pub fn report(processor: &Processor, summary: &Summary) {
    let mut err = io::stderr().lock();
    for problem in &summary.rejected {
        let _ = writeln!(
            err,
            "exifstrip: rejected {}: {}",
            problem.key, problem.reason
        );
    }
    for problem in &summary.failed {
        let _ = writeln!(err, "exifstrip: failed {}: {}", problem.key, problem.reason);
    }
    let _ = writeln!(
        err,
        "exifstrip: {} -> {}: {} written, {} up to date, {} deleted, {} kept (not written by \
         exifstrip), {} rejected, {} failed; {} of {} bytes removed",
        processor.source().label(),
        processor.destination().label(),
        summary.written,
        summary.up_to_date,
        summary.deleted,
        summary.kept,
        summary.rejected.len(),
        summary.failed.len(),
        summary.bytes_in - summary.bytes_out.min(summary.bytes_in),
        summary.bytes_in,
    );
}

pub fn exit_code(summary: &Summary) -> ExitCode {
    if summary.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_REJECTED)
    }
}

/// Parses `1234`, `64KiB`, `256MiB`, `2GiB` (also `K`, `M`, `G`, `KB`, `MB`, `GB`, all
/// binary).
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size; write e.g. 256MiB"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err(format!("unknown unit in `{text}`; use KiB, MiB or GiB")),
    };
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))
}

fn progress_bar() -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} photos  {elapsed_precise} (eta {eta})")
    {
        bar.set_style(style);
    }
    bar
}

/// Moves the progress bar as photos are processed.
struct Progress(ProgressBar);

impl Observer for Progress {
    fn planned(&self, keys: u64) {
        self.0.set_length(keys);
    }

    fn finished(&self, _key: &str, _result: &Result<Outcome, Error>) {
        self.0.inc(1);
    }
}

/// Writes log lines to stderr with the progress bar out of the way.
struct BarWriter(ProgressBar);

impl Write for BarWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.suspend(|| io::stderr().write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1234"), Ok(1234));
        assert_eq!(parse_size("256MiB"), Ok(256 << 20));
        assert_eq!(parse_size("2 GiB"), Ok(2 << 30));
        assert_eq!(parse_size("64k"), Ok(64 << 10));
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("99999999999999999999GiB").is_err());
    }
}
