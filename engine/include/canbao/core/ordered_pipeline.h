// The pipeline shape every bulk stage of canbao uses (ingestion per feed, the cross-match, the
// synthetic city): a serial in-order producer, a parallel transform and a serial in-order
// consumer over MB-sized work items (oneTBB parallel_pipeline, 2 tokens per thread). Items reach
// the consumer in the order they were produced, so whatever it writes does not depend on the
// thread count. The first error the consumer returns stops the producer and is the result.
#pragma once

#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <memory>

#include "canbao/core/status.h"

namespace canbao {

/// produce(Work&) → bool: fills the next item, false when there is none (called serially, in order).
/// transform(Work&): runs in parallel on different items.
/// consume(Work&) → Status: called serially in production order; an error stops the pipeline.
/// Tokens: 2 per thread (at least 2).
template <typename Work, typename Produce, typename Transform, typename Consume>
Status run_ordered_pipeline(Produce&& produce, Transform&& transform, Consume&& consume) {
  Status status;  // written by the consumer only; read after the pipeline
  // The producer runs concurrently with the consumer: it learns of an error through this flag,
  // never by reading `status` (a data race ThreadSanitizer found in the hand-written pipelines).
  std::atomic<bool> failed{false};
  const size_t tokens = static_cast<size_t>(std::max(2, 2 * tbb::this_task_arena::max_concurrency()));
  tbb::parallel_pipeline(
      tokens,
      tbb::make_filter<void, std::shared_ptr<Work>>(
          tbb::filter_mode::serial_in_order,
          [&](tbb::flow_control& fc) -> std::shared_ptr<Work> {
            auto work = std::make_shared<Work>();
            if (failed.load(std::memory_order_relaxed) || !produce(*work)) {
              fc.stop();
              return nullptr;
            }
            return work;
          }) &
          tbb::make_filter<std::shared_ptr<Work>, std::shared_ptr<Work>>(tbb::filter_mode::parallel,
                                                                         [&](std::shared_ptr<Work> work) {
                                                                           transform(*work);
                                                                           return work;
                                                                         }) &
          tbb::make_filter<std::shared_ptr<Work>, void>(tbb::filter_mode::serial_in_order,
                                                        [&](std::shared_ptr<Work> work) {
                                                          if (!status.ok()) return;
                                                          status = consume(*work);
                                                          if (!status.ok()) failed.store(true, std::memory_order_relaxed);
                                                        }));
  return status;
}

}  // namespace canbao
