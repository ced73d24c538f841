// Slurm for sweeps too large for one machine: the points are cut into chunks, one job-array task per chunk
// (`sbatch --array`), each task running its chunk with the local runner and writing DIR/slurm/task_<id>.json;
// collecting merges the task files and lists the tasks that did not finish, resubmittable alone.
#pragma once

#include <string>
#include <vector>

namespace tlm4ml {

// The batch script: one array task per chunk, each running `tlm4ml sweep --task-dir DIR --task-id $ID`.
std::string slurm_batch_script(const std::string& tlm4ml_binary, const std::string& work_dir, size_t tasks,
                               unsigned cpus_per_task);

// Runs `sbatch --parsable [extra args] [--array=LIST] SCRIPT` and returns the job id. Throws with sbatch's
// message when it fails or is not installed.
std::string submit_batch(const std::string& script, const std::vector<std::string>& extra_args,
                         const std::string& array_override = "");

// "3,5,7" from task ids.
std::string array_list(const std::vector<size_t>& tasks);

// The running program's absolute path (/proc/self/exe), for the batch script.
std::string self_executable();

}  // namespace tlm4ml
