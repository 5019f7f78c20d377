//! The `exifstrip` binary run as a user runs it, checked with exiftool and djpeg as oracles.

mod oracles;
mod strip;
mod watch;
