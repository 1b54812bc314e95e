// MPI ranks (issue #17): `mpirun -np N canbao run …`. The only module that includes <mpi.h>.
#pragma once

#include <memory>

#include "canbao/core/ranks.h"

namespace canbao {

/// True when this process was started by an MPI launcher (mpirun/mpiexec set its environment).
bool launched_by_mpi();

/// Initialises MPI (errors returned, not fatal: MPI_ERRORS_RETURN) and wraps MPI_COMM_WORLD;
/// finalised when the object goes. Call once, from the main thread.
Result<std::unique_ptr<Ranks>> start_mpi_ranks(int* argc, char*** argv);

}  // namespace canbao
