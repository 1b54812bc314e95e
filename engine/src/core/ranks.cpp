#include "canbao/core/ranks.h"

namespace canbao {

Status Ranks::agree(std::string_view step, const Status& mine) {
  std::string message;
  if (!mine.ok()) message = mine.message().empty() ? std::string("failed") : mine.message();
  std::vector<std::string> all;
  CANBAO_RETURN_IF_ERROR(all_gather(step, message, all));
  for (const std::string& error : all)
    if (!error.empty()) return Status::Error(error);
  return Status::OK();
}

}  // namespace canbao
