// The cloud backend against a scripted server that answers as Pulumi Cloud
// does where escctl serve cannot stand in for it: team tokens (escctl serve
// has no teams) and an audit log without our extension (newest first,
// continuation tokens, no sequence numbers).
#include <gmock/gmock.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "tests/http/fault_fixture.h"

namespace escnative::http {
namespace {

void JsonReply(httplib::Response& res, const std::string& body) {
  res.set_content(body, "application/json");
}

class CloudApiTest : public ClientFaultTest {};

TEST_F(CloudApiTest, TeamTokensUseTheTeamTokenApi) {
  server_->s().Post("/api/orgs/org/teams/devs/tokens",
                    [this](const httplib::Request& req, httplib::Response& res) {
                      server_->Hit(req);
                      auto body = nlohmann::json::parse(req.body);
                      EXPECT_EQ(body.value("name", ""), "ci");
                      EXPECT_EQ(body.value("description", ""), "deploys");
                      JsonReply(res, R"({"id":"t1","tokenValue":"pul-team-value"})");
                    });
  server_->s().Get("/api/orgs/org/teams", [this](const httplib::Request& req,
                                                 httplib::Response& res) {
    server_->Hit(req);
    JsonReply(res, R"({"teams":[{"kind":"pulumi","name":"ops"},{"kind":"pulumi","name":"devs"}]})");
  });
  server_->s().Get("/api/orgs/org/teams/ops/tokens",
                   [this](const httplib::Request& req, httplib::Response& res) {
                     server_->Hit(req);
                     JsonReply(res, R"({"tokens":[]})");
                   });
  server_->s().Get("/api/orgs/org/teams/devs/tokens",
                   [this](const httplib::Request& req, httplib::Response& res) {
                     server_->Hit(req);
                     JsonReply(res,
                               R"({"tokens":[{"id":"t1","name":"ci","description":"deploys",)"
                               R"("created":"2026-08-01 10:00:00.000","lastUsed":0,"expires":0}]})");
                   });
  for (const char* list : {"/api/orgs/org/tokens", "/api/user/tokens"}) {
    server_->s().Get(list, [this](const httplib::Request& req, httplib::Response& res) {
      server_->Hit(req);
      JsonReply(res, R"({"tokens":[]})");
    });
  }
  for (const char* gone : {"/api/orgs/org/tokens/t1", "/api/user/tokens/t1"}) {
    server_->s().Delete(gone, [this](const httplib::Request& req, httplib::Response& res) {
      server_->Hit(req);
      res.status = 404;
      JsonReply(res, R"({"code":404,"message":"not found"})");
    });
  }
  server_->s().Delete("/api/orgs/org/teams/devs/tokens/t1",
                      [this](const httplib::Request& req, httplib::Response& res) {
                        server_->Hit(req);
                        res.status = 204;
                      });
  server_->Start();
  auto b = Cloud();

  api::AccessTokenSpec spec;
  spec.kind = "team";
  spec.name = "ci";
  spec.description = "deploys";
  auto missing_team = b->CreateAccessToken(spec);
  EXPECT_TRUE(absl::IsInvalidArgument(missing_team.status())) << missing_team.status();
  EXPECT_EQ(server_->Count("POST /api/orgs/org/teams/devs/tokens"), 0);

  spec.team = "devs";
  auto made = b->CreateAccessToken(spec);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->token.id, "t1");
  EXPECT_EQ(made->token.kind, "team");
  EXPECT_EQ(made->token.team, "devs");
  EXPECT_EQ(made->value.Reveal(), "pul-team-value");
  EXPECT_EQ(server_->Count("POST /api/orgs/org/teams/devs/tokens"), 1);

  // Read by id alone (import, refresh): found in its team's list.
  auto got = b->GetAccessToken("t1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->team, "devs");
  auto all = b->ListAccessTokens(false);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].kind, "team");
  EXPECT_TRUE(absl::IsNotFound(b->GetAccessToken("nope").status()));

