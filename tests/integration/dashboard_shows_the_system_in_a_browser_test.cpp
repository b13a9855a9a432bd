// The dashboard in a real browser: Debian's chromium, headless, driven by chromedriver (the
// W3C WebDriver protocol over HTTP), against a running `tokenflow up`. The page must show a
// rising message count, at least one alert row, a filled top-tokens table, the latest prices and the sink
// group's lag, with no console errors; it saves a screenshot (test-artifacts/dashboard.png
// in the build directory).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "http/http_client.hpp"
#include "support/child_process.hpp"
#include "support/pipeline_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  const int port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

std::string find_program(const std::vector<std::string>& candidates) {
  for (const auto& path : candidates) {
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

// A WebDriver session: each call is one HTTP request to chromedriver, answered {"value":..}.
class Browser {
 public:
  Browser(int port, const std::string& chromium)
      : base_("http://127.0.0.1:" + std::to_string(port)), profile_(make_temp_dir("tf-chromium")) {
    const std::string capabilities =
        R"({"capabilities":{"alwaysMatch":{"browserName":"chrome","goog:loggingPrefs":{"browser":"ALL"},)"
        R"("goog:chromeOptions":{"binary":")" + chromium +
        R"(","args":["--headless=new","--no-sandbox","--disable-gpu","--disable-dev-shm-usage",)"
        R"("--window-size=1500,1300","--user-data-dir=)" + profile_ + R"("]}}}})";
    auto answer = post("/session", capabilities);
    simdjson::dom::element value;
    std::string_view id;
    if (parser_.parse(answer).get(value) == simdjson::SUCCESS &&
        value["value"]["sessionId"].get(id) == simdjson::SUCCESS) {
      session_ = "/session/" + std::string(id);
    } else {
      error_ = answer;
    }
  }
  // chromedriver's /shutdown quits every session, closing its chromium: a chromedriver merely
  // killed leaves its chromium running (found: 130 of their processes after a day of runs).
  // Then the profile goes.
  ~Browser() { quit(); }
  void quit() {
    if (quit_) return;
    quit_ = true;
    http::HttpOptions options;
    options.request_timeout = 10s;
    http::HttpClient client(options);
    (void)client.get(base_ + "/shutdown");
    std::error_code ignored;
    std::filesystem::remove_all(profile_, ignored);
  }
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  bool ok() const { return !session_.empty(); }
  const std::string& error() const { return error_; }

  void go(const std::string& url) { post(session_ + "/url", R"({"url":")" + url + R"("})"); }
  // Runs `script` (a function body) in the page; its result as JSON text.
  std::string run(const std::string& script) {
    std::string body = R"({"script":)";
    std::string escaped;
    for (char c : script) {
      if (c == '"' || c == '\\') escaped.push_back('\\');
      if (c == '\n') {
        escaped += "\\n";
        continue;
      }
      escaped.push_back(c);
    }
    body += "\"" + escaped + R"(","args":[]})";
    return value_of(post(session_ + "/execute/sync", body));
  }
  std::string console_log() { return value_of(post(session_ + "/se/log", R"({"type":"browser"})")); }
  std::string screenshot_base64() {
    http::HttpClient client;
    auto answer = client.get(base_ + session_ + "/screenshot");
    if (!answer.ok()) return "";
    std::string_view png;
    simdjson::dom::element value;
    if (parser_.parse(answer->body).get(value) != simdjson::SUCCESS ||
        value["value"].get(png) != simdjson::SUCCESS) {
      return "";
    }
    return std::string(png);
  }

 private:
  std::string post(const std::string& path, const std::string& body) {
    http::HttpOptions options;
    options.request_timeout = 60s;
    http::HttpClient client(options);
    auto answer = client.post_json(base_ + path, body);
    return answer.ok() ? answer->body : answer.error().message;
  }
  std::string value_of(const std::string& answer) {
    simdjson::dom::element value;
    if (parser_.parse(answer).get(value) != simdjson::SUCCESS) return answer;
    return simdjson::minify(value["value"]);
  }

  std::string base_;
  std::string profile_;  // chromium's --user-data-dir
  bool quit_ = false;
  std::string session_;
  std::string error_;
  simdjson::dom::parser parser_;
};

