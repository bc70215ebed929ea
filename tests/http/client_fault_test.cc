// The HTTP client and the cloud backend against a small fault-injecting
// server: retries (how many attempts, which requests), Retry-After, resets,
// stalls, bodies that are not JSON, 2xx other than 200, TLS trust. Every
// error text is collected and searched for the access token at the end.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "provider/backend/cloud/cloud_backend.h"
#include "provider/http/client.h"
#include "tests/http/fault_fixture.h"
#include "tests/store/store_test_util.h"

namespace escnative::http {
namespace {

TEST_F(ClientFaultTest, TheScanFindsAPlantedToken) {
  EXPECT_TRUE(LeaksToken(absl::StrCat("GET /x: failed (token ", kToken, ")")));
  EXPECT_FALSE(LeaksToken("GET /x: failed"));
}

TEST_F(ClientFaultTest, ConnectionsAreReused) {
  std::mutex mu;
  std::set<int> ports;
  server_->s().Get("/k", [&](const httplib::Request& req, httplib::Response& res) {
    server_->Hit(req);
    std::lock_guard<std::mutex> lock(mu);
    ports.insert(req.remote_port);
    res.set_content("{}", "application/json");
  });
  server_->Start();
  auto c = MakeClient(Options());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c->Send(Get("/k")).ok());
  EXPECT_EQ(server_->Count("GET /k"), 5);
  EXPECT_EQ(ports.size(), 1u) << "one keep-alive connection for sequential requests";
}

TEST_F(ClientFaultTest, TooManyRequestsHonoursRetryAfter) {
  server_->s().Get("/r", [this](const httplib::Request& req, httplib::Response& res) {
    if (server_->Hit(req) == 1) {
      res.status = 429;
      res.set_header("Retry-After", "7");
      return;
    }
    res.set_content("{}", "application/json");
  });
  server_->Start();
  auto c = MakeClient(Options());
  auto r = c->Send(Get("/r"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(server_->Count("GET /r"), 2);
  ASSERT_EQ(sleeps_.size(), 1u);
  EXPECT_EQ(sleeps_[0], absl::Seconds(7));
  EXPECT_FALSE(server_->bad_auth());
}

TEST_F(ClientFaultTest, UnavailableThenSuccessBacksOffWithJitter) {
  server_->s().Get("/u", [this](const httplib::Request& req, httplib::Response& res) {
    if (server_->Hit(req) <= 2) {
      res.status = 503;
      return;
    }
    res.set_content("ok", "text/plain");
  });
  server_->Start();
  ClientOptions o = Options();
  o.base_backoff = absl::Milliseconds(100);
  auto c = MakeClient(o);
  auto r = c->Send(Get("/u"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->attempts, 3);
  ASSERT_EQ(sleeps_.size(), 2u);
  EXPECT_GE(sleeps_[0], absl::Milliseconds(50));
  EXPECT_LE(sleeps_[0], absl::Milliseconds(100));
  EXPECT_GE(sleeps_[1], absl::Milliseconds(100));
  EXPECT_LE(sleeps_[1], absl::Milliseconds(200));
}

TEST_F(ClientFaultTest, RetriesAreBoundedAndOnlyForRepeatableRequests) {
  server_->s().Get("/down", [this](const httplib::Request& req, httplib::Response& res) {
    server_->Hit(req);
    res.status = 503;
  });
  server_->s().Post("/down", [this](const httplib::Request& req, httplib::Response& res) {
    server_->Hit(req);
    res.status = 503;
  });
  server_->Start();
  ClientOptions o = Options();
  o.retries = 2;
  auto c = MakeClient(o);
  auto r = c->Send(Get("/down"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->attempts, 3);
  EXPECT_EQ(server_->Count("GET /down"), 3);
  ClientRequest post = Get("/down");
  post.method = "POST";
  post.repeatable = false;
  post.body = "{}";
  r = c->Send(post);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(server_->Count("POST /down"), 1);  // never written twice
}

TEST_F(ClientFaultTest, ConnectionResetMidBody) {
  auto reset = [this](const httplib::Request& req, httplib::Response& res) {
    int n = server_->Hit(req);
    if (n == 1) {
      // Promise 1000 bytes, send 10, drop the connection.
      res.set_content_provider(1000, "application/json",
                               [](size_t, size_t, httplib::DataSink& sink) {
                                 sink.write("{\"partial\":", 11);
                                 return false;
                               });
      return;
    }
    res.set_content("{}", "application/json");
  };
  server_->s().Get("/reset", reset);
  server_->s().Post("/reset", reset);
  server_->Start();
  auto c = MakeClient(Options());
  auto r = c->Send(Get("/reset"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(r->body, "{}");
  // Not repeatable: one attempt, a clear error, one request on the server.
  ClientRequest post = Get("/reset");
  post.method = "POST";
  post.repeatable = false;
  auto p = c->Send(post);
  EXPECT_EQ(server_->Count("POST /reset"), 1);
  ASSERT_FALSE(p.ok());
  Seen(p.status());
  EXPECT_TRUE(absl::IsUnavailable(p.status())) << p.status();
  EXPECT_TRUE(absl::StrContains(p.status().message(), "POST /reset")) << p.status();
  EXPECT_TRUE(absl::StrContains(p.status().message(), "after 1 attempt")) << p.status();
}

TEST_F(ClientFaultTest, StallPastTheTimeout) {
  server_->s().Get("/stall", [this](const httplib::Request& req, httplib::Response& res) {
    server_->Hit(req);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    res.set_content("{}", "application/json");
  });
  server_->Start();
  ClientOptions o = Options();
  o.timeout = absl::Milliseconds(300);
  o.retries = 1;
  auto c = MakeClient(o);
  absl::Time start = absl::Now();
  auto r = c->Send(Get("/stall"));
  ASSERT_FALSE(r.ok());
  Seen(r.status());
  EXPECT_TRUE(absl::IsDeadlineExceeded(r.status())) << r.status();
  EXPECT_TRUE(absl::StrContains(r.status().message(), "GET /stall")) << r.status();
  EXPECT_TRUE(absl::StrContains(r.status().message(), "after 2 attempts")) << r.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1.4));
  EXPECT_EQ(server_->Count("GET /stall"), 2);
}

TEST_F(ClientFaultTest, PlainHttpOnlyToLoopback) {
  auto refused = Client::Create("http://example.com", ClientOptions());
  ASSERT_FALSE(refused.ok());
  Seen(refused.status());
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "https://")) << refused.status();
  ClientOptions o;
  o.allow_insecure_http = true;
  EXPECT_TRUE(Client::Create("http://example.com", o).ok());
  EXPECT_TRUE(Client::Create("http://localhost:1", ClientOptions()).ok());
  EXPECT_FALSE(Client::Create("ftp://127.0.0.1", ClientOptions()).ok());
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("[::1]"));
  EXPECT_FALSE(IsLoopbackHost("example.com"));
}

TEST_F(ClientFaultTest, RetryAfterParsing) {
  absl::Time now = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(ParseRetryAfter("5", now), absl::Seconds(5));
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:13:30 GMT", now), absl::Seconds(10));
  EXPECT_LT(ParseRetryAfter("soon", now), absl::ZeroDuration());
}

// --- through the cloud backend ----------------------------------------------------

TEST_F(ClientFaultTest, BackendBodyThatIsNotJsonIsAClearError) {
  server_->s().Get("/api/esc/environments/org",
                   [this](const httplib::Request& req, httplib::Response& res) {
                     server_->Hit(req);
                     res.set_content("<html>proxy login</html>", "text/html");
                   });
  server_->Start();
  auto b = Cloud();
  auto listed = b->ListEnvironments("org", "");
  ASSERT_FALSE(listed.ok());
  Seen(listed.status());
  EXPECT_TRUE(absl::StrContains(listed.status().message(), "not JSON")) << listed.status();
  EXPECT_TRUE(absl::StrContains(listed.status().message(), "listing environments of org"))
      << listed.status();
  EXPECT_FALSE(absl::StrContains(listed.status().message(), "proxy login"));
  EXPECT_EQ(server_->Count("GET /api/esc/environments/org"), 1);
}

TEST_F(ClientFaultTest, BackendAcceptsAny2xxAndMapsErrors) {
  server_->s().Post("/api/esc/environments/org",
                    [this](const httplib::Request& req, httplib::Response& res) {
                      server_->Hit(req);
                      res.status = 201;  // not 200: still success
                    });
  server_->s().Get("/api/esc/environments/org/p/e",
                   [this](const httplib::Request& req, httplib::Response& res) {
                     server_->Hit(req);
                     res.set_header("ETag", "\"1-abc\"");
                     res.set_header("Pulumi-ESC-Revision", "1");
                   });
  server_->s().Get("/api/esc/environments/org", [this](const httplib::Request& req,
                                                       httplib::Response& res) {
    server_->Hit(req);
    res.set_content(
        R"({"environments":[{"project":"p","name":"e","created":"2026-08-01T10:00:00Z","modified":"2026-08-01T10:00:00Z","deletionProtected":true}]})",
        "application/json");
  });
  server_->s().Delete("/api/esc/environments/org/p/e",
                      [this](const httplib::Request& req, httplib::Response& res) {
                        server_->Hit(req);
                        res.status = 202;
                      });
  server_->s().Get("/api/esc/environments/org/p/gone", [this](const httplib::Request& req,
                                                              httplib::Response& res) {
    server_->Hit(req);
    res.status = 404;
    res.set_content(R"({"code":404,"message":"environment not found"})", "application/json");
  });
  server_->s().Get("/api/esc/environments/org/p/denied", [this](const httplib::Request& req,
                                                                httplib::Response& res) {
    server_->Hit(req);
    res.status = 401;
    res.set_content(R"({"code":401,"message":"invalid token"})", "application/json");
  });
  server_->s().Patch("/api/esc/environments/org/p/bad", [this](const httplib::Request& req,
                                                               httplib::Response& res) {
    server_->Hit(req);
    res.status = 400;
    res.set_content(
        R"({"code":400,"message":"invalid definition","diagnostics":[{"summary":"unknown property \"x\"","path":"values.a","severity":"error"}]})",
        "application/json");
  });
  server_->s().Patch("/api/esc/environments/org/p/stale", [this](const httplib::Request& req,
                                                                 httplib::Response& res) {
    server_->Hit(req);
    res.status = 409;
    res.set_content(R"({"code":409,"message":"etag mismatch"})", "application/json");
  });
  server_->Start();
  auto b = Cloud();
  store::EnvironmentRef ref{"org", "p", "e"};
  // Create answers 201; the follow-up HEAD and listing fill the info.
  auto created = b->CreateEnvironment(ref);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->etag, "1-abc");
  EXPECT_EQ(created->latest_revision, 1);
  EXPECT_TRUE(created->deletion_protected);
  EXPECT_EQ(server_->Count("POST /api/esc/environments/org"), 1);
  EXPECT_TRUE(b->DeleteEnvironment(ref).ok());

  auto gone = b->GetDefinition({"org", "p", "gone"}, "", false);
  EXPECT_TRUE(absl::IsNotFound(gone.status())) << gone.status();
  Seen(gone.status());
  auto denied = b->GetDefinition({"org", "p", "denied"}, "", false);
  EXPECT_TRUE(absl::IsUnauthenticated(denied.status())) << denied.status();
  EXPECT_TRUE(
      absl::StrContains(denied.status().message(), "reading the definition of org/p/denied"))
      << denied.status();
  Seen(denied.status());
  auto bad = b->UpdateDefinition({"org", "p", "bad"}, "values: {a: ${x}}", std::nullopt);
  ASSERT_TRUE(absl::IsInvalidArgument(bad.status())) << bad.status();
  auto diags = backend::DiagnosticsFromStatus(bad.status());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].summary, "unknown property \"x\"");
  EXPECT_EQ(diags[0].path, "values.a");
  Seen(bad.status());
  auto stale = b->UpdateDefinition({"org", "p", "stale"}, "values: {}", std::string("3-abc"));
  EXPECT_TRUE(absl::IsAborted(stale.status())) << stale.status();
  Seen(stale.status());
  EXPECT_EQ(server_->Count("PATCH /api/esc/environments/org/p/stale"), 1);
  EXPECT_FALSE(server_->bad_auth());
}

