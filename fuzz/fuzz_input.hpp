#pragma once

// What every fuzz target shares: libFuzzer's entry point and its input as text.

#include <cstddef>
#include <cstdint>
#include <string_view>

// libFuzzer calls this once per input (https://llvm.org/docs/LibFuzzer.html). A target returns
// 0; a crash, a sanitizer report, a leak or a timeout is the finding.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace vsrd::fuzz {

/// The fuzzer's bytes as the text a decoder reads (any bytes, NUL and invalid UTF-8 included).
inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace vsrd::fuzz
