// The store's SQL schema as an ordered list of migrations.
#ifndef PROVIDER_STORE_MIGRATIONS_H_
#define PROVIDER_STORE_MIGRATIONS_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace escnative::store {

struct Migration {
  int version;            // PRAGMA user_version after it has run
  absl::string_view sql;  // run inside the opening write transaction
};

// Migrations in order; versions are 1, 2, ... without gaps. Never edit a
// released migration: append a new one.
const std::vector<Migration>& Migrations();

}  // namespace escnative::store

#endif  // PROVIDER_STORE_MIGRATIONS_H_
