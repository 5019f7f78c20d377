variable "bucket_a_name" {
  description = "Name of bucket A (uploads)."
  type        = string
}

variable "bucket_b_name" {
  description = "Name of bucket B (scrubbed copies)."
  type        = string
}

variable "bucket_a_policy" {
  description = "Bucket policy of A as a JSON string (policies/bucket.json.tpl)."
  type        = string
}

variable "bucket_b_policy" {
  description = "Bucket policy of B as a JSON string (policies/bucket.json.tpl)."
  type        = string
}

variable "access_log_bucket_name" {
  description = "Name of the bucket receiving server access logs of A and B."
  type        = string
}

variable "access_log_bucket_policy" {
  description = "Bucket policy of the access-log bucket as a JSON string (policies/access-log-bucket.json.tpl)."
  type        = string
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed key encrypting A and B."
  type        = string
}

variable "noncurrent_version_days" {
  description = "Days a noncurrent object version is kept in A and B."
  type        = number
}

variable "access_log_days" {
  description = "Days access logs are kept."
  type        = number
}

variable "force_destroy" {
  description = "Whether terraform destroy may delete non-empty buckets."
  type        = bool
}

variable "tags" {
  description = "Tags for the buckets."
  type        = map(string)
}