  // Revoke: not an organization or personal token, so its team's path.
  EXPECT_TRUE(b->RevokeAccessToken("t1").ok());
  EXPECT_EQ(server_->Count("DELETE /api/orgs/org/teams/devs/tokens/t1"), 1);
  EXPECT_FALSE(server_->bad_auth());
}

// Five events, served newest first in pages of three as Pulumi Cloud does.
void ServePulumiAuditLog(FaultServer* server) {
  server->s().Get("/api/orgs/org/auditlogs", [server](const httplib::Request& req,
                                                      httplib::Response& res) {
    server->Hit(req);
    auto event = [](int i, const char* action) {
      return nlohmann::json{{"timestamp", 1767225600 + i},
                            {"sourceIP", "10.0.0.1"},
                            {"event", action},
                            {"description", absl::StrCat("event ", i)},
                            {"user", {{"name", i % 2 ? "alice" : "bob"}, {"githubLogin", "x"}}}};
    };
    nlohmann::json body;
    if (!req.has_param("continuationToken") || req.get_param_value("continuationToken").empty()) {
      EXPECT_TRUE(req.has_param("startTime")) << "Pulumi Cloud needs startTime or a token";
      body = {{"auditLogEvents",
               {event(5, "environment.open"), event(4, "environment.update"),
                event(3, "environment.open")}},
              {"continuationToken", "page2"}};
    } else {
      EXPECT_EQ(req.get_param_value("continuationToken"), "page2");
      body = {{"auditLogEvents", {event(2, "environment.open"), event(1, "environment.create")}}};
    }
    JsonReply(res, body.dump());
  });
}

TEST_F(CloudApiTest, AuditLogOfAServerWithoutSequenceNumbers) {
  ServePulumiAuditLog(server_.get());
  server_->Start();
  auto b = Cloud();
  api::AuditQuery q;
  auto all = b->ListAuditEvents(q);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 5u);
  for (size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].sequence, static_cast<int64_t>(i) + 1);  // numbered oldest first
    EXPECT_EQ((*all)[i].target, absl::StrCat("event ", i + 1));
  }
  EXPECT_EQ((*all)[0].action, "environment.create");
  EXPECT_EQ((*all)[0].actor, "alice");
  EXPECT_EQ((*all)[0].time, absl::FromUnixSeconds(1767225601));

  q.after_sequence = 3;  // paging forward
  auto rest = b->ListAuditEvents(q);
  ASSERT_TRUE(rest.ok()) << rest.status();
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].sequence, 4);

  q = api::AuditQuery{};
  q.action = "environment.open";
  q.limit = 2;
  auto opens = b->ListAuditEvents(q);
  ASSERT_TRUE(opens.ok()) << opens.status();
  ASSERT_EQ(opens->size(), 2u);
  EXPECT_EQ((*opens)[0].target, "event 2");
  EXPECT_EQ((*opens)[1].target, "event 3");

  q = api::AuditQuery{};
  q.newest_first = true;
  q.limit = 2;
  auto newest = b->ListAuditEvents(q);
  ASSERT_TRUE(newest.ok()) << newest.status();
  ASSERT_EQ(newest->size(), 2u);
  EXPECT_EQ((*newest)[0].target, "event 5");
  EXPECT_EQ((*newest)[1].target, "event 4");
  EXPECT_FALSE(server_->bad_auth());
}

TEST_F(CloudApiTest, AuditLogThatIsNotTheExpectedJsonIsAClearError) {
  server_->s().Get("/api/orgs/org/auditlogs",
                   [this](const httplib::Request& req, httplib::Response& res) {
                     server_->Hit(req);
                     JsonReply(res, R"({"auditLogEvents":[{"event":7}]})");
                   });
  server_->Start();
  auto events = Cloud()->ListAuditEvents(api::AuditQuery{});
  ASSERT_FALSE(events.ok());
  Seen(events.status());
  EXPECT_THAT(std::string(events.status().message()),
              ::testing::HasSubstr("reading the audit log of org"));
}

}  // namespace
}  // namespace escnative::http
