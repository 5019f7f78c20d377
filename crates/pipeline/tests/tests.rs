//! The pipeline against real stores: memory, local folders and an S3-compatible server on
//! loopback (`scripts/with-emulators.sh` starts one and sets `EXIFSTRIP_TEST_S3_ENDPOINT`).

mod backends;
mod conformance;
mod support;
