//! `exifstrip`: removes privacy metadata from JPEG photos without touching their pixels.

mod inspect;
mod lambda;
mod strip;
mod sync;
mod watch;
mod worker;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use exifstrip_core::Policy;

/// Remove privacy metadata (GPS, camera serials, names, dates, thumbnails, trailers) from JPEG
/// photos, losslessly: the pixels are never decoded, the compressed image data is copied byte
/// for byte.
///
/// Kept: what display needs (the ICC colour profile, the Adobe colour transform, the display
/// orientation). Removed: Exif, XMP, IPTC/Photoshop, comments, thumbnails, MPF, vendor
/// segments and every byte after the image's end.
#[derive(Debug, Parser)]
#[command(name = "exifstrip", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Strip(strip::Args),
    Inspect(inspect::Args),
    Sync(sync::Args),
    Watch(watch::Args),
    Worker(worker::Args),
    Lambda(lambda::Args),
}

/// What to keep besides the pixels; shared by every command that writes images.
#[derive(Debug, Clone, Copy, clap::Args)]
struct PolicyArgs {
    /// Keep or drop ICC colour profiles. Dropping one shifts colours on colour-managed
    /// screens unless the image is sRGB.
    #[arg(long, value_enum, default_value_t = Keep::Keep, value_name = "WHAT")]
    icc: Keep,

    /// Keep or drop the display orientation. When kept, an image whose Exif says "rotate"
    /// gets a 36-byte Exif segment holding only that, so portrait photos stay upright.
    #[arg(long, value_enum, default_value_t = Keep::Keep, value_name = "WHAT")]
    orientation: Keep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Keep {
    Keep,
    Drop,
}

impl PolicyArgs {
    fn policy(self) -> Policy {
        Policy::default()
            .with_icc(self.icc == Keep::Keep)
            .with_orientation(self.orientation == Keep::Keep)
    }
}

fn main() -> ExitCode {
    let command = if lambda::started_by_lambda() {
        Command::Lambda(lambda::Args {})
    } else {
        Cli::parse().command
    };
    let result = match command {
        Command::Strip(args) => strip::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Sync(args) => sync::run(&args),
        Command::Watch(args) => watch::run(&args),
        Command::Worker(args) => worker::run(&args),
        Command::Lambda(args) => lambda::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("exifstrip: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Exit status when at least one input was rejected or failed.
const EXIT_REJECTED: u8 = 1;

/// Log levels when `RUST_LOG` is unset. The AWS SDK warns at length about each credential
/// source it tries; when none works, the error that stops the command says so once. The file
/// watcher reports at info level the watches it could not remove from folders already gone.
const DEFAULT_LOG_FILTER: &str = "info,aws_config=error,notify=warn";
