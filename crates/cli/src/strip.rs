//! `exifstrip strip`: one file to one file, stdin to stdout, or many files into a folder.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, bail};
use exifstrip_core::{Policy, Report, StreamError, strip_stream};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::{EXIT_REJECTED, PolicyArgs};

/// Strip metadata from JPEG files.
///
/// One input: `exifstrip strip IN.jpg -o OUT.jpg`, or `-` for standard input and output.
/// Many: `exifstrip strip a.jpg b.jpg photos/ -r --out-dir clean/`, where files found under a
/// folder keep their path relative to it.
///
/// Each output is written to a temporary file beside its destination and renamed into place
/// only when complete: a rejected input leaves no output file. Inputs are never modified.
/// Exit status: 0 when every input was stripped, 1 when any was rejected, 2 for usage errors.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Files to strip (folders too, with -r); `-` reads standard input.
    #[arg(required = true, value_name = "IN")]
    inputs: Vec<PathBuf>,

    /// Output file for a single input; `-` writes standard output.
    #[arg(short, long, value_name = "OUT", conflicts_with = "out_dir")]
    output: Option<PathBuf>,

    /// Folder to write outputs into, created if missing.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,

    /// Descend into folders and strip every .jpg and .jpeg file found (any letter case).
    #[arg(short, long)]
    recursive: bool,

    /// Number of files stripped at once [default: the number of cores].
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,

    /// Print nothing but errors.
    #[arg(short, long)]
    quiet: bool,

    #[command(flatten)]
    policy: PolicyArgs,
}

/// One input file and where its output goes.
#[derive(Debug)]
struct Job {
    input: PathBuf,
    output: PathBuf,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let policy = args.policy.policy();
    if let Some(output) = &args.output {
        let [input] = args.inputs.as_slice() else {
            bail!("-o takes a single input; use --out-dir DIR for several");
        };
        return single(input, output, policy);
    }
    if let [input] = args.inputs.as_slice()
        && input.as_os_str() == "-"
    {
        return single(input, Path::new("-"), policy);
    }
    let Some(out_dir) = &args.out_dir else {
        bail!("say where the output goes: -o OUT for one input, --out-dir DIR for several");
    };
    batch(args, out_dir, policy)
}

/// Strips one input to one output, either of which may be `-`.
fn single(input: &Path, output: &Path, policy: Policy) -> anyhow::Result<ExitCode> {
    let stdin = input.as_os_str() == "-";
    let stdout = output.as_os_str() == "-";
    if stdout && io::stdout().is_terminal() {
        bail!("refusing to write a JPEG to a terminal; redirect standard output or use -o FILE");
    }
    if !stdin && !stdout && same_file(input, output) {
        bail!(
            "{} is both input and output; inputs are never modified, so write elsewhere",
            input.display()
        );
    }

    let result = match (stdin, stdout) {
        (true, true) => {
            strip_stream(io::stdin().lock(), io::stdout().lock(), policy).map_err(|e| describe(&e))
        }
        (true, false) => to_file(io::stdin().lock(), output, policy),
        (false, true) => File::open(input)
            .map_err(|e| format!("cannot open: {e}"))
            .and_then(|file| {
                strip_stream(file, io::stdout().lock(), policy).map_err(|e| describe(&e))
            }),
        (false, false) => File::open(input)
            .map_err(|e| format!("cannot open: {e}"))
            .and_then(|file| to_file(file, output, policy)),
    };
    match result {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(message) => {
            let name = if stdin {
                "standard input".into()
            } else {
                input.display().to_string()
            };
            eprintln!("exifstrip: rejected {name}: {message}");
            Ok(ExitCode::from(EXIT_REJECTED))
        }
    }
}

/// Strips every input into `out_dir`, on all cores.
fn batch(args: &Args, out_dir: &Path, policy: Policy) -> anyhow::Result<ExitCode> {
    let (jobs, mut failures) = plan(&args.inputs, out_dir, args.recursive)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .context("cannot start worker threads")?;

    let progress = progress_bar(jobs.len(), args.quiet);
    let bytes_in = AtomicU64::new(0);
    let bytes_out = AtomicU64::new(0);
    let rejected: Vec<String> = pool.install(|| {
        jobs.par_iter()
            .filter_map(|job| {
                let result = File::open(&job.input)
                    .map_err(|e| format!("cannot open: {e}"))
                    .and_then(|file| to_file(file, &job.output, policy));
                progress.inc(1);
                match result {
                    Ok(report) => {
                        bytes_in.fetch_add(report.bytes_in, Ordering::Relaxed);
                        bytes_out.fetch_add(report.bytes_out, Ordering::Relaxed);
                        None
                    }
                    Err(message) => {
                        let line = format!("rejected {}: {message}", job.input.display());
                        progress.suspend(|| eprintln!("exifstrip: {line}"));
                        Some(line)
                    }
                }
            })
            .collect()
    });
    progress.finish_and_clear();
    failures += rejected.len();

    let stripped = jobs.len() - rejected.len();
    if !args.quiet {
        let bytes_in = bytes_in.into_inner();
        let removed = bytes_in - bytes_out.into_inner();
        eprintln!(
            "exifstrip: stripped {stripped} of {} files into {}; removed {removed} of {bytes_in} \
             bytes; {failures} rejected",
            stripped + failures,
            out_dir.display()
        );
    }
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_REJECTED)
    })
}

