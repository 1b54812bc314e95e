// The processes of one run (issue #17, docs/DISTRIBUTED.md): a run across N ranks is the same job
// with each rank owning a person-key range. The engine talks to its peers only through this
// interface: two byte-level collectives (every rank's bytes to everyone; rank-addressed bytes to
// each rank) and the typed helpers built on them. dist/mpi_ranks.h implements it with MPI; a
// single process has none (RunOptions::ranks null). A collective that fails (a peer died, the transport broke) comes
// back as an error Status naming the step, never as an abort.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "canbao/core/status.h"

namespace canbao {

class Ranks {
 public:
  virtual ~Ranks() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// out[r] = the bytes rank r passed, on every rank. `step` names the step in errors.
  virtual Status all_gather(std::string_view step, std::string_view mine, std::vector<std::string>& out) = 0;
  /// send[r] goes to rank r; recv[r] = what rank r sent to this one. send.size() == size().
  virtual Status all_to_all(std::string_view step, const std::vector<std::string>& send,
                            std::vector<std::string>& recv) = 0;

  bool solo() const { return size() == 1; }
  bool leader() const { return rank() == 0; }

  /// Every rank's trivially copyable value, in rank order.
  template <typename T>
  Status gather_values(std::string_view step, const T& mine, std::vector<T>& out) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::vector<std::string> parts;
    CANBAO_RETURN_IF_ERROR(all_gather(step, std::string_view(reinterpret_cast<const char*>(&mine), sizeof(T)), parts));
    out.resize(parts.size());
    for (size_t idx = 0; idx < parts.size(); ++idx) {
      if (parts[idx].size() != sizeof(T)) return Status::Error(std::string(step) + ": a rank sent a value of another size");
      std::memcpy(&out[idx], parts[idx].data(), sizeof(T));
    }
    return Status::OK();
  }

  /// Every rank's vector of trivially copyable values, concatenated in rank order, on every rank.
  template <typename T>
  Status gather_vectors(std::string_view step, const std::vector<T>& mine, std::vector<T>& out);

  /// Agrees on one outcome: every rank passes its own status; all get the first error in rank
  /// order (its message as the rank said it: the same line a single process prints), or OK.
  Status agree(std::string_view step, const Status& mine);
};

/// Byte packing for the collectives: trivially copyable values and vectors of them, appended to
/// and read back from a byte string in the same order.
class Packer {
 public:
  explicit Packer(std::string& out) : out_(out) {}
  template <typename T>
  void value(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void bytes(std::string_view data) {
    value(static_cast<uint64_t>(data.size()));
    out_.append(data);
  }
  template <typename T>
  void vec(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes(std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)));
  }
  /// One field of a field list (see Unpacker::operator()): the same list packs and unpacks.
  template <typename T>
  bool operator()(const T& v) {
    value(v);
    return true;
  }
  bool operator()(std::string_view text) {
    bytes(text);
    return true;
  }

 private:
  std::string& out_;
};

class Unpacker {
 public:
  explicit Unpacker(std::string_view in) : in_(in) {}
  template <typename T>
  bool value(T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (in_.size() - at_ < sizeof(T)) return ok_ = false;
    std::memcpy(&v, in_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return true;
  }
  bool bytes(std::string_view& data) {
    uint64_t size = 0;
    if (!value(size) || in_.size() - at_ < size) return ok_ = false;
    data = in_.substr(at_, size);
    at_ += size;
    return true;
  }
  template <typename T>
  bool vec(std::vector<T>& v) {
    std::string_view data;
    if (!bytes(data) || data.size() % sizeof(T) != 0) return ok_ = false;
    v.resize(data.size() / sizeof(T));
    if (!data.empty()) std::memcpy(v.data(), data.data(), data.size());
    return true;
  }
  /// One field of a field list: `fields(row, packer)` packs what `fields(row, unpacker)` reads
  /// back (a text as a view into the bytes unpacked).
  template <typename T>
  bool operator()(T& v) {
    return value(v);
  }
  bool operator()(std::string_view& text) { return bytes(text); }
  bool ok() const { return ok_ && at_ == in_.size(); }
  bool done() const { return at_ == in_.size(); }

 private:
  std::string_view in_;
  size_t at_ = 0;
  bool ok_ = true;
};

template <typename T>
Status Ranks::gather_vectors(std::string_view step, const std::vector<T>& mine, std::vector<T>& out) {
  static_assert(std::is_trivially_copyable_v<T>);
  std::vector<std::string> parts;
  CANBAO_RETURN_IF_ERROR(
      all_gather(step, std::string_view(reinterpret_cast<const char*>(mine.data()), mine.size() * sizeof(T)), parts));
  out.clear();
  for (const std::string& part : parts) {
    if (part.size() % sizeof(T) != 0) return Status::Error(std::string(step) + ": a rank sent values of another size");
    const size_t at = out.size();
    out.resize(at + part.size() / sizeof(T));
    if (!part.empty()) std::memcpy(out.data() + at, part.data(), part.size());
  }
  return Status::OK();
}

}  // namespace canbao