std::string base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  int bits = 0;
  unsigned buffer = 0;
  for (char c : text) {
    const int v = value(c);
    if (v < 0) continue;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

std::int64_t number_in(const std::string& text) {
  std::string digits;
  for (char c : text) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  return digits.empty() ? -1 : std::stoll(digits);
}

TEST(DashboardInABrowser, ShowsTheSystemLiveWithoutConsoleErrors) {
  const std::string chromium = find_program({"/usr/bin/chromium", "/usr/bin/chromium-browser"});
  const std::string driver = find_program({"/usr/bin/chromedriver"});
  ASSERT_FALSE(chromium.empty() || driver.empty())
      << "chromium and chromium-driver are installed by scripts/deps.sh";

  const std::string dir = make_temp_dir("tf-browser");
  ChildProcess up({tokenflow_binary(), "up", "--listen", "127.0.0.1:0", "--rate", "1500",
                   "--quiet-alerts", "--alert-mints-burns", "--malformed-share", "0.002", "--sqlite-path",
                   dir + "/tokenflow.db"},
                  dir + "/up.log", {{"KAFKA_BOOTSTRAP_SERVERS", ""}, {"DATABASE_URL", ""}});
  ASSERT_TRUE(up.wait_for_output("up: dashboard at http://127.0.0.1:", 60s)) << tail_of(up);
  const std::string out = up.output();
  const auto at = out.find("up: dashboard at ") + std::string("up: dashboard at ").size();
  const std::string page = out.substr(at, out.find(' ', at) - at);

  const int driver_port = free_port();
  ChildProcess chromedriver({driver, "--port=" + std::to_string(driver_port)}, dir + "/chromedriver.log");
  ASSERT_TRUE(chromedriver.wait_for_output("started successfully", 20s)) << chromedriver.output();
  Browser browser(driver_port, chromium);
  ASSERT_TRUE(browser.ok()) << browser.error();
  browser.go(page);

  auto wait_for = [&](const std::string& script, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string result;
    while (std::chrono::steady_clock::now() < deadline) {
      result = browser.run(script);
      if (result == "true") return true;
      std::this_thread::sleep_for(500ms);
    }
    ADD_FAILURE() << "the page never satisfied: " << script << "\nlast: " << result;
    return false;
  };
  const std::string transfers_count = R"(
    for (const row of document.querySelectorAll('#topics tbody tr'))
      if (row.cells[0].textContent === 'stablecoin-transfers') return row.cells[2].textContent;
    return '';)";
  EXPECT_TRUE(wait_for("return document.querySelectorAll('#topics tbody tr').length > 0;", 30s));
  std::int64_t first = 0;
  for (int i = 0; i < 60 && first <= 0; ++i) {
    first = number_in(browser.run(transfers_count));
    if (first <= 0) std::this_thread::sleep_for(500ms);
  }
  EXPECT_GT(first, 0);
  // At least one alert row, a filled top-tokens table, the sink group's lag.
  EXPECT_TRUE(wait_for("return document.querySelectorAll('#alerts tbody tr').length > 0;", 90s));
  EXPECT_TRUE(wait_for("return document.querySelectorAll('#top tbody tr').length > 0;", 60s));
  // The latest prices of the simulated sources (17 tokens x 3 sources), each with its price.
  EXPECT_TRUE(wait_for(R"(
    const rows = document.querySelectorAll('#prices tbody tr');
    return rows.length >= 51 && /sim-coingecko/.test(document.getElementById('prices').textContent);)",
                       30s));
  EXPECT_TRUE(wait_for(R"(
    const g = document.querySelector('.group[data-group="tokenflow-up-sink"] .lag');
    return !!g && /lag [0-9,]+ messages/.test(g.textContent);)",
                       30s));
  EXPECT_TRUE(wait_for("return document.getElementById('connection').textContent === 'live';", 10s));
  // The count rises without a reload.
  std::this_thread::sleep_for(2500ms);
  const std::int64_t second = number_in(browser.run(transfers_count));
  EXPECT_GT(second, first) << "the message count did not rise";

  const std::filesystem::path artifacts = std::filesystem::current_path() / "test-artifacts";
  std::filesystem::create_directories(artifacts);
  const std::string png = base64_decode(browser.screenshot_base64());
  EXPECT_GT(png.size(), 10'000u) << "no screenshot";
  std::ofstream(artifacts / "dashboard.png", std::ios::binary) << png;

  const std::string log = browser.console_log();
  EXPECT_EQ(log.find("\"SEVERE\""), std::string::npos) << "console errors: " << log;

  up.signal(SIGINT);
  EXPECT_TRUE(up.wait(15s).has_value());
  browser.quit();
  chromedriver.signal(SIGTERM);
  chromedriver.wait(5s);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tokenflow::testing
