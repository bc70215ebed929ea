#include "provider/resources/property_diff.h"

#include <gtest/gtest.h>

namespace escnative::resources {
namespace {

using Kind = PropertyDiff::Kind;

const ObjectSpec& EnvSpec() {
  return PackageSchema::Get().FindResource("esc:index:Environment")->inputs;
}

std::map<std::string, Kind> Kinds(const DiffResult& r) {
  std::map<std::string, Kind> out;
  for (const auto& [k, v] : r.detailed_diff) out[k] = v.kind;
  return out;
}

TEST(PropertyDiff, NoChange) {
  PropertyMap m{{"name", "dev"}, {"values", PropertyMap{{"a", 1}}}};
  DiffResult r = DiffInputs(EnvSpec(), m, m, {});
  EXPECT_EQ(r.changes, DiffResult::Changes::kNone);
  EXPECT_TRUE(r.detailed_diff.empty());
  EXPECT_TRUE(r.diffs.empty());
}

TEST(PropertyDiff, LeafPathsAndKinds) {
  PropertyMap olds{{"name", "dev"},
                   {"values", PropertyMap{{"secrets", PropertyMap{{"a", "1"}, {"b", "2"}}},
                                          {"list", PropertyArray{1, 2, 3}}}},
                   {"tags", PropertyMap{{"team", "x"}}}};
  PropertyMap news{{"name", "dev"},
                   {"values", PropertyMap{{"secrets", PropertyMap{{"a", "changed"}, {"c", "3"}}},
                                          {"list", PropertyArray{1, 5}}}},
                   {"deletionProtected", true}};
  DiffResult r = DiffInputs(EnvSpec(), olds, news, {});
  EXPECT_EQ(r.changes, DiffResult::Changes::kSome);
  EXPECT_EQ(Kinds(r), (std::map<std::string, Kind>{{"deletionProtected", Kind::kAdd},
                                                   {"tags", Kind::kDelete},
                                                   {"values.list[1]", Kind::kUpdate},
                                                   {"values.list[2]", Kind::kDelete},
                                                   {"values.secrets.a", Kind::kUpdate},
                                                   {"values.secrets.b", Kind::kDelete},
                                                   {"values.secrets.c", Kind::kAdd}}));
  EXPECT_EQ(r.diffs, (std::vector<std::string>{"deletionProtected", "tags", "values"}));
  EXPECT_TRUE(r.replaces.empty());
}

TEST(PropertyDiff, ReplaceOnChangesProperties) {
  DiffResult r = DiffInputs(EnvSpec(), {{"name", "dev"}, {"project", "a"}},
                            {{"name", "prod"}, {"organization", "o"}}, {});
  EXPECT_EQ(Kinds(r), (std::map<std::string, Kind>{{"name", Kind::kUpdateReplace},
                                                   {"organization", Kind::kAddReplace},
                                                   {"project", Kind::kDeleteReplace}}));
  EXPECT_EQ(r.replaces, (std::vector<std::string>{"name", "organization", "project"}));
}

TEST(PropertyDiff, SecretsComparedByPlaintextAndShownAsOneLeaf) {
  PropertyMap olds{{"values", PropertyMap{{"k", PropertyValue::MakeSecret(PropertyMap{{"x", "1"}})}}}};
  PropertyMap same{{"values", PropertyMap{{"k", PropertyValue::MakeSecret(PropertyMap{{"x", "1"}})}}}};
  PropertyMap unwrapped{{"values", PropertyMap{{"k", PropertyMap{{"x", "1"}}}}}};
  PropertyMap changed{{"values", PropertyMap{{"k", PropertyValue::MakeSecret(PropertyMap{{"x", "2"}})}}}};
  EXPECT_EQ(DiffInputs(EnvSpec(), olds, same, {}).changes, DiffResult::Changes::kNone);
  EXPECT_EQ(DiffInputs(EnvSpec(), olds, unwrapped, {}).changes, DiffResult::Changes::kNone);
  EXPECT_EQ(Kinds(DiffInputs(EnvSpec(), olds, changed, {})),
            (std::map<std::string, Kind>{{"values.k", Kind::kUpdate}}));
}

TEST(PropertyDiff, UnknownsAreUpdatesAndIgnoreChangesSkips) {
  PropertyMap olds{{"name", "dev"}, {"tags", PropertyMap{{"a", "1"}, {"b", "1"}}}};
  PropertyMap news{{"name", PropertyValue::MakeUnknown()},
                   {"tags", PropertyMap{{"a", "2"}, {"b", "2"}}}};
  DiffResult r = DiffInputs(EnvSpec(), olds, news, {"tags.a"});
  EXPECT_EQ(Kinds(r), (std::map<std::string, Kind>{{"name", Kind::kUpdateReplace},
                                                   {"tags.b", Kind::kUpdate}}));
}

}  // namespace
}  // namespace escnative::resources