TEST_F(ClientFaultTest, ConnectionRefusedIsRetriedForAnyMethod) {
  server_->Start();
  int port = server_->port();
  server_.reset();  // nothing listens there now
  ClientOptions o = Options();
  o.retries = 2;
  auto c = Client::Create(absl::StrCat("http://127.0.0.1:", port), o);
  ASSERT_TRUE(c.ok());
  ClientRequest post = Get("/x");
  post.method = "POST";
  post.repeatable = false;  // never sent, so safe to try again
  auto r = (*c)->Send(post);
  ASSERT_FALSE(r.ok());
  Seen(r.status());
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  EXPECT_TRUE(absl::StrContains(r.status().message(), "after 3 attempts")) << r.status();
  EXPECT_EQ(sleeps_.size(), 2u);
}

TEST_F(ClientFaultTest, OnlyConditionalDefinitionWritesAreRetried) {
  auto flaky = [this](const httplib::Request& req, httplib::Response& res) {
    if (server_->Hit(req) == 1) {
      res.status = 503;
      return;
    }
    res.set_header("ETag", "2-new");
    res.set_header("Pulumi-ESC-Revision", "2");
    res.set_content("{}", "application/json");
  };
  server_->s().Patch("/api/esc/environments/org/p/plain", flaky);
  server_->s().Patch("/api/esc/environments/org/p/guarded", flaky);
  server_->Start();
  auto b = Cloud();
  auto plain = b->UpdateDefinition({"org", "p", "plain"}, "values: {}", std::nullopt);
  EXPECT_TRUE(absl::IsUnavailable(plain.status())) << plain.status();
  EXPECT_TRUE(absl::StrContains(plain.status().message(), "(HTTP 503)")) << plain.status();
  Seen(plain.status());
  EXPECT_EQ(server_->Count("PATCH /api/esc/environments/org/p/plain"), 1);  // not twice
  auto guarded = b->UpdateDefinition({"org", "p", "guarded"}, "values: {}", std::string("1-old"));
  ASSERT_TRUE(guarded.ok()) << guarded.status();
  EXPECT_EQ(guarded->revision, 2);
  EXPECT_EQ(guarded->etag, "2-new");
  EXPECT_EQ(server_->Count("PATCH /api/esc/environments/org/p/guarded"), 2);
}

