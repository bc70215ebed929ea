// The one set of name rules (esc.md §3.1) that the store, reference parsing,
// the REST routes, escctl and resource Check share.
#include "provider/api/names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "provider/backend/ref.h"
#include "tests/util/status_matchers.h"

namespace escnative::api {
namespace {

using ::escnative::testing::StatusIs;
using ::testing::HasSubstr;

TEST(NamesTest, Organization) {
  for (const std::string& ok : {std::string("abc"), std::string("my-org"), std::string("my_org"),
                                std::string("A1b"), std::string(40, 'a')}) {
    EXPECT_OK(ValidateOrganizationName(ok, "t")) << ok;
  }
  for (const std::string& bad :
       {std::string(""), std::string("ab"), std::string(41, 'a'), std::string("-org"),
        std::string("org-"), std::string("_org"), std::string("my.org"), std::string("my org")}) {
    EXPECT_THAT(ValidateOrganizationName(bad, "t"), StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
}

TEST(NamesTest, ProjectAndEnvironment) {
  for (const char* ok : {"p", "a.b", "a-b_c", "yaml-not", "openness"}) {
    EXPECT_OK(ValidateProjectName(ok, "t")) << ok;
    EXPECT_OK(ValidateEnvironmentName(ok, "t")) << ok;
  }
  for (const std::string& bad : {std::string(""), std::string("."), std::string(".."),
                                 std::string("a/b"), std::string("a b"), std::string(101, 'a')}) {
    EXPECT_THAT(ValidateProjectName(bad, "t"), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_THAT(ValidateEnvironmentName(bad, "t"), StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
  // Reserved for environments only: they collide with /{org}/yaml/... routes.
  for (const char* reserved : {"yaml", "open"}) {
    EXPECT_OK(ValidateProjectName(reserved, "t"));
    absl::Status s = ValidateEnvironmentName(reserved, "myorg/default/x");
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(std::string(s.message()), HasSubstr("in \"myorg/default/x\""));
  }
}

TEST(NamesTest, ReferenceParsingAndStoreRefsApplyTheSameRules) {
  EXPECT_THAT(backend::ParseEnvironmentRef("myorg/default/yaml", "", "").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(backend::ParseEnvironmentRef("ab/default/env", "", "").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_OK(backend::ParseEnvironmentRef("myorg/yaml/env", "", "").status());
  EXPECT_THAT(ValidateEnvironmentRef({"myorg", "default", "open"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_OK(ValidateEnvironmentRef({"myorg", "default", "dev"}));
}

TEST(NamesTest, RevisionTagsAndVersions) {
  EXPECT_OK(ValidateRevisionTagName("stable"));
  EXPECT_OK(ValidateRevisionTagName("v1.2"));
  for (const char* bad : {"", "1st", "latest", ".", "a b"}) {
    EXPECT_THAT(ValidateRevisionTagName(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
  for (const char* ok : {"", "1", "42", "latest", "stable", "v1.2"}) {
    EXPECT_OK(ValidateVersion(ok, "t")) << ok;
  }
  for (const char* bad : {"0", "00", "1a", "1234567890123456789", "a b"}) {
    EXPECT_THAT(ValidateVersion(bad, "t"), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(NamesTest, ScopePatterns) {
  EXPECT_OK(ValidateScopePattern("myorg/default/*"));
  EXPECT_OK(ValidateScopePattern("*/*/*"));
  EXPECT_THAT(ValidateScopePattern("myorg/default"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateScopePattern("myorg/default/yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(NamesTest, EchoesNamesEscaped) {
  absl::Status s = ValidateEnvironmentName("a\x1b[31m", "ctx");
  EXPECT_EQ(std::string(s.message()).find('\x1b'), std::string::npos) << s;
}

}  // namespace
}  // namespace escnative::api
