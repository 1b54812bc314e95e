#include "canbao/ingest/adapter_registry.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include "builtin_adapters.h"

namespace canbao {

Status check_adapter_abi(const canbao_adapter* adapter, const std::string& where) {
  if (adapter == nullptr) return Status::Error(where + ": adapter entry returned no table");
  if (adapter->abi_version != CANBAO_ADAPTER_ABI_VERSION)
    return Status::Error(where + ": adapter ABI version " + std::to_string(adapter->abi_version) +
                         ", this canbao needs " + std::to_string(CANBAO_ADAPTER_ABI_VERSION));
  if (adapter->struct_size < sizeof(canbao_adapter))
    return Status::Error(where + ": adapter table too small (" + std::to_string(adapter->struct_size) +
                         " bytes, ABI 1 needs " + std::to_string(sizeof(canbao_adapter)) + ")");
  if (!adapter->open || !adapter->body_start || !adapter->chunk_end || !adapter->parse || !adapter->close)
    return Status::Error(where + ": adapter table has a null function");
  return Status::OK();
}

Result<std::unique_ptr<AdapterRegistry>> AdapterRegistry::MakeWithBuiltins() {
  std::unique_ptr<AdapterRegistry> registry(new AdapterRegistry());
  // Built-ins go through the same checks as plugins.
  CANBAO_RETURN_IF_ERROR(registry->register_adapter("ndjson", canbao_ndjson_adapter()));
  CANBAO_RETURN_IF_ERROR(registry->register_adapter("csv", canbao_csv_adapter()));
  return registry;
}

AdapterRegistry::~AdapterRegistry() {
  for (auto& [path, handle] : handles_) dlclose(handle);
}

Status AdapterRegistry::register_adapter(const std::string& name, const canbao_adapter* adapter) {
  CANBAO_RETURN_IF_ERROR(check_adapter_abi(adapter, name));
  if (!adapters_.emplace(name, adapter).second)
    return Status::Error("adapter '" + name + "' is already registered");
  return Status::OK();
}

const canbao_adapter* AdapterRegistry::find(const std::string& name) const {
  auto it = adapters_.find(name);
  return it == adapters_.end() ? nullptr : it->second;
}

Result<const canbao_adapter*> AdapterRegistry::load_plugin(const std::string& path) {
  if (const canbao_adapter* known = find("plugin:" + path)) return known;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return Status::Error("plugin not found: " + path);
  // A path without '/' would make dlopen search the library path: make it explicit.
  const std::string open_path = path.find('/') == std::string::npos ? "./" + path : path;
  void* handle = dlopen(open_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return Status::Error(path + ": cannot load plugin: " + (why ? why : "unknown error"));
  }
  auto entry = reinterpret_cast<canbao_adapter_entry_fn>(dlsym(handle, CANBAO_ADAPTER_ENTRY_SYMBOL));
  if (entry == nullptr) {
    dlclose(handle);
    return Status::Error(path + ": no symbol " CANBAO_ADAPTER_ENTRY_SYMBOL " (not a canbao adapter plugin)");
  }
  const canbao_adapter* adapter = entry();
  Status status = check_adapter_abi(adapter, path);
  if (!status.ok()) {
    dlclose(handle);
    return status;
  }
  adapters_.emplace("plugin:" + path, adapter);
  handles_.emplace(path, handle);
  return adapter;
}

}  // namespace canbao
