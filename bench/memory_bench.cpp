// What writing a buffer costs the first time on this machine (issue #16, docs/PERFORMANCE.md
// "What a byte costs here"): 64 MiB of anonymous memory written once, three ways.
//   fresh_4k:      a new mapping, every 4 KiB page faulted in by the write itself;
//   huge_populate: a new mapping advised MADV_HUGEPAGE and populated (MADV_POPULATE_WRITE) in one
//                  call before the write, as core/buffer_pool.h does for buffers of a known size;
//   reused:        the same mapping written again (what a recycled buffer costs).
// In the paravirtualized guest of the figures, the first is ~50x the last.
//   ./build/bench/canbao_bench --benchmark_filter=BM_FirstWrite
#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstring>

namespace {

constexpr size_t kBytes = size_t{64} << 20;
constexpr size_t kHuge = size_t{2} << 20;

char* map_aligned(void*& base) {
  base = ::mmap(nullptr, kBytes + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) return nullptr;
  return reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(base) + kHuge - 1) & ~(kHuge - 1));
}

void BM_FirstWrite(benchmark::State& state) {
  const int mode = static_cast<int>(state.range(0));
  void* kept_base = nullptr;
  char* kept = mode == 2 ? map_aligned(kept_base) : nullptr;
  if (kept != nullptr) std::memset(kept, 1, kBytes);
  for (auto _ : state) {
    void* base = nullptr;
    char* data = kept;
    if (mode != 2) {
      state.PauseTiming();
      data = map_aligned(base);
      state.ResumeTiming();
      if (data == nullptr) {
        state.SkipWithError("mmap failed");
        break;
      }
      if (mode == 1) {
        ::madvise(data, kBytes, MADV_HUGEPAGE);
        ::madvise(data, kBytes, MADV_POPULATE_WRITE);
      }
    }
    std::memset(data, 2, kBytes);
    benchmark::ClobberMemory();
    if (mode != 2) {
      state.PauseTiming();
      ::munmap(base, kBytes + kHuge);
      state.ResumeTiming();
    }
  }
  if (kept_base != nullptr) ::munmap(kept_base, kBytes + kHuge);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBytes));
  state.SetLabel(mode == 0 ? "fresh_4k" : mode == 1 ? "huge_populate" : "reused");
}

BENCHMARK(BM_FirstWrite)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
