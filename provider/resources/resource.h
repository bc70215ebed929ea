// The interface every resource and function implements, in PropertyValue
// terms only (no gRPC or protobuf types), so resource logic is tested without
// sockets. Requests mirror the protocol's fields (pulumi-protocol.md §2.2).
#ifndef PROVIDER_RESOURCES_RESOURCE_H_
#define PROVIDER_RESOURCES_RESOURCE_H_

#include <atomic>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "provider/value/property_value.h"

namespace escnative::resources {

enum class LogSeverity { kDebug, kInfo, kWarning, kError };

// Sink for user-visible messages (the engine's Log service). Implementations
// must be thread-safe. Never pass a secret value.
class Logger {
 public:
  virtual ~Logger() = default;
  virtual void Log(LogSeverity severity, absl::string_view message, absl::string_view urn) = 0;
};

// Per-call context: who is calling and whether the engine asked to cancel.
struct CallContext {
  Logger* logger = nullptr;                    // never null in the server
  const std::atomic<bool>* cancelled = nullptr;  // set by Cancel
  bool IsCancelled() const { return cancelled != nullptr && cancelled->load(); }
  void Log(LogSeverity s, absl::string_view message, absl::string_view urn = "") const {
    if (logger != nullptr) logger->Log(s, message, urn);
  }
};

struct CheckFailure {
  std::string property;  // property path, e.g. "tags.team"; empty for the whole object
  std::string reason;
  bool operator==(const CheckFailure& o) const {
    return property == o.property && reason == o.reason;
  }
};

struct CheckRequest {
  std::string urn;
  std::string name;
  std::string type;
  PropertyMap olds;  // previous checked inputs ({} on create)
  PropertyMap news;  // program inputs
  std::string random_seed;
};

struct CheckResult {
  PropertyMap inputs;
  std::vector<CheckFailure> failures;
};

struct PropertyDiff {
  enum class Kind { kAdd, kAddReplace, kDelete, kDeleteReplace, kUpdate, kUpdateReplace };
  Kind kind = Kind::kUpdate;
  bool input_diff = true;  // compared old inputs with new inputs
  bool operator==(const PropertyDiff& o) const {
    return kind == o.kind && input_diff == o.input_diff;
  }
};

struct DiffRequest {
  std::string id;
  std::string urn;
  PropertyMap olds;        // old outputs (state)
  PropertyMap old_inputs;  // old checked inputs
  PropertyMap news;        // new checked inputs
  std::vector<std::string> ignore_changes;
};

struct DiffResult {
  enum class Changes { kUnknown, kNone, kSome };
  Changes changes = Changes::kNone;
  std::vector<std::string> replaces;  // top-level keys
  std::vector<std::string> stables;
  std::vector<std::string> diffs;  // changed top-level keys
  std::map<std::string, PropertyDiff> detailed_diff;  // leaf path -> kind; never values
  bool delete_before_replace = false;
};

struct CreateRequest {
  std::string urn;
  PropertyMap properties;  // checked inputs; unknowns only when preview
  double timeout = 0;
  bool preview = false;
};

struct CreateResult {
  std::string id;  // may be empty only in preview
  PropertyMap outputs;
};

struct ReadRequest {
  std::string id;
  std::string urn;
  std::optional<PropertyMap> properties;  // absent on import
  std::optional<PropertyMap> inputs;      // absent on import
};

struct ReadResult {
  std::string id;  // empty: the object is gone
  std::optional<PropertyMap> outputs;
  std::optional<PropertyMap> inputs;
};

struct UpdateRequest {
  std::string id;
  std::string urn;
  PropertyMap olds;
  PropertyMap old_inputs;
  PropertyMap news;
  std::vector<std::string> ignore_changes;
  double timeout = 0;
  bool preview = false;
};

struct UpdateResult {
  PropertyMap outputs;
};

struct DeleteRequest {
  std::string id;
  std::string urn;
  PropertyMap properties;
  PropertyMap old_inputs;
  double timeout = 0;
};

struct InvokeRequest {
  std::string token;
  PropertyMap args;
  bool preview = false;
};

struct InvokeResult {
  PropertyMap outputs;
  std::vector<CheckFailure> failures;
};

// A custom resource type. Implementations are thread-safe: the engine issues
// calls for many resources concurrently.
class CustomResource {
 public:
  virtual ~CustomResource() = default;
  virtual absl::string_view token() const = 0;
  virtual absl::StatusOr<CheckResult> Check(const CallContext& ctx, const CheckRequest& req) = 0;
  virtual absl::StatusOr<DiffResult> Diff(const CallContext& ctx, const DiffRequest& req) = 0;
  virtual absl::StatusOr<CreateResult> Create(const CallContext& ctx, const CreateRequest& req) = 0;
  virtual absl::StatusOr<ReadResult> Read(const CallContext& ctx, const ReadRequest& req) = 0;
  virtual absl::StatusOr<UpdateResult> Update(const CallContext& ctx, const UpdateRequest& req) = 0;
  virtual absl::Status Delete(const CallContext& ctx, const DeleteRequest& req) = 0;
};

// A function (invoke). Results are never stored in state by the provider.
class Function {
 public:
  virtual ~Function() = default;
  virtual absl::string_view token() const = 0;
  virtual absl::StatusOr<InvokeResult> Invoke(const CallContext& ctx, const InvokeRequest& req) = 0;
};

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_RESOURCE_H_
