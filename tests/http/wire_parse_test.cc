// The client-side readers of provider/rest/wire.h invert the server's
// writers: what one side sends, the other reads back unchanged.
#include <gtest/gtest.h>

#include "provider/esc/json_encoding.h"
#include "provider/rest/wire.h"

namespace escnative::rest {
namespace {

TEST(WireParseTest, EnvironmentValuesRoundTripWithSecretAndUnknownFlags) {
  esc::ValuePtr root =
      esc::MakeObject({{"a", esc::MakeString("x")},
                       {"n", esc::MakeNumber("1.5")},
                       {"s", esc::MarkSecret(esc::MakeString("shh"), false)},
                       {"u", esc::MakeUnknown()},
                       {"list", esc::MakeArray({esc::MakeBool(true), esc::MakeNull()})}});
  nlohmann::json wire = EnvironmentJson(*root, /*reveal_secrets=*/true);
  auto back = EnvironmentFromJson(wire);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(EnvironmentJson(**back, true), wire);
  EXPECT_TRUE((*back)->object.at("s")->secret);
  EXPECT_TRUE((*back)->object.at("u")->unknown);
  EXPECT_EQ((*back)->object.at("n")->text, "1.5");
  // {} is an empty environment; garbage is an error, not a crash.
  ASSERT_TRUE(EnvironmentFromJson(nlohmann::json::object()).ok());
  EXPECT_FALSE(EnvironmentFromJson(nlohmann::json::array()).ok());
  EXPECT_FALSE(EnvironmentFromJson({{"properties", {{"a", 1}}}}).ok());
}

TEST(WireParseTest, ShapesRoundTrip) {
  api::EnvironmentInfo info;
  info.ref = {"o", "p", "e"};
  info.created = absl::FromUnixSeconds(1785578400);
  info.modified = absl::FromUnixSeconds(1785578460);
  info.deletion_protected = true;
  auto env = OrgEnvironmentFromJson(OrgEnvironmentJson(info));
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->ref, info.ref);
  EXPECT_EQ(env->modified, info.modified);
  EXPECT_TRUE(env->deletion_protected);

  api::RevisionInfo rev;
  rev.number = 3;
  rev.creator = "me";
  rev.created = info.created;
  rev.tags = {"latest", "stable"};
  auto r = RevisionFromJson(RevisionJson(rev));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->number, 3);
  EXPECT_EQ(r->tags, rev.tags);

  api::AccessToken t;
  t.id = "id1";
  t.kind = "environment";
  t.name = "ci";
  t.created = info.created;
  t.expires_at = absl::FromUnixSeconds(1885578400);
  t.scopes = {{"o/p/*", api::Permission::kOpen}};
  auto tok = AccessTokenFromJson(AccessTokenJson(t));
  ASSERT_TRUE(tok.ok()) << tok.status();
  EXPECT_EQ(tok->id, "id1");
  ASSERT_EQ(tok->scopes.size(), 1u);
  EXPECT_EQ(tok->scopes[0].permission, api::Permission::kOpen);
  EXPECT_EQ(tok->expires_at, t.expires_at);

  esc::Diagnostics diags(1);
  diags[0].summary = "unknown property \"x\"";
  diags[0].path = "values.a";
  diags[0].range.begin = {2, 3, 10};
  diags[0].range.end = {2, 7, 14};
  auto d = DiagnosticsFromJson(DiagnosticsJson(diags));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].summary, diags[0].summary);
  EXPECT_EQ(d[0].range.end.column, 7);

  EXPECT_FALSE(RevisionTagFromJson({{"name", 1}}).ok());
  EXPECT_FALSE(ParseTimeString("yesterday").ok());
  EXPECT_EQ(*ParseTimeString("2026-08-01 10:00:00.000"), *ParseTimeString("2026-08-01T10:00:00Z"));
  // An unknown time format does not make a listing unreadable.
  auto odd = OrgEnvironmentFromJson({{"project", "p"}, {"name", "e"}, {"created", "last week"}});
  ASSERT_TRUE(odd.ok()) << odd.status();
  EXPECT_EQ(odd->created, absl::UnixEpoch());
}

}  // namespace
}  // namespace escnative::rest
