#include "provider/server/struct_codec.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "provider/server/wire_constants.h"
#include "tests/util/status_matchers.h"

namespace escnative::server {
namespace {

using ::escnative::testing::StatusIs;
using google::protobuf::Struct;

Struct FromJson(const std::string& json) {
  Struct s;
  auto st = google::protobuf::util::JsonStringToMessage(json, &s);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return s;
}

std::string Sig(const char* kind) {
  return std::string("\"") + wire::kSigKey + "\":\"" + kind + "\"";
}

TEST(StructCodec, RoundTripsEveryKind) {
  OutputValue out;
  out.value = Box<PropertyValue>(PropertyValue(PropertyArray{1, "x"}));
  out.secret = true;
  out.dependencies = {"urn:pulumi:s::p::t::a"};
  Archive archive;
  archive.hash = "abc";
  archive.assets = Box<PropertyMap>(PropertyMap{{"f", Asset{"h", std::string("text"), {}, {}}}});
  PropertyMap m{
      {"null", PropertyValue()},
      {"bool", true},
      {"num", 1.5},
      {"str", "s"},
      {"arr", PropertyArray{1, PropertyArray{}, PropertyMap{}}},
      {"obj", PropertyMap{{"nested", PropertyMap{{"deep", "v"}}}}},
      {"secret", PropertyValue::MakeSecret(PropertyMap{{"k", "v"}})},
      {"unknownString", PropertyValue::MakeUnknown(UnknownType::kString)},
      {"unknownBool", PropertyValue::MakeUnknown(UnknownType::kBool)},
      {"unknownNumber", PropertyValue::MakeUnknown(UnknownType::kNumber)},
      {"unknownArray", PropertyValue::MakeUnknown(UnknownType::kArray)},
      {"unknownObject", PropertyValue::MakeUnknown(UnknownType::kObject)},
      {"unknownAsset", PropertyValue::MakeUnknown(UnknownType::kAsset)},
      {"unknownArchive", PropertyValue::MakeUnknown(UnknownType::kArchive)},
      {"ref", ResourceReference{"urn:pulumi:s::p::esc:index:Environment::e", std::string("id1"),
                                "0.1.0", std::string("e"), std::string("esc:index:Environment")}},
      {"refUnknownId", ResourceReference{"urn:x", std::string(""), "", std::nullopt, std::nullopt}},
      {"asset", Asset{"hash", std::nullopt, std::string("/p"), std::nullopt}},
      {"archive", archive},
      {"output", out},
      {"unknownOutput", OutputValue{}},
  };
  Struct s;
  EncodeStruct(m, &s);
  auto back = DecodeStruct(s, "props");
  ASSERT_OK(back);
  EXPECT_EQ(*back, m);
}

TEST(StructCodec, RecognisesSentinelsAtAnyDepth) {
  std::string json = std::string(R"({"a":[{"b":")") + wire::kUnknownString +
                     R"("}],"s":{)" + Sig(wire::kSigSecret) + R"(,"value":{"x":")" +
                     wire::kUnknownNumber + R"("}}})";
  auto m = DecodeStruct(FromJson(json), "news");
  ASSERT_OK(m);
  EXPECT_TRUE(m->at("a").AsArray()[0].AsObject().at("b").IsUnknown());
  const PropertyValue& s = m->at("s");
  ASSERT_TRUE(s.IsSecret());
  EXPECT_EQ(s.AsSecret().value->AsObject().at("x").AsUnknown().type, UnknownType::kNumber);
}

TEST(StructCodec, MalformedSignaturesNameThePath) {
  struct Case {
    std::string json;
    std::string path;
  } cases[] = {
      {R"({"tags":{"team":{)" + Sig(wire::kSigSecret) + "}}}", "news.tags.team"},
      {R"({"x":[1,{)" + Sig("ffffffffffffffffffffffffffffffff") + "}]}", "news.x[1]"},
      {R"({"r":{)" + Sig(wire::kSigResourceReference) + "}}", "news.r"},
      {R"({"r":{)" + Sig(wire::kSigResourceReference) + R"(,"urn":5}})", "news.r.urn"},
      {std::string(R"({"k":{")") + wire::kSigKey + R"(":7}})", "news.k"},
      {R"({"o":{)" + Sig(wire::kSigOutput) + R"(,"secret":"yes"}})", "news.o.secret"},
      {R"({"b":{)" + Sig(wire::kSigByteString) + R"(,"value":"AA=="}})", "news.b"},
      {R"({"a":{)" + Sig(wire::kSigArchive) + R"(,"assets":{"f":1}}})", "news.a.assets.f"},
      {R"({"with space":{)" + Sig(wire::kSigSecret) + "}}", "news[\"with space\"]"},
  };
  for (const auto& c : cases) {
    auto m = DecodeStruct(FromJson(c.json), "news");
    ASSERT_THAT(m, StatusIs(absl::StatusCode::kInvalidArgument)) << c.json;
    EXPECT_EQ(m.status().message().substr(0, c.path.size() + 1), c.path + ":")
        << m.status().message();
  }
}

TEST(StructCodec, SecretErrorsNeverEchoValues) {
  std::string json = R"({"p":{)" + Sig(wire::kSigSecret) + R"(,"value":{"x":{)" +
                     Sig(wire::kSigOutput) + R"(,"secret":"hunter2-plaintext"}}}})";
  auto m = DecodeStruct(FromJson(json), "news");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message().find("hunter2"), absl::string_view::npos) << m.status();
}

}  // namespace
}  // namespace escnative::server