TEST_F(ClientFaultTest, EnvironmentTokensNeedTheScopesExtension) {
  // A server that makes tokens but knows nothing of scopes (Pulumi Cloud).
  server_->s().Post(
      "/api/orgs/org/tokens", [this](const httplib::Request& req, httplib::Response& res) {
        server_->Hit(req);
        res.set_content(R"({"id":"t1","tokenValue":"pul-new-value"})", "application/json");
      });
  server_->s().Get("/api/orgs/org/tokens", [this](const httplib::Request& req,
                                                  httplib::Response& res) {
    server_->Hit(req);
    res.set_content(
        R"({"tokens":[{"id":"t1","name":"ci","description":"","created":"2026-08-01T10:00:00Z","lastUsed":0,"expires":0,"admin":false}]})",
        "application/json");
  });
  server_->s().Delete("/api/orgs/org/tokens/t1",
                      [this](const httplib::Request& req, httplib::Response& res) {
                        server_->Hit(req);
                        res.status = 204;
                      });
  server_->Start();
  auto b = Cloud();
  store::AccessTokenSpec spec;
  spec.name = "ci";
  spec.scopes = {{"org/default/dev", store::Permission::kRead}};
  auto made = b->CreateAccessToken(spec);
  ASSERT_FALSE(made.ok());
  Seen(made.status());
  EXPECT_TRUE(absl::IsUnimplemented(made.status())) << made.status();
  EXPECT_TRUE(absl::StrContains(made.status().message(), "scopes")) << made.status();
  EXPECT_FALSE(absl::StrContains(made.status().message(), "pul-new-value"));
  EXPECT_EQ(server_->Count("POST /api/orgs/org/tokens"), 1);
  EXPECT_EQ(server_->Count("DELETE /api/orgs/org/tokens/t1"), 1);  // nothing left behind
}

