variable "name_prefix" {
  description = "Prefix for the key's description and alias."
  type        = string
}

variable "policy" {
  description = "The key policy as a JSON string (rendered from policies/kms-key.json.tpl)."
  type        = string
}

variable "deletion_window_days" {
  description = "Days before a scheduled key deletion takes effect."
  type        = number
}

variable "tags" {
  description = "Tags for the key."
  type        = map(string)
}
