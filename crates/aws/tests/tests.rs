//! Integration tests of exifstrip-aws: event fixtures, and the end-to-end suite against
//! local AWS emulators (skipped, with the reason printed, when none is running).

mod e2e;
mod events;
