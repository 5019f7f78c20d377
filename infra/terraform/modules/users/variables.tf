variable "name_prefix" {
  description = "Prefix for user, group and path names."
  type        = string
}

variable "user_a_policy" {
  description = "Policy of user A's group as a JSON string (policies/user-a.json.tpl)."
  type        = string
}

variable "user_b_policy" {
  description = "Policy of user B's group as a JSON string (policies/user-b.json.tpl)."
  type        = string
}

variable "tags" {
  description = "Tags for the users."
  type        = map(string)
}
