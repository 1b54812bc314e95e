#include "person_snapshot.h"

#include <xxhash.h>

#include <unordered_map>

namespace canbao::state_detail {
namespace {

inline char* put_varint(char* out, uint64_t value) {
  while (value >= 0x80) {
    *out++ = static_cast<char>(static_cast<uint8_t>(value) | 0x80);
    value >>= 7;
  }
  *out++ = static_cast<char>(value);
  return out;
}

inline uint64_t zigzag(int64_t value) { return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63); }
inline int64_t unzigzag(uint64_t value) { return static_cast<int64_t>(value >> 1) ^ -static_cast<int64_t>(value & 1); }

/// Reads one varint at pos; false when the bytes end or it is longer than 10 bytes.
inline bool get_varint(const uint8_t* data, size_t size, size_t& pos, uint64_t& value) {
  if (pos < size && data[pos] < 0x80) {  // most district/state tags and many key deltas
    value = data[pos++];
    return true;
  }
  value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= size) return false;
    const uint8_t byte = data[pos++];
    value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

void encode_person_chunk(const PersonState* persons, size_t count, std::string& out) {
  // Pass 1: the district table (a city has tens of districts; runs of one district are common).
  std::vector<Region> districts;
  std::unordered_map<Region, uint32_t> index_of;
  for (size_t idx = 0; idx < count; ++idx) {
    if (idx > 0 && persons[idx].home_district == persons[idx - 1].home_district) continue;
    if (index_of.try_emplace(persons[idx].home_district, static_cast<uint32_t>(districts.size())).second)
      districts.push_back(persons[idx].home_district);
  }
  // Pass 2: header, table, persons (≤ 10 bytes of key delta and ≤ 5 of district/state each).
  out.resize(1 + 2 * 10 + districts.size() * 5 + count * 15);
  char* cursor = out.data();
  *cursor++ = static_cast<char>(kChunkFormat);
  cursor = put_varint(cursor, count);
  cursor = put_varint(cursor, districts.size());
  for (const Region district : districts) cursor = put_varint(cursor, zigzag(district));
  PersonKey previous = 0;
  uint64_t index = 0;
  for (size_t idx = 0; idx < count; ++idx) {
    const PersonState& person = persons[idx];
    if (idx == 0 || person.home_district != persons[idx - 1].home_district) index = index_of.find(person.home_district)->second;
    cursor = put_varint(cursor, person.key - previous);
    cursor = put_varint(cursor, (index << 2) | (person.state & 3u));
    previous = person.key;
  }
  out.resize(static_cast<size_t>(cursor - out.data()));
}

uint64_t chunk_checksum(std::string_view blob) { return XXH3_64bits(blob.data(), blob.size()); }

std::string decode_person_chunk(std::string_view blob, bool first, PersonKey after, std::vector<PersonState>& out) {
  const auto* data = reinterpret_cast<const uint8_t*>(blob.data());
  const size_t size = blob.size();
  size_t pos = 0;
  if (size == 0 || data[pos++] != kChunkFormat) return "unknown chunk format";
  uint64_t count = 0, district_count = 0;
  if (!get_varint(data, size, pos, count) || count > size / 2) return "bad person count";
  if (!get_varint(data, size, pos, district_count) || district_count > size) return "bad district count";
  std::vector<Region> districts(district_count);
  for (Region& district : districts) {
    uint64_t value = 0;
    if (!get_varint(data, size, pos, value)) return "truncated district table";
    const int64_t region = unzigzag(value);
    if (region < INT32_MIN || region > INT32_MAX) return "bad district";
    district = static_cast<Region>(region);
  }
  const size_t first_index = out.size();
  out.resize(first_index + count);
  PersonState* person = out.data() + first_index;
  PersonKey previous = 0;
  for (uint64_t idx = 0; idx < count; ++idx, ++person) {
    uint64_t delta = 0, tag = 0;
    if (!get_varint(data, size, pos, delta) || !get_varint(data, size, pos, tag)) {
      out.resize(first_index);
      return "truncated persons";
    }
    person->key = previous + delta;  // the first: the key itself
    if (idx == 0 ? (!first && person->key <= after) : (delta == 0 || person->key < previous)) {
      out.resize(first_index);
      return "keys not ascending";
    }
    if ((tag >> 2) >= districts.size()) {
      out.resize(first_index);
      return "bad district index";
    }
    person->state = static_cast<uint8_t>(tag & 3u);
    person->home_district = districts[tag >> 2];
    previous = person->key;
  }
  if (pos != size) {
    out.resize(first_index);
    return "trailing bytes";
  }
  return {};
}

}  // namespace canbao::state_detail
