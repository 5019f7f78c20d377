#!/usr/bin/env bash
# Static checks of the AWS deployment: terraform fmt, validate and plan (plan with an
# emulator, as `scripts/with-emulators.sh infra/check.sh`), checkov, and the access-matrix
# tests. Needs python3.11 (or python3) with pip and venv; installs everything else, pinned,
# into .venv-infra at the repository root. Safe to run again; runs from any directory.
set -euo pipefail

infra_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd -- "${infra_dir}/.." && pwd)"
venv="${repo_root}/.venv-infra"
requirements="${infra_dir}/requirements.txt"

python="$(command -v python3.11 || command -v python3 || true)"
if [[ -z "${python}" ]]; then
    echo "infra/check.sh: python3.11 or python3 is required" >&2
    exit 1
fi

# Reinstall only when the pins changed since the last successful install.
stamp="${venv}/.requirements.sha256"
want="$(sha256sum "${requirements}" | cut -d' ' -f1)"
if [[ ! -x "${venv}/bin/python" || ! -f "${stamp}" || "$(cat "${stamp}")" != "${want}" ]]; then
    echo "==> installing pinned checkov and pytest into ${venv}"
    "${python}" -m venv "${venv}"
    "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check -r "${requirements}"
    echo "${want}" > "${stamp}"
fi

status=0

echo "==> terraform fmt"
if command -v terraform > /dev/null 2>&1; then
    # fmt needs no CLI configuration; a missing one only makes terraform warn on every run.
    if [[ ! -e "${TF_CLI_CONFIG_FILE:-${HOME:-/nonexistent}/.terraformrc}" ]]; then
        export TF_CLI_CONFIG_FILE=/dev/null
    fi
    if ! terraform fmt -check -recursive -diff "${infra_dir}/terraform"; then
        echo "terraform fmt: files above need \`terraform fmt -recursive infra/terraform\`" >&2
        status=1
    fi
else
    echo "terraform fmt: skipped, terraform is not installed (the other checks still run)"
fi

echo "==> terraform validate and plan"
# Both need the AWS provider, which this machine's image keeps in a local mirror (no registry is
# reachable). They run on a copy laid out like the repository, so no .terraform folder lands in
# it and the example finds a Lambda zip where the build puts one.
mirror="${TF_PLUGIN_MIRROR:-/opt/tf-plugins}"
scratch="$(mktemp -d)"
trap 'rm -rf "${scratch}"' EXIT
if command -v terraform > /dev/null 2>&1 && [[ -d "${mirror}/registry.terraform.io/hashicorp/aws" ]]; then
    mkdir -p "${scratch}/infra"
    cp -r "${infra_dir}/terraform" "${scratch}/infra/terraform"
    printf 'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' "${mirror}" \
        > "${scratch}/terraformrc"
    example="${scratch}/infra/terraform/examples/complete"
    tf() { TF_CLI_CONFIG_FILE="${scratch}/terraformrc" terraform -chdir="${example}" "$@"; }
    if ! tf init -backend=false -input=false -no-color > "${scratch}/init.log" 2>&1; then
        cat "${scratch}/init.log" >&2
        echo "terraform init failed with the provider mirror ${mirror}" >&2
        status=1
    elif ! tf validate -no-color; then
        status=1
    elif [[ -z "${EXIFSTRIP_TEST_S3_ENDPOINT:-}" ]]; then
        echo "terraform plan: skipped, no emulator; \`scripts/with-emulators.sh infra/check.sh\`" \
            "starts one"
    else
        # The plan asks the emulator only who is calling (STS), and evaluates every count,
        # for_each, function and validation with the example's values; tests/test_plan.py
        # reads what it would create.
        mkdir -p "${scratch}/target/lambda/exifstrip"
        "${python}" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1], "w").writestr("bootstrap", "")' \
            "${scratch}/target/lambda/exifstrip/bootstrap.zip"
        cat > "${example}/emulator_override.tf" <<TF
provider "aws" {
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  endpoints {
    sts = "${EXIFSTRIP_TEST_S3_ENDPOINT}"
  }
}
TF
        cat > "${example}/terraform.tfvars" <<TF
region         = "eu-west-1"
key_admin_arns = ["arn:aws:iam::123456789012:role/admin"]
ecs_image_tag  = "0.1.0"
ecs_vpc_id     = "vpc-0123456789abcdef0"
ecs_subnet_ids = ["subnet-0123456789abcdef0"]
TF
        for mode in lambda both; do
            echo "terraform plan with worker_mode = \"${mode}\""
            if tf plan -input=false -no-color -var "worker_mode=${mode}" \
                -out "${scratch}/${mode}.tfplan" > "${scratch}/plan-${mode}.log" 2>&1 &&
                tf show -json "${scratch}/${mode}.tfplan" > "${scratch}/plan-${mode}.json"; then
                grep '^Plan:' "${scratch}/plan-${mode}.log"
            else
                cat "${scratch}/plan-${mode}.log" >&2
                status=1
            fi
        done
        export EXIFSTRIP_PLAN_DIR="${scratch}"
    fi
else
    echo "terraform validate and plan: skipped, they need terraform and the AWS provider in" \
        "${mirror} (TF_PLUGIN_MIRROR names another mirror)"
fi

echo "==> checkov"
# Skips live next to the resources as #checkov:skip comments with their reasons; none here.
# The Dockerfile sits at the repository root, outside infra/, so it gets its own run.
if ! "${venv}/bin/checkov" --directory "${infra_dir}" --framework terraform \
    --compact --quiet --skip-download; then
    status=1
fi
if ! "${venv}/bin/checkov" --file "${repo_root}/Dockerfile" --framework dockerfile \
    --compact --quiet --skip-download; then
    status=1
fi

echo "==> pytest"
# Exit code 5 means no test was collected: a failure here, like any other non-zero code.
if ! "${venv}/bin/python" -m pytest -q -p no:cacheprovider "${infra_dir}/tests"; then
    status=1
fi

if [[ "${status}" -ne 0 ]]; then
    echo "infra/check.sh: FAILED" >&2
else
    echo "infra/check.sh: all infra checks passed"
fi
exit "${status}"
