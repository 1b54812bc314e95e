#include "adapter_internal.h"

#include <algorithm>
#include <string>

#include "canbao/records/fields.h"

namespace canbao::adapters {

void KeyTable::build(const char* const* column_names) {
  entries_.clear();
  for (int field = 0; field < CANBAO_F_COUNT; ++field) {
    const char* given = column_names != nullptr ? column_names[field] : nullptr;
    explicit_[field] = given != nullptr;
    keys_[field] = given != nullptr ? std::string(given) : std::string(field_name(field));
    auto found = std::find_if(entries_.begin(), entries_.end(),
                              [&](const Entry& entry) { return entry.name == keys_[field]; });
    if (found != entries_.end()) {
      found->mask |= uint32_t{1} << field;
      continue;
    }
    Entry entry{keys_[field], 0, uint32_t{1} << field};
    std::memcpy(&entry.prefix, entry.name.data(), std::min<size_t>(entry.name.size(), 8));
    entries_.push_back(std::move(entry));
  }
  std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& lhs, const Entry& rhs) {
    return lhs.name.size() < rhs.name.size();
  });
  // bucket_begin_[len] = first entry with name length >= len; names of kMaxBucketLen bytes or
  // more are only found by lookup_slow().
  size_t idx = 0;
  for (size_t len = 0; len <= kMaxBucketLen + 1; ++len) {
    while (idx < entries_.size() && entries_[idx].name.size() < len) ++idx;
    bucket_begin_[len] = static_cast<uint16_t>(std::min(idx, entries_.size()));
  }
}

void write_line_err(char* err, size_t err_size, const char* path, uint64_t line,
                    std::string_view msg) noexcept {
  try {
    std::string text = path != nullptr ? path : "<feed>";
    text += ':';
    text += std::to_string(line);
    text += ": ";
    text += msg;
    for (char& ch : text)
      if (ch == '\n' || ch == '\r') ch = ' ';
    write_err(err, err_size, text);
  } catch (...) {
    write_err(err, err_size, msg);
  }
}

}  // namespace canbao::adapters
