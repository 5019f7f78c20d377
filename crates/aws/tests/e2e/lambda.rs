//! The Lambda zip deployed on ministack as a `provided.al2023` function with an SQS event
//! source mapping and partial batch responses.

use std::path::PathBuf;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, FunctionCode, FunctionResponseType, Runtime};

use super::{Emulator, MAX_SIZE, Stack, block_on};

#[test]
fn ministack_lambda_uploads_deletes_and_poison() {
    let Some(emulator) = Emulator::from_env("EXIFSTRIP_TEST_MINISTACK", "ministack") else {
        return;
    };
    let Ok(zip) = std::env::var("EXIFSTRIP_LAMBDA_ZIP") else {
        eprintln!("skipped: EXIFSTRIP_LAMBDA_ZIP is not set; scripts/aws-e2e.sh builds the zip");
        return;
    };
    block_on(async {
        let stack = Stack::create(&emulator, "lambda", 30).await;
        deploy(&emulator, &stack, &PathBuf::from(zip)).await;
        super::worker::exercise(&stack, 60).await;
    });
}

async fn deploy(emulator: &Emulator, stack: &Stack, zip: &std::path::Path) {
    let lambda = aws_sdk_lambda::Client::new(&emulator.sdk().await);
    let name = format!("exifstrip-{}", stack.bucket_b.trim_end_matches("-b"));
    let mut environment = Environment::builder()
        .variables("EXIFSTRIP_DEST", format!("s3://{}", stack.bucket_b))
        .variables("EXIFSTRIP_ALLOW_SOURCE_BUCKET", &stack.bucket_a)
        .variables("EXIFSTRIP_MAX_SIZE", MAX_SIZE.to_string())
        .variables("AWS_LAMBDA_LOG_FORMAT", "JSON");
    for (variable, value) in emulator.env() {
        environment = environment.variables(variable, value);
    }
    lambda
        .create_function()
        .function_name(&name)
        .runtime(Runtime::Providedal2023)
        .handler("bootstrap")
        .role("arn:aws:iam::000000000000:role/exifstrip-lambda")
        .timeout(60)
        .memory_size(256)
        .environment(environment.build())
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(std::fs::read(zip).unwrap()))
                .build(),
        )
        .send()
        .await
        .unwrap();
    lambda
        .create_event_source_mapping()
        .function_name(&name)
        .event_source_arn(&stack.queue_arn)
        .batch_size(10)
        .function_response_types(FunctionResponseType::ReportBatchItemFailures)
        .send()
        .await
        .unwrap();
}
