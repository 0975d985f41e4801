#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/integration/https_client.hpp"

// vsrd-sim's admin API (/sim/..., docs/simulator.md) as the process tests call it.

namespace vsrd::integration {

/// One admin API call over `admin`: the parsed JSON body (null when empty). The keep-alive
/// connection is reopened once when the simulator closed it; a status of 300 or more, or no
/// answer at all, throws std::runtime_error naming `target`.
inline nlohmann::json SimAdminCall(HttpsClient& admin, http::verb method, const std::string& target,
                                   const std::string& body = "") {
  for (int attempt = 0; attempt < 2; ++attempt) {
    const Result result = admin.Send(method, target, body);
    if (result.error) {
      admin.Close();
      continue;
    }
    const auto code = result.response.result_int();
    if (code >= 300) {
      throw std::runtime_error(target + ": " + std::to_string(code) + " " + result.response.body());
    }
    if (result.response.body().empty()) return nullptr;
    return nlohmann::json::parse(result.response.body());
  }
  throw std::runtime_error("cannot reach vsrd-sim's admin API for " + target);
}

}  // namespace vsrd::integration
