//! `exifstrip lambda`: the binary as the AWS Lambda function's bootstrap.

use std::process::ExitCode;

use anyhow::Context;

/// Serve as the AWS Lambda function (the provided.al2023 runtime's bootstrap).
///
/// Lambda starts the bootstrap with no arguments and AWS_LAMBDA_RUNTIME_API set; exifstrip
/// then runs this command by itself, so the deployment zip holds this very binary, named
/// bootstrap. The function strips the photos named by SQS batches of S3 notifications (with
/// partial batch responses) or by EventBridge events invoked directly, into EXIFSTRIP_DEST.
///
/// Settings, from the function's environment: EXIFSTRIP_DEST (required, e.g.
/// s3://bucket-b), EXIFSTRIP_ALLOW_SOURCE_BUCKET, EXIFSTRIP_MAX_SIZE (bytes),
/// EXIFSTRIP_DEAD_LETTER_QUEUE_URL, and the standard AWS variables; logs follow
/// AWS_LAMBDA_LOG_FORMAT and AWS_LAMBDA_LOG_LEVEL. See docs/aws.md.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {}

/// Whether Lambda started this process as the function's bootstrap: no arguments, and the
/// runtime API to serve from.
pub fn started_by_lambda() -> bool {
    std::env::args_os().len() == 1 && std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
}

pub fn run(_args: &Args) -> anyhow::Result<ExitCode> {
    // One thread: see `exifstrip_lambda::run`.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime
        .block_on(exifstrip_lambda::run())
        .map_err(|error| anyhow::anyhow!("the Lambda function stopped: {error}"))?;
    Ok(ExitCode::SUCCESS)
}
