// The per-person snapshot of a run in the state (docs/DECISIONS.md "State"): persons are stored as
// chunks of up to kChunkPersons persons, each chunk one BLOB row of `person_chunks`, self-contained
// (its first key absolute) and checksummed (XXH3-64 of the blob, in the row).
//
// Chunk format 1 (all integers LEB128 varints):
//   u8      format (1)
//   varint  persons in the chunk
//   varint  D, then D zigzag varints: the distinct home districts of the chunk, in order of first use
//   per person, ascending by key:
//     varint  key − previous key (the first: the key itself; never 0 after the first)
//     varint  district index · 4 + R1 state (0–3)
// A city's keys are dense (region · birth date · sequence), so a person takes 2–3 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "canbao/state/state_store.h"

namespace canbao::state_detail {

inline constexpr size_t kChunkPersons = size_t{1} << 20;
inline constexpr uint8_t kChunkFormat = 1;

/// Encodes persons[0, count) (ascending keys, states ≤ 3: checked by the caller) into out.
void encode_person_chunk(const PersonState* persons, size_t count, std::string& out);

/// XXH3-64 of a chunk's bytes.
uint64_t chunk_checksum(std::string_view blob);

/// Decodes one chunk, appending its persons to out. Every key must be above `after` (the last key
/// of the previous chunk, or 0 with `first` set). Returns "" or what is wrong with the bytes.
std::string decode_person_chunk(std::string_view blob, bool first, PersonKey after, std::vector<PersonState>& out);

}  // namespace canbao::state_detail
