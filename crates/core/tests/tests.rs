//! Integration tests of the core: one binary, one module per theme.

mod corpus;
mod fixtures;
mod properties;
mod regressions;
mod support;
