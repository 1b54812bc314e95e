#include "adapter_internal.h"

#include <algorithm>
#include <string>

#include "canbao/records/fields.h"

namespace canbao::adapters {

void KeyTable::build(const char* const* column_names) {
  entries_.clear();
  has_backslash_name_ = false;
  for (int field = 0; field < CANBAO_F_COUNT; ++field) {
    const char* given = column_names != nullptr ? column_names[field] : nullptr;
    explicit_[field] = given != nullptr;
    keys_[field] = given != nullptr ? std::string(given) : std::string(field_name(field));
    if (keys_[field].find('\\') != std::string::npos) has_backslash_name_ = true;
    auto found = std::find_if(entries_.begin(), entries_.end(),
                              [&](const Entry& entry) { return entry.name == keys_[field]; });
    if (found != entries_.end()) {
      found->mask |= uint32_t{1} << field;
      continue;
    }
    Entry entry;
    entry.name = keys_[field];
    entry.mask = uint32_t{1} << field;
    size_t size = entry.name.size();
    std::memcpy(&entry.head, entry.name.data(), std::min<size_t>(size, 8));
    if (size >= 8)
      std::memcpy(&entry.tail, entry.name.data() + size - 8, 8);
    else
      entry.tail = entry.head;
    entries_.push_back(std::move(entry));
  }
  // Look for a multiplier that puts every name in its own slot (a few dozen tries on average for
  // 31 names in 256 slots); keep the last one tried otherwise and chain the collisions.
  uint64_t candidate = 0x2545F4914F6CDD1Dull;
  for (int attempt = 0; attempt < 4096; ++attempt) {
    candidate = candidate * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t multiplier = candidate | 1;
    bool used[256] = {};
    bool collision = false;
    for (const Entry& entry : entries_) {
      size_t slot = slot_of(entry.name.size(), entry.head, entry.tail, multiplier);
      if (used[slot]) {
        collision = true;
        break;
      }
      used[slot] = true;
    }
    multiplier_ = multiplier;
    if (!collision) break;
  }
  std::memset(slots_, kEmpty, sizeof slots_);
  for (size_t idx = entries_.size(); idx-- > 0;) {
    size_t slot = slot_of(entries_[idx].name.size(), entries_[idx].head, entries_[idx].tail, multiplier_);
    entries_[idx].next = slots_[slot];
    slots_[slot] = static_cast<uint8_t>(idx);
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
