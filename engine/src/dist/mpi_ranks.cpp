#include "canbao/dist/mpi_ranks.h"

#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <limits>

namespace canbao {

namespace {

// MPI counts are ints: a message carries at most this many bytes, and larger exchanges go in
// pieces (a province's shuffle is gigabytes per rank).
constexpr uint64_t kRoundBytes = uint64_t{1} << 30;

std::string mpi_error(std::string_view step, int code) {
  char text[MPI_MAX_ERROR_STRING] = {0};
  int len = 0;
  MPI_Error_string(code, text, &len);
  return std::string(step) + ": MPI failed (" + std::string(text, static_cast<size_t>(len)) +
         "): a rank has stopped or the transport broke";
}

class MpiRanks final : public Ranks {
 public:
  MpiRanks(int rank, int size) : rank_(rank), size_(size) {}
  ~MpiRanks() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  Status all_gather(std::string_view step, std::string_view mine, std::vector<std::string>& out) override {
    std::vector<std::string> send(static_cast<size_t>(size_), std::string(mine));
    return all_to_all(step, send, out);
  }

  Status all_to_all(std::string_view step, const std::vector<std::string>& send,
                    std::vector<std::string>& recv) override {
    const auto n = static_cast<size_t>(size_);
    if (send.size() != n) return Status::Error(std::string(step) + ": internal error: one buffer per rank expected");
    // 1. Sizes.
    std::vector<uint64_t> send_sizes(n), recv_sizes(n);
    for (size_t r = 0; r < n; ++r) send_sizes[r] = send[r].size();
    if (int code = MPI_Alltoall(send_sizes.data(), 1, MPI_UINT64_T, recv_sizes.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD);
        code != MPI_SUCCESS)
      return Status::Error(mpi_error(step, code));
    // 2. Point to point, straight from each send buffer into each receive buffer (no packing
    // copies), in pieces of at most kRoundBytes (MPI counts are ints).
    recv.assign(n, std::string());
    const auto me = static_cast<size_t>(rank_);
    recv[me] = send[me];
    std::vector<MPI_Request> requests;
    for (size_t r = 0; r < n; ++r) {
      if (r == me) continue;
      recv[r].resize(recv_sizes[r]);
      for (uint64_t from = 0, piece = 0; from < recv_sizes[r]; from += kRoundBytes, ++piece) {
        MPI_Request request;
        const auto count = static_cast<int>(std::min(kRoundBytes, recv_sizes[r] - from));
        if (int code = MPI_Irecv(recv[r].data() + from, count, MPI_BYTE, static_cast<int>(r), static_cast<int>(piece),
                                 MPI_COMM_WORLD, &request);
            code != MPI_SUCCESS)
          return Status::Error(mpi_error(step, code));
        requests.push_back(request);
      }
    }
    for (size_t r = 0; r < n; ++r) {
      if (r == me) continue;
      for (uint64_t from = 0, piece = 0; from < send_sizes[r]; from += kRoundBytes, ++piece) {
        MPI_Request request;
        const auto count = static_cast<int>(std::min(kRoundBytes, send_sizes[r] - from));
        if (int code = MPI_Isend(send[r].data() + from, count, MPI_BYTE, static_cast<int>(r), static_cast<int>(piece),
                                 MPI_COMM_WORLD, &request);
            code != MPI_SUCCESS)
          return Status::Error(mpi_error(step, code));
        requests.push_back(request);
      }
    }
    if (int code = MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
        code != MPI_SUCCESS)
      return Status::Error(mpi_error(step, code));
    return Status::OK();
  }

 private:
  int rank_, size_;
};

}  // namespace

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"})
    if (std::getenv(name) != nullptr) return true;
  return false;
}

Result<std::unique_ptr<Ranks>> start_mpi_ranks(int* argc, char*** argv) {
  int provided = 0;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    return Status::Error("MPI: cannot initialise (started by mpirun?)");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return std::unique_ptr<Ranks>(std::make_unique<MpiRanks>(rank, size));
}

}  // namespace canbao
