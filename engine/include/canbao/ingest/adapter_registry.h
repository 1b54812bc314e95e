// The adapter registry: built-in adapters and plugins loaded from shared libraries, all behind the
// one C ABI of plugins/include/canbao/adapter_abi.h.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "canbao/adapter_abi.h"
#include "canbao/core/status.h"

namespace canbao {

class AdapterRegistry {
 public:
  /// A registry holding the built-in adapters ("ndjson", "csv"). An error means a built-in adapter
  /// failed its own ABI check (a build problem).
  static Result<std::unique_ptr<AdapterRegistry>> MakeWithBuiltins();
  ~AdapterRegistry();
  AdapterRegistry(const AdapterRegistry&) = delete;
  AdapterRegistry& operator=(const AdapterRegistry&) = delete;

  /// Registers an adapter table under a name. A duplicate name or a table whose abi_version or
  /// struct_size does not fit this engine is an error.
  Status register_adapter(const std::string& name, const canbao_adapter* adapter);

  /// The adapter registered under `name`, or nullptr.
  const canbao_adapter* find(const std::string& name) const;

  /// Loads a plugin shared library (dlopen RTLD_NOW|RTLD_LOCAL), checks its ABI version and
  /// registers it under its path. Loading the same path twice returns the first table.
  /// Errors: "plugin not found: PATH", "PATH: no symbol canbao_adapter_entry",
  /// "PATH: adapter ABI version N, this canbao needs 1".
  /// The table stays valid while the registry lives (the library stays loaded).
  Result<const canbao_adapter*> load_plugin(const std::string& path);

 private:
  AdapterRegistry() = default;
  std::map<std::string, const canbao_adapter*> adapters_;
  std::map<std::string, void*> handles_;  // plugin path -> dlopen handle
};

/// Checks an adapter table against this engine's ABI (shared by built-ins and plugins).
Status check_adapter_abi(const canbao_adapter* adapter, const std::string& where);

}  // namespace canbao