/// Lists the jobs for the inputs; inputs that cannot be planned are reported on stderr and
/// counted.
fn plan(inputs: &[PathBuf], out_dir: &Path, recursive: bool) -> anyhow::Result<(Vec<Job>, usize)> {
    let mut jobs = Vec::new();
    let mut failures = 0;
    for input in inputs {
        if input.as_os_str() == "-" {
            bail!("`-` (standard input) cannot be mixed with other inputs or --out-dir");
        }
        let metadata = match fs::metadata(input) {
            Ok(metadata) => metadata,
            Err(e) => {
                eprintln!("exifstrip: rejected {}: {e}", input.display());
                failures += 1;
                continue;
            }
        };
        if metadata.is_dir() {
            if !recursive {
                eprintln!(
                    "exifstrip: rejected {}: is a folder; add -r to strip the JPEGs in it",
                    input.display()
                );
                failures += 1;
                continue;
            }
            for entry in walkdir::WalkDir::new(input).sort_by_file_name() {
                let entry = entry.with_context(|| format!("cannot list {}", input.display()))?;
                if entry.file_type().is_file() && is_jpeg_name(entry.path()) {
                    // walkdir yields paths under `input`, so the prefix is always there.
                    let relative = entry.path().strip_prefix(input).unwrap_or(entry.path());
                    jobs.push(Job {
                        input: entry.path().to_path_buf(),
                        output: out_dir.join(relative),
                    });
                }
            }
        } else {
            let name = input.file_name().context("input has no file name")?;
            jobs.push(Job {
                input: input.clone(),
                output: out_dir.join(name),
            });
        }
    }

    // Two inputs with the same name would overwrite each other's output: keep the first.
    let mut seen: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut unique = Vec::with_capacity(jobs.len());
    for job in jobs {
        if same_file(&job.input, &job.output) {
            eprintln!(
                "exifstrip: rejected {}: its output would replace it; inputs are never \
                 modified, so choose another --out-dir",
                job.input.display()
            );
            failures += 1;
            continue;
        }
        if let Some(first) = seen.get(&job.output) {
            eprintln!(
                "exifstrip: rejected {}: its output {} is also the output of {}; strip them \
                 into different folders",
                job.input.display(),
                job.output.display(),
                first.display()
            );
            failures += 1;
            continue;
        }
        seen.insert(job.output.clone(), job.input.clone());
        unique.push(job);
    }
    Ok((unique, failures))
}

/// Streams `reader` into a temporary file beside `output` and renames it into place on
/// success; on failure nothing is left behind.
fn to_file<R: io::Read>(reader: R, output: &Path, policy: Policy) -> Result<Report, String> {
    let dir = match output.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).map_err(|e| format!("cannot create folder {}: {e}", dir.display()))?;
    let temp = tempfile::Builder::new()
        .prefix(".exifstrip-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temporary file in {}: {e}", dir.display()))?;

    let report = strip_stream(reader, io::BufWriter::new(temp.as_file()), policy)
        .map_err(|e| describe(&e))?;
    set_readable(temp.as_file());
    temp.persist(output)
        .map_err(|e| format!("cannot write {}: {}", output.display(), e.error))?;
    Ok(report)
}

/// Temporary files are private (0600); a stripped photo is for publishing, so it gets the
/// permissions a new file normally has.
fn set_readable(file: &File) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Failing to widen permissions leaves a private file, which is safe.
        let _ = file.set_permissions(fs::Permissions::from_mode(0o644));
    }
}

fn describe(error: &StreamError) -> String {
    match error {
        StreamError::Jpeg(e) => e.to_string(),
        StreamError::Read(e) => format!("reading failed: {e}"),
        StreamError::Write(e) => format!("writing the output failed: {e}"),
        other => other.to_string(),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Whether a file found in a folder is a JPEG by its name: `.jpg` or `.jpeg`, any case.
fn is_jpeg_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("jpeg"))
}

fn progress_bar(len: usize, quiet: bool) -> ProgressBar {
    if quiet || len < 2 || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} files  {elapsed_precise} (eta {eta})")
    {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_names_in_any_case() {
        assert!(is_jpeg_name(Path::new("a/b.JPG")));
        assert!(is_jpeg_name(Path::new("b.Jpeg")));
        assert!(!is_jpeg_name(Path::new("b.png")));
        assert!(!is_jpeg_name(Path::new("jpg")));
    }
}
