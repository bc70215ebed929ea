#include "provider/backend/open_cache.h"

#include <set>
#include <unordered_map>
#include <utility>

#include "provider/crypto/secret_bytes.h"

namespace escnative::backend {
namespace {

using esc::Value;
using esc::ValuePtr;

ValuePtr CopyNode(const ValuePtr& v, std::unordered_map<const Value*, ValuePtr>* done) {
  if (v == nullptr) return nullptr;
  auto it = done->find(v.get());
  if (it != done->end()) return it->second;
  auto copy = std::make_shared<Value>(*v);  // scalars, flags, ranges, schema
  for (ValuePtr& item : copy->array) item = CopyNode(item, done);
  for (auto& [key, value] : copy->object) value = CopyNode(value, done);
  copy->base = CopyNode(v->base, done);
  (*done)[v.get()] = copy;
  return copy;
}

void WipeNode(const Value* v, std::set<const Value*>* done) {
  if (v == nullptr || !done->insert(v).second) return;
  // Only ever called on the cache's own copy, which is never handed out, so
  // nothing else reads it; its nodes were not created const.
  auto* mut = const_cast<Value*>(v);
  if (!mut->text.empty()) crypto::SecureWipe(mut->text.data(), mut->text.size());
  for (const ValuePtr& item : v->array) WipeNode(item.get(), done);
  for (const auto& [key, value] : v->object) WipeNode(value.get(), done);
  WipeNode(v->base.get(), done);
}

}  // namespace

ValuePtr OpenCache::Copy(const ValuePtr& root) {
  std::unordered_map<const Value*, ValuePtr> done;
  return CopyNode(root, &done);
}

void OpenCache::Wipe(const ValuePtr& root) {
  std::set<const Value*> done;
  WipeNode(root.get(), &done);
}

void OpenCache::EvictExpired(absl::Time now) {
  for (auto it = slots_.begin(); it != slots_.end();) {
    it = it->second->expires <= now ? slots_.erase(it) : std::next(it);
  }
}

std::optional<OpenCache::Entry> OpenCache::Find(const std::string& key, absl::Time now) {
  std::shared_ptr<const Slot> slot;
  {
    absl::MutexLock lock(&mu_);
    EvictExpired(now);
    auto it = slots_.find(key);
    if (it == slots_.end()) return std::nullopt;
    slot = it->second;
  }
  Entry out;
  out.closure = slot->entry.closure;
  out.revision = slot->entry.revision;
  out.diagnostics = slot->entry.diagnostics;
  out.root = Copy(slot->entry.root);
  return out;
}

void OpenCache::Put(const std::string& key, const Entry& entry, absl::Time now) {
  Entry own;
  own.closure = entry.closure;
  own.revision = entry.revision;
  own.diagnostics = entry.diagnostics;
  own.root = Copy(entry.root);
  auto slot = std::make_shared<const Slot>(std::move(own), now + ttl_);
  absl::MutexLock lock(&mu_);
  EvictExpired(now);
  slots_.erase(key);
  // Bounded: the soonest to expire goes first.
  while (slots_.size() >= max_entries_ && !slots_.empty()) {
    auto oldest = slots_.begin();
    for (auto s = slots_.begin(); s != slots_.end(); ++s) {
      if (s->second->expires < oldest->second->expires) oldest = s;
    }
    slots_.erase(oldest);
  }
  slots_.emplace(key, std::move(slot));
}

void OpenCache::Forget(const std::string& key) {
  absl::MutexLock lock(&mu_);
  slots_.erase(key);
}

}  // namespace escnative::backend
