#include "canbao/dist/mpi_ranks.h"

#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace canbao {

namespace {

// MPI counts are ints: a collective moves at most this many bytes per peer per round, and larger
// exchanges go in rounds (a province's shuffle is tens of GB per rank).
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

  // MPI_Allgatherv in rounds of at most kRoundBytes per rank (this rank's bytes are sent once,
  // not copied once per peer).
  Status all_gather(std::string_view step, std::string_view mine, std::vector<std::string>& out) override {
    const auto n = static_cast<size_t>(size_);
    std::vector<uint64_t> sizes(n);
    const uint64_t own = mine.size();
    if (int code = MPI_Allgather(&own, 1, MPI_UINT64_T, sizes.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD);
        code != MPI_SUCCESS)
      return Status::Error(mpi_error(step, code));
    out.assign(n, std::string());
    uint64_t most = 0;
    for (size_t r = 0; r < n; ++r) {
      out[r].resize(sizes[r]);
      most = std::max(most, sizes[r]);
    }
    std::vector<int> counts(n), displs(n);
    std::string rbuf;
    for (uint64_t from = 0; from < most; from += kRoundBytes) {
      uint64_t total = 0;
      for (size_t r = 0; r < n; ++r) {
        const uint64_t count = sizes[r] > from ? std::min(kRoundBytes, sizes[r] - from) : 0;
        if (total + count > static_cast<uint64_t>(std::numeric_limits<int>::max()))
          return Status::Error(std::string(step) + ": more than 2 GiB in one round of an exchange; run with more ranks");
        counts[r] = static_cast<int>(count);
        displs[r] = static_cast<int>(total);
        total += count;
      }
      rbuf.resize(total);
      const int own_count = counts[static_cast<size_t>(rank_)];
      if (int code = MPI_Allgatherv(own_count ? mine.data() + from : nullptr, own_count, MPI_BYTE, rbuf.data(),
                                    counts.data(), displs.data(), MPI_BYTE, MPI_COMM_WORLD);
          code != MPI_SUCCESS)
        return Status::Error(mpi_error(step, code));
      for (size_t r = 0; r < n; ++r)
        if (counts[r]) std::memcpy(out[r].data() + from, rbuf.data() + displs[r], static_cast<size_t>(counts[r]));
    }
    return Status::OK();
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
    recv.assign(n, std::string());
    for (size_t r = 0; r < n; ++r) recv[r].resize(recv_sizes[r]);
    // 2. Rounds of at most kRoundBytes per peer, until every rank has moved everything.
    uint64_t most = 0;
    for (size_t r = 0; r < n; ++r) most = std::max({most, send_sizes[r], recv_sizes[r]});
    uint64_t rounds = (most + kRoundBytes - 1) / kRoundBytes;
    if (int code = MPI_Allreduce(MPI_IN_PLACE, &rounds, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD); code != MPI_SUCCESS)
      return Status::Error(mpi_error(step, code));
    std::vector<int> scounts(n), sdispls(n), rcounts(n), rdispls(n);
    std::string sbuf, rbuf;
    for (uint64_t round = 0; round < rounds; ++round) {
      const uint64_t from = round * kRoundBytes;
      sbuf.clear();
      uint64_t rtotal = 0;
      for (size_t r = 0; r < n; ++r) {
        const uint64_t scount = send_sizes[r] > from ? std::min(kRoundBytes, send_sizes[r] - from) : 0;
        const uint64_t rcount = recv_sizes[r] > from ? std::min(kRoundBytes, recv_sizes[r] - from) : 0;
        if (sbuf.size() + scount > static_cast<uint64_t>(std::numeric_limits<int>::max()) ||
            rtotal + rcount > static_cast<uint64_t>(std::numeric_limits<int>::max()))
          return Status::Error(std::string(step) + ": more than 2 GiB in one round of an exchange; run with more ranks");
        sdispls[r] = static_cast<int>(sbuf.size());
        scounts[r] = static_cast<int>(scount);
        if (scount) sbuf.append(send[r], from, scount);
        rdispls[r] = static_cast<int>(rtotal);
        rcounts[r] = static_cast<int>(rcount);
        rtotal += rcount;
      }
      rbuf.resize(rtotal);
      if (int code = MPI_Alltoallv(sbuf.data(), scounts.data(), sdispls.data(), MPI_BYTE, rbuf.data(), rcounts.data(),
                                   rdispls.data(), MPI_BYTE, MPI_COMM_WORLD);
          code != MPI_SUCCESS)
        return Status::Error(mpi_error(step, code));
      for (size_t r = 0; r < n; ++r)
        if (rcounts[r]) std::memcpy(recv[r].data() + from, rbuf.data() + rdispls[r], static_cast<size_t>(rcounts[r]));
    }
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
