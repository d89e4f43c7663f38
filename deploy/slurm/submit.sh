#!/bin/bash
# Submits an nnsim matrix job as N shards (one array job) and its merge (a job that starts when every
# shard has succeeded):
#
#   deploy/slurm/submit.sh N PARTS_DIR REPORT_DIR MODEL MODEL… [nnsim matrix flags]
#
# NNSIM_SBATCH_OPTIONS holds further sbatch options for both jobs ("--partition=gpu --time=2:00:00").
set -euo pipefail
if [ $# -lt 4 ] || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 N PARTS_DIR REPORT_DIR MODEL MODEL… [nnsim matrix flags]  (N = number of shards ≥ 1)" >&2
  exit 2
fi
n=$1 parts=$2 report=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$parts"
# shellcheck disable=SC2086
array=$(sbatch --parsable ${NNSIM_SBATCH_OPTIONS:-} --array=0-$((n - 1)) "$here/nnsim-matrix.sbatch" "$parts" "$@")
array=${array%%;*} # --parsable prints JOBID[;CLUSTER]
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${NNSIM_SBATCH_OPTIONS:-} --dependency=afterok:"$array" "$here/nnsim-merge.sbatch" "$parts" "$report")
echo "shards: array job $array (tasks 0-$((n - 1))); merge: job ${merge%%;*} (starts when all shards succeed)"
