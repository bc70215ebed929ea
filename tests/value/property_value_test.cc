#include "provider/value/property_value.h"

#include <gtest/gtest.h>

namespace escnative {
namespace {

TEST(PropertyValue, KindsAndAccessors) {
  EXPECT_TRUE(PropertyValue().IsNull());
  EXPECT_TRUE(PropertyValue(true).AsBool());
  EXPECT_EQ(PropertyValue(42).AsNumber(), 42.0);
  EXPECT_EQ(PropertyValue("x").AsString(), "x");
  PropertyValue arr(PropertyArray{1, "a"});
  EXPECT_EQ(arr.AsArray().size(), 2u);
  PropertyValue obj(PropertyMap{{"k", "v"}});
  EXPECT_EQ(obj.AsObject().at("k").AsString(), "v");
  EXPECT_EQ(obj.TypeName(), "object");
}

TEST(PropertyValue, SecretsDoNotNest) {
  PropertyValue s = PropertyValue::MakeSecret(PropertyValue::MakeSecret("pw"));
  ASSERT_TRUE(s.IsSecret());
  EXPECT_EQ(s.AsSecret().value->AsString(), "pw");
  EXPECT_EQ(s.Unsecret(), PropertyValue("pw"));
}

TEST(PropertyValue, DeepSecretAndUnknownDetection) {
  PropertyValue v(PropertyMap{{"a", PropertyArray{1, PropertyMap{{"b", PropertyValue::MakeSecret(2)}}}}});
  EXPECT_TRUE(v.ContainsSecrets());
  EXPECT_FALSE(v.ContainsUnknowns());
  PropertyValue plain = v.RemoveSecrets();
  EXPECT_FALSE(plain.ContainsSecrets());
  EXPECT_EQ(plain.AsObject().at("a").AsArray()[1].AsObject().at("b"), PropertyValue(2));

  PropertyValue u(PropertyArray{PropertyValue::MakeSecret(PropertyValue::MakeUnknown())});
  EXPECT_TRUE(u.ContainsUnknowns());
  ResourceReference ref{"urn:x", std::string(""), "", std::nullopt, std::nullopt};
  EXPECT_TRUE(PropertyValue(ref).ContainsUnknowns()) << "an empty id is an unknown id";
}

TEST(PropertyValue, OutputValuesActAsSecretAndUnknown) {
  OutputValue known;
  known.value = Box<PropertyValue>(PropertyValue("v"));
  known.secret = true;
  PropertyValue k(known);
  EXPECT_TRUE(k.IsSecret());
  EXPECT_FALSE(k.IsComputed());
  EXPECT_EQ(k.Unsecret(), PropertyValue("v"));
  PropertyValue unknown(OutputValue{});
  EXPECT_TRUE(unknown.IsComputed());
  EXPECT_TRUE(unknown.Unsecret().IsUnknown());
}

TEST(PropertyValue, EqualityIsDeep) {
  PropertyValue a(PropertyMap{{"x", PropertyArray{1, 2}}});
  PropertyValue b(PropertyMap{{"x", PropertyArray{1, 2}}});
  PropertyValue c(PropertyMap{{"x", PropertyArray{1, 3}}});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(PropertyValue::MakeSecret("a"), PropertyValue("a"));
  EXPECT_NE(PropertyValue::MakeUnknown(UnknownType::kString),
            PropertyValue::MakeUnknown(UnknownType::kNumber));
}

TEST(PropertyValue, ShapeStringNeverShowsValues) {
  PropertyValue v(PropertyMap{{"apiKey", PropertyValue::MakeSecret("sk-plaintext-123")},
                              {"n", 7},
                              {"name", "visible-name"}});
  std::string shape = v.ShapeString();
  EXPECT_EQ(shape.find("sk-plaintext-123"), std::string::npos);
  EXPECT_EQ(shape.find("visible-name"), std::string::npos);
  EXPECT_EQ(shape, "{apiKey:<secret>,n:<number>,name:<string>}");
}

}  // namespace
}  // namespace escnative
