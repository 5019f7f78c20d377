//! The work queue and its dead-letter queue, through the AWS SDK.

use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{MessageAttributeValue, QueueAttributeName};

use crate::with_causes;

/// Message attribute naming why a message was dead-lettered.
pub const REASON_ATTRIBUTE: &str = "exifstrip-reason";
/// Message attribute naming the kind of failure: `malformed`, `rejected`, `permanent`,
/// `bucket`.
pub const CLASS_ATTRIBUTE: &str = "exifstrip-class";
/// Message attribute holding the id the message had in the work queue.
pub const ORIGIN_ATTRIBUTE: &str = "exifstrip-origin-message-id";

/// SQS limits a message attribute to 256 KiB with the body; reasons are cut far below that.
const MAX_REASON: usize = 1024;

/// A failure talking to SQS.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// An SQS request failed.
    #[error(
        "{operation} on queue {queue} failed: {cause}; check the endpoint, the credentials and that the queue exists"
    )]
    Request {
        /// What was being done.
        operation: &'static str,
        /// The queue URL.
        queue: String,
        /// The SDK's error, with its cause chain flattened.
        cause: String,
    },
}

/// The work queue: where the notifications arrive, and where failures go for good.
#[derive(Debug, Clone)]
pub struct Queue {
    client: Client,
    url: String,
    dead_letter_url: Option<String>,
    visibility: Duration,
}

impl Queue {
    /// Opens the queue at `url`: reads its visibility timeout, and finds its dead-letter queue
    /// from the redrive policy unless `dead_letter_url` names one.
    ///
    /// # Errors
    ///
    /// [`QueueError`] when the queue's attributes cannot be read.
    pub async fn open(
        client: Client,
        url: &str,
        dead_letter_url: Option<String>,
    ) -> Result<Self, QueueError> {
        let attributes = client
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::VisibilityTimeout)
            .attribute_names(QueueAttributeName::RedrivePolicy)
            .send()
            .await
            .map_err(|e| request("reading the attributes", url, &e))?;
        let attributes = attributes.attributes.unwrap_or_default();
        let seconds = attributes
            .get(&QueueAttributeName::VisibilityTimeout)
            .and_then(|v| v.parse().ok())
            .unwrap_or(30);

        let mut queue = Self {
            client,
            url: url.to_owned(),
            dead_letter_url,
            visibility: Duration::from_secs(seconds),
        };
        if queue.dead_letter_url.is_none()
            && let Some(policy) = attributes.get(&QueueAttributeName::RedrivePolicy)
        {
            queue.dead_letter_url = queue.dead_letter_from_policy(policy).await?;
        }
        Ok(queue)
    }

    /// The queue's URL.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The dead-letter queue's URL, if one is known.
    #[must_use]
    pub fn dead_letter_url(&self) -> Option<&str> {
        self.dead_letter_url.as_deref()
    }

    /// The queue's visibility timeout.
    #[must_use]
    pub fn visibility(&self) -> Duration {
        self.visibility
    }

    /// The SDK client.
    #[must_use]
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Receives up to ten messages, waiting up to `wait` for the first.
    ///
    /// # Errors
    ///
    /// [`QueueError`] when the request fails.
    pub async fn receive(
        &self,
        max: i32,
        wait: Duration,
    ) -> Result<Vec<aws_sdk_sqs::types::Message>, QueueError> {
        let wait = i32::try_from(wait.as_secs().min(20)).unwrap_or(20);
        let output = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max.clamp(1, 10))
            .wait_time_seconds(wait)
            .send()
            .await
            .map_err(|e| request("receiving messages", &self.url, &e))?;
        Ok(output.messages.unwrap_or_default())
    }

    /// Deletes a handled message.
    ///
    /// # Errors
    ///
    /// [`QueueError`] when the request fails; the message then comes back and is handled
    /// again, harmlessly.
    pub async fn delete(&self, receipt: &str) -> Result<(), QueueError> {
        self.client
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(|e| request("deleting a message", &self.url, &e))?;
        Ok(())
    }

    /// Keeps a message invisible for another visibility timeout.
    ///
    /// # Errors
    ///
    /// [`QueueError`] when the request fails.
    pub async fn extend(&self, receipt: &str) -> Result<(), QueueError> {
        let seconds = i32::try_from(self.visibility.as_secs()).unwrap_or(43_200);
        self.client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(receipt)
            .visibility_timeout(seconds)
            .send()
            .await
            .map_err(|e| request("extending the visibility of a message", &self.url, &e))?;
        Ok(())
    }

    /// Sends `body` to the dead-letter queue with the reason as message attributes. Returns
    /// `false` when no dead-letter queue is known (the redrive policy moves the message
    /// later, without a reason).
    ///
    /// # Errors
    ///
    /// [`QueueError`] when the send fails.
    pub async fn dead_letter(
        &self,
        body: &str,
        message_id: &str,
        reason: &str,
        class: &str,
    ) -> Result<bool, QueueError> {
        let Some(url) = &self.dead_letter_url else {
            return Ok(false);
        };
        let reason = truncate(reason, MAX_REASON);
        self.client
            .send_message()
            .queue_url(url)
            .message_body(body)
            .message_attributes(REASON_ATTRIBUTE, text_attribute(reason))
            .message_attributes(CLASS_ATTRIBUTE, text_attribute(class))
            .message_attributes(ORIGIN_ATTRIBUTE, text_attribute(message_id))
            .send()
            .await
            .map_err(|e| request("sending to the dead-letter queue", url, &e))?;
        Ok(true)
    }

    async fn dead_letter_from_policy(&self, policy: &str) -> Result<Option<String>, QueueError> {
        let arn = serde_json::from_str::<serde_json::Value>(policy)
            .ok()
            .and_then(|v| v.get("deadLetterTargetArn")?.as_str().map(str::to_owned));
        let Some(arn) = arn else {
            return Ok(None);
        };
        // arn:aws:sqs:region:account:name
        let mut parts = arn.rsplitn(3, ':');
        let (Some(name), Some(account)) = (parts.next(), parts.next()) else {
            return Ok(None);
        };
        let output = self
            .client
            .get_queue_url()
            .queue_name(name)
            .queue_owner_aws_account_id(account)
            .send()
            .await
            .map_err(|e| request("finding the dead-letter queue", &arn, &e))?;
        Ok(output.queue_url)
    }
}

/// Creates the SQS client from the SDK's configuration: the standard AWS environment
/// (`AWS_ENDPOINT_URL`, `AWS_REGION`, the credentials chain), as
/// [`crate::credentials::sdk_config`] loads it.
#[must_use]
pub fn client(config: &aws_config::SdkConfig) -> Client {
    Client::new(config)
}

fn text_attribute(value: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        // The builder fails only when a required field is missing; both are set just above.
        .expect("data type and string value are set")
}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn request(operation: &'static str, queue: &str, error: &dyn std::error::Error) -> QueueError {
    QueueError::Request {
        operation,
        queue: queue.to_owned(),
        cause: with_causes(error),
    }
}
