#include "adapter_internal.h"

#include <algorithm>
#include <string>
#include <vector>

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
      found->mask |= FieldMask{1} << field;
      continue;
    }
    Entry entry;
    entry.name = keys_[field];
    entry.mask = FieldMask{1} << field;
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


namespace {

constexpr int kGbkLeads = 0xFE - 0x81 + 1;
constexpr int kGbkTrails = 0xFE - 0x40 + 1;

// Every GBK double-byte code and the single byte 0x80, converted once by iconv.
struct GbkTable {
  bool ok = false;
  uint32_t single_0x80 = 0;
  std::vector<uint32_t> codes = std::vector<uint32_t>(kGbkLeads * kGbkTrails, 0);

  static uint32_t convert(iconv_t cd, const char* in, size_t in_size) {
    char out[8];
    char* in_ptr = const_cast<char*>(in);
    size_t in_left = in_size;
    char* out_ptr = out;
    size_t out_left = sizeof(out);
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
    if (iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left) == static_cast<size_t>(-1) || in_left != 0) return 0;
    const size_t len = sizeof(out) - out_left;
    if (len == 0 || len > 3) return 0;
    uint32_t packed = static_cast<uint32_t>(len) << 24;
    for (size_t idx = 0; idx < len; ++idx) packed |= static_cast<uint32_t>(static_cast<unsigned char>(out[idx])) << (8 * idx);
    return packed;
  }

  GbkTable() {
    iconv_t cd = iconv_open("UTF-8", "GBK");
    if (cd == reinterpret_cast<iconv_t>(-1)) return;
    for (int lead = 0x81; lead <= 0xFE; ++lead) {
      for (int trail = 0x40; trail <= 0xFE; ++trail) {
        if (trail == 0x7F) continue;
        const char pair[2] = {static_cast<char>(lead), static_cast<char>(trail)};
        codes[(lead - 0x81) * kGbkTrails + (trail - 0x40)] = convert(cd, pair, 2);
      }
    }
    const char euro = static_cast<char>(0x80);
    single_0x80 = convert(cd, &euro, 1);
    iconv_close(cd);
    ok = true;
  }
};

const GbkTable& gbk_table() {
  static const GbkTable table;  // thread-safe initialisation
  return table;
}

}  // namespace

bool GbkDecoder::open() noexcept {
  try {
    const GbkTable& table = gbk_table();
    table_ = table.ok ? table.codes.data() : nullptr;
  } catch (...) {
    table_ = nullptr;
  }
  return table_ != nullptr;
}

bool GbkDecoder::decode(const char* data, size_t size, std::string& buf, size_t& len, size_t padding) {
  // UTF-8 is at most 3 bytes per input byte (the single byte 0x80, the euro sign, becomes 3).
  const size_t capacity = 3 * size + 16 + padding;
  if (buf.size() < capacity) buf.resize(capacity);
  const auto* in = reinterpret_cast<const unsigned char*>(data);
  const auto* end = in + size;
  char* out = buf.data();
  const uint32_t single_0x80 = gbk_table().single_0x80;
  while (in < end) {
    const unsigned char byte = *in;
    if (byte < 0x80) {
      *out++ = static_cast<char>(byte);
      ++in;
      continue;
    }
    uint32_t packed = 0;
    if (byte == 0x80) {
      packed = single_0x80;
      ++in;
    } else if (byte != 0xFF && in + 1 < end && in[1] >= 0x40 && in[1] <= 0xFE && in[1] != 0x7F) {
      packed = table_[(byte - 0x81) * kGbkTrails + (in[1] - 0x40)];
      in += 2;
    }
    if (packed == 0) return false;
    const uint32_t count = packed >> 24;
    for (uint32_t idx = 0; idx < count; ++idx) *out++ = static_cast<char>((packed >> (8 * idx)) & 0xFF);
  }
  len = static_cast<size_t>(out - buf.data());
  return true;
}
}  // namespace canbao::adapters
