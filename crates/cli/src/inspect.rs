//! `exifstrip inspect`: the segments of a JPEG and what stripping would do with each.

use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use exifstrip_core::{Action, Policy, Record, Report, Scrubber};
use serde::Serialize;

use crate::{EXIT_REJECTED, PolicyArgs};

/// Show a JPEG's segments and what `strip` would keep, rewrite and remove.
///
/// Prints offsets, sizes and kinds only, never the metadata's content. Exit status 1 when the
/// file would be rejected, with the reason.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The JPEG file, or `-` for standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,

    #[command(flatten)]
    policy: PolicyArgs,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let name = args.file.display().to_string();
    let (report, rejection) = if args.file.as_os_str() == "-" {
        scan(io::stdin().lock(), args.policy.policy())
    } else {
        match File::open(&args.file) {
            Ok(file) => scan(file, args.policy.policy()),
            Err(e) => (Report::default(), Some(format!("cannot open: {e}"))),
        }
    };

    if args.json {
        let view = View::new(&name, &report, rejection.as_deref());
        println!("{}", serde_json::to_string_pretty(&view)?);
    } else {
        print_table(&name, &report, rejection.as_deref());
    }
    Ok(match rejection {
        None => ExitCode::SUCCESS,
        Some(_) => ExitCode::from(EXIT_REJECTED),
    })
}

/// Runs the scrubber without keeping its output. On rejection, the report of what was read
/// before the fault comes with the reason.
fn scan(mut reader: impl Read, policy: Policy) -> (Report, Option<String>) {
    let mut scrubber = Scrubber::new(policy);
    let mut input = vec![0; 256 * 1024];
    let mut sink = Vec::new();
    loop {
        let read = match reader.read(&mut input) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return (
                    scrubber.report().clone(),
                    Some(format!("reading failed: {e}")),
                );
            }
        };
        let pushed = scrubber.push(input.get(..read).unwrap_or_default(), &mut sink);
        sink.clear();
        if let Err(e) = pushed {
            return (scrubber.report().clone(), Some(e.to_string()));
        }
    }
    let so_far = scrubber.report().clone();
    match scrubber.finish() {
        Ok(report) => (report, None),
        Err(e) => (so_far, Some(e.to_string())),
    }
}

fn print_table(name: &str, report: &Report, rejection: Option<&str>) {
    print!("{name}:");
    if let Some(frame) = report.frame {
        print!(
            " {}x{} {}, {} components, {} bits, {} scan{}",
            frame.width,
            frame.height,
            frame.marker,
            frame.components,
            frame.precision,
            report.scans,
            if report.scans == 1 { "" } else { "s" }
        );
    }
    println!();
    println!(
        "{:>10}  {:<7} {:<16} {:>10}  action",
        "offset", "marker", "kind", "bytes"
    );
    for record in &report.records {
        println!(
            "{:>10}  {:<7} {:<16} {:>10}  {}",
            record.offset,
            record.marker.map(|m| m.to_string()).unwrap_or_default(),
            record.kind.name(),
            record.bytes_in,
            action_text(record)
        );
    }
    if report.records_omitted > 0 {
        println!("(and {} more segments not listed)", report.records_omitted);
    }
    for warning in &report.warnings {
        println!("warning at offset {}: {}", warning.offset, warning.message);
    }
    if let Some(reason) = rejection {
        println!("would reject: {reason}");
        return;
    }
    let orientation = match (report.orientation, report.orientation_written) {
        (Some(value), true) => format!("orientation {value} kept"),
        (Some(value), false) => format!("orientation {value} needs no tag"),
        (None, _) => "no orientation".to_owned(),
    };
    println!(
        "would remove {} segments and {} of {} bytes; {orientation}",
        report.removed_segments, report.removed_bytes, report.bytes_in
    );
}

fn action_text(record: &Record) -> String {
    match record.action {
        Action::Kept => "keep".to_owned(),
        Action::Removed => "remove".to_owned(),
        Action::Rewritten => format!("rewrite to {} bytes", record.bytes_out),
    }
}

/// The JSON form of a report.
#[derive(Serialize)]
struct View<'a> {
    file: &'a str,
    ok: bool,
    rejected: Option<&'a str>,
    width: Option<u16>,
    height: Option<u16>,
    frame: Option<String>,
    components: Option<u8>,
    scans: u32,
    bytes_in: u64,
    bytes_removed: u64,
    segments_removed: u64,
    trailer_bytes: u64,
    orientation: Option<u16>,
    orientation_kept: bool,
    segments: Vec<SegmentView>,
    segments_not_listed: u64,
    warnings: Vec<WarningView>,
}

#[derive(Serialize)]
struct SegmentView {
    offset: u64,
    marker: Option<String>,
    kind: String,
    bytes: u64,
    action: &'static str,
    bytes_out: u64,
}

#[derive(Serialize)]
struct WarningView {
    offset: u64,
    message: &'static str,
}

impl<'a> View<'a> {
    fn new(file: &'a str, report: &Report, rejected: Option<&'a str>) -> Self {
        let segments = report
            .records
            .iter()
            .map(|r| SegmentView {
                offset: r.offset,
                marker: r.marker.map(|m| m.to_string()),
                kind: r.kind.name().into_owned(),
                bytes: r.bytes_in,
                action: match r.action {
                    Action::Kept => "keep",
                    Action::Rewritten => "rewrite",
                    Action::Removed => "remove",
                },
                bytes_out: r.bytes_out,
            })
            .collect();
        Self {
            file,
            ok: rejected.is_none(),
            rejected,
            width: report.frame.map(|f| f.width),
            height: report.frame.map(|f| f.height),
            frame: report.frame.map(|f| f.marker.to_string()),
            components: report.frame.map(|f| f.components),
            scans: report.scans,
            bytes_in: report.bytes_in,
            bytes_removed: report.removed_bytes,
            segments_removed: report.removed_segments,
            trailer_bytes: report.trailer_bytes,
            orientation: report.orientation,
            orientation_kept: report.orientation_written,
            segments,
            segments_not_listed: report.records_omitted,
            warnings: report
                .warnings
                .iter()
                .map(|w| WarningView {
                    offset: w.offset,
                    message: w.message,
                })
                .collect(),
        }
    }
}