TEST_F(ClientFaultTest, PersonalTokensUseTheUserTokenApi) {
  server_->s().Post(
      "/api/user/tokens", [this](const httplib::Request& req, httplib::Response& res) {
        server_->Hit(req);
        res.set_content(R"({"id":"p1","tokenValue":"pul-personal-value"})", "application/json");
      });
  server_->s().Get("/api/orgs/org/tokens",
                   [this](const httplib::Request& req, httplib::Response& res) {
                     server_->Hit(req);
                     res.set_content(R"({"tokens":[]})", "application/json");
                   });
  server_->s().Get("/api/user/tokens", [this](const httplib::Request& req, httplib::Response& res) {
    server_->Hit(req);
    res.set_content(
        R"({"tokens":[{"id":"p1","description":"laptop","created":"2026-08-01 10:00:00.000","lastUsed":0,"expires":0}]})",
        "application/json");
  });
  server_->s().Delete("/api/user/tokens/p1",
                      [this](const httplib::Request& req, httplib::Response& res) {
                        server_->Hit(req);
                        res.status = 204;
                      });
  server_->Start();
  auto b = Cloud();
  store::AccessTokenSpec spec;
  spec.kind = "personal";
  spec.description = "laptop";
  auto made = b->CreateAccessToken(spec);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->token.id, "p1");
  EXPECT_EQ(made->token.kind, "personal");
  EXPECT_EQ(made->value.Reveal(), "pul-personal-value");
  // Revoke: not an organization token (404 there), so the personal one.
  EXPECT_TRUE(b->RevokeAccessToken("p1").ok());
  EXPECT_EQ(server_->Count("DELETE /api/user/tokens/p1"), 1);
}

