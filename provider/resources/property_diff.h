// Value-free detailed diffs: which leaf paths were added, deleted or updated,
// keyed by property path (`values.secrets.apiKey`, `tags["team"]`). Never
// carries a value, so it is safe for secrets.
#ifndef PROVIDER_RESOURCES_PROPERTY_DIFF_H_
#define PROVIDER_RESOURCES_PROPERTY_DIFF_H_

#include <string>
#include <vector>

#include "provider/resources/resource.h"
#include "provider/resources/package_schema.h"
#include "provider/value/property_value.h"

namespace escnative::resources {

// Compares old inputs with new checked inputs. Top-level properties the spec
// marks replaceOnChanges produce *_REPLACE kinds and are listed in `replaces`.
// Paths under an `ignore_changes` path are skipped. A secret is compared by
// its plaintext and reported as one leaf (its inner structure is not shown).
// An unknown new value counts as an update.
DiffResult DiffInputs(const ObjectSpec& spec, const PropertyMap& olds, const PropertyMap& news,
                      const std::vector<std::string>& ignore_changes);

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_PROPERTY_DIFF_H_
