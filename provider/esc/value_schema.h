// The JSON Schema the reference reports for each evaluated value
// (esc.md §1.14): literals are `{type, const}`, arrays of known elements
// tuples, objects records, computed strings `{type: string}`, unknowns the
// schema they carry (or `true`).
#ifndef PROVIDER_ESC_VALUE_SCHEMA_H_
#define PROVIDER_ESC_VALUE_SCHEMA_H_

#include "nlohmann/json.hpp"
#include "provider/esc/json_schema.h"
#include "provider/esc/value.h"

namespace escnative::esc {

// The value's schema as JSON. Note that `const` carries the value itself,
// secrets included, as the reference does: callers decide where it may go.
nlohmann::json SchemaOf(const Value& v);

// The schema of a whole environment (its root value). The reference merges
// the imported schema into the root's once more, so properties defined on
// both sides become records again, every property required.
nlohmann::json EnvironmentSchema(const Value& root);

// Schemas of builtin results and arguments, shared (built once).
SchemaPtr StringSchema();         // {"type":"string"}
SchemaPtr StringArraySchema();    // {"items":{"type":"string"},"type":"array"}
SchemaPtr AnyArraySchema();       // {"items":true,"type":"array"}
SchemaPtr ArrayOfArraysSchema();  // {"items":{"items":true,"type":"array"},"type":"array"}

// A copy of v that reports `schema` (nullptr: derived from the value again).
ValuePtr WithSchema(const ValuePtr& v, SchemaPtr schema);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_VALUE_SCHEMA_H_
