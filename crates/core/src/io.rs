//! Streaming between any reader and writer.

use std::io::{ErrorKind, Read, Write};

use crate::{Error, Policy, Report, Scrubber};

/// Read size for [`strip_stream`]: large enough to run the byte search at memory speed, small
/// enough to stay in cache.
const CHUNK: usize = 256 * 1024;

/// Why [`strip_stream`] failed: the input, or the reader or writer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// The input is not a JPEG that can be rewritten.
    #[error(transparent)]
    Jpeg(#[from] Error),
    /// Reading the input failed.
    #[error("reading the input failed")]
    Read(#[source] std::io::Error),
    /// Writing the output failed.
    #[error("writing the output failed")]
    Write(#[source] std::io::Error),
}

/// Strips the JPEG read from `reader` into `writer`, holding at most a few hundred KiB
/// whatever the image size.
///
/// On error, what was already written to `writer` is a fragment: write to a temporary
/// destination and keep it only on success.
///
/// # Errors
///
/// [`StreamError::Jpeg`] for bad input, [`StreamError::Read`] and [`StreamError::Write`] for
/// I/O failures.
pub fn strip_stream<R: Read, W: Write>(
    mut reader: R,
    mut writer: W,
    policy: Policy,
) -> Result<Report, StreamError> {
    let mut scrubber = Scrubber::new(policy);
    let mut input = vec![0; CHUNK];
    let mut output = Vec::with_capacity(CHUNK + 2 * 65_536);
    loop {
        let read = match reader.read(&mut input) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(StreamError::Read(e)),
        };
        scrubber.push(input.get(..read).unwrap_or_default(), &mut output)?;
        writer.write_all(&output).map_err(StreamError::Write)?;
        output.clear();
    }
    let report = scrubber.finish()?;
    writer.flush().map_err(StreamError::Write)?;
    Ok(report)
}
