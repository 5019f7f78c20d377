//! S3 stores that authenticate as the AWS SDK does.
//!
//! object_store finds credentials in the environment, web identity, container and instance
//! metadata, but not in `~/.aws` profiles. The SDK's chain, which the SQS client uses, also
//! reads profiles (static keys, assumed roles, `credential_process`) and the profile's region,
//! so `exifstrip sync s3://a s3://b` and `exifstrip worker` run from a laptop with
//! `AWS_PROFILE` as they do with exported keys.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use exifstrip_pipeline::S3Access;
use object_store::aws::AwsCredential;

use crate::with_causes;

/// Credentials are fetched again this long before they expire.
const REFRESH_BEFORE: Duration = Duration::from_mins(5);

/// S3 access through the SDK's configuration: its credentials chain and region.
#[must_use]
pub fn s3_access(config: &SdkConfig) -> S3Access {
    S3Access {
        credentials: config.credentials_provider().map(|provider| {
            let credentials: object_store::aws::AwsCredentialProvider =
                Arc::new(SdkCredentials::new(provider));
            credentials
        }),
        region: config.region().map(ToString::to_string),
    }
}

/// The SDK's configuration from the standard AWS environment and `~/.aws` profiles
/// (`AWS_PROFILE`), for [`s3_access`] and [`crate::sqs::client`].
pub async fn sdk_config() -> SdkConfig {
    aws_config::load_from_env().await
}

/// The SDK's credentials provider, asked once per credential lifetime rather than once per
/// request: a profile's assumed role or credential process is slow to ask.
struct SdkCredentials {
    provider: SharedCredentialsProvider,
    cached: tokio::sync::Mutex<Option<(Arc<AwsCredential>, Option<SystemTime>)>>,
}

impl SdkCredentials {
    fn new(provider: SharedCredentialsProvider) -> Self {
        Self {
            provider,
            cached: tokio::sync::Mutex::new(None),
        }
    }
}

impl fmt::Debug for SdkCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SdkCredentials").finish_non_exhaustive()
    }
}

/// Whether credentials expiring at `expiry` are still good to sign with at `now`.
fn fresh(expiry: Option<SystemTime>, now: SystemTime) -> bool {
    expiry.is_none_or(|expiry| now + REFRESH_BEFORE < expiry)
}

#[async_trait::async_trait]
impl object_store::CredentialProvider for SdkCredentials {
    type Credential = AwsCredential;

    async fn get_credential(&self) -> object_store::Result<Arc<AwsCredential>> {
        // Held across the request, so that concurrent requests ask the provider once.
        let mut cached = self.cached.lock().await;
        if let Some((credential, expiry)) = cached.as_ref()
            && fresh(*expiry, SystemTime::now())
        {
            return Ok(Arc::clone(credential));
        }
        let found = self.provider.provide_credentials().await.map_err(|e| {
            let reason = format!(
                "no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or \
                 AWS_PROFILE to a profile in ~/.aws/config): {}",
                with_causes(&e)
            );
            object_store::Error::Generic {
                store: "S3",
                source: reason.into(),
            }
        })?;
        let credential = Arc::new(AwsCredential {
            key_id: found.access_key_id().to_owned(),
            secret_key: found.secret_access_key().to_owned(),
            token: found.session_token().map(ToOwned::to_owned),
        });
        *cached = Some((Arc::clone(&credential), found.expiry()));
        Ok(credential)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refreshes_before_expiry() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert!(fresh(None, now));
        assert!(fresh(Some(now + Duration::from_hours(1)), now));
        assert!(!fresh(Some(now + Duration::from_mins(1)), now));
        assert!(!fresh(Some(now - Duration::from_secs(1)), now));
    }

    #[test]
    fn static_credentials_pass_through_and_are_asked_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};

        use aws_credential_types::Credentials;
        use aws_credential_types::provider::future;
        use object_store::CredentialProvider;

        #[derive(Debug)]
        struct Counting(Arc<AtomicUsize>);
        impl ProvideCredentials for Counting {
            fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
            where
                Self: 'a,
            {
                self.0.fetch_add(1, Ordering::SeqCst);
                future::ProvideCredentials::ready(Ok(Credentials::new(
                    "AKIDEXAMPLE",
                    "secret",
                    Some("token".into()),
                    None,
                    "test",
                )))
            }
        }

        let asked = Arc::new(AtomicUsize::new(0));
        let provider =
            SdkCredentials::new(SharedCredentialsProvider::new(Counting(Arc::clone(&asked))));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for _ in 0..3 {
            let credential = runtime.block_on(provider.get_credential()).unwrap();
            assert_eq!(credential.key_id, "AKIDEXAMPLE");
            assert_eq!(credential.secret_key, "secret");
            assert_eq!(credential.token.as_deref(), Some("token"));
        }
        assert_eq!(asked.load(Ordering::SeqCst), 1);
    }
}