// --- TLS ------------------------------------------------------------------------------

class TlsTest : public ClientFaultTest {
 protected:
  void SetUp() override {
    cert_ = dir_.File("cert.pem");
    key_ = dir_.File("key.pem");
    std::string cmd = absl::StrCat(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout '",
        key_, "' -out '", cert_, "' >/dev/null 2>&1");
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl is needed for the TLS tests";
    server_ = std::make_unique<FaultServer>(
        std::make_unique<httplib::SSLServer>(cert_.c_str(), key_.c_str()));
    server_->s().Get("/tls", [this](const httplib::Request& req, httplib::Response& res) {
      server_->Hit(req);
      res.set_content("{}", "application/json");
    });
    server_->Start();
  }
  store::testing::TempDir dir_;
  std::string cert_, key_;
};

TEST_F(TlsTest, UntrustedCertificateIsAClearError) {
  ClientOptions o = Options();
  o.ca_file = dir_.File("empty-bundle.pem");  // trusts nothing we made
  std::system(absl::StrCat("cp /etc/ssl/certs/ca-certificates.crt '", o.ca_file,
                           "' 2>/dev/null || : > '", o.ca_file, "'")
                  .c_str());
  auto c = MakeClient(o, "https");
  auto r = c->Send(Get("/tls"));
  ASSERT_FALSE(r.ok());
  Seen(r.status());
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  EXPECT_TRUE(absl::StrContains(r.status().message(), "not trusted")) << r.status();
  EXPECT_EQ(server_->Count("GET /tls"), 0);  // nothing reached a handler
}

TEST_F(TlsTest, TheTestCaPassedInWorks) {
  ClientOptions o = Options();
  o.ca_file = cert_;
  auto c = MakeClient(o, "https");
  auto r = c->Send(Get("/tls"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->attempts, 1);
}

TEST_F(TlsTest, SslCertFileIsHonoured) {
  ::setenv("SSL_CERT_FILE", cert_.c_str(), 1);
  auto c = MakeClient(Options(), "https");
  ::unsetenv("SSL_CERT_FILE");
  auto r = c->Send(Get("/tls"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
}

}  // namespace
}  // namespace escnative::http
