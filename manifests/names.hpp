#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace vsrd::manifests {

/// RFC 1123 label as Kubernetes uses it for names: 1-63 characters of [a-z0-9-], starting and
/// ending with a letter or digit.
bool IsDns1123Label(std::string_view text);

/// The explanation printed when IsDns1123Label fails.
inline constexpr std::string_view kDns1123LabelRule =
    "use 1-63 lowercase letters, digits and '-', starting and ending with a letter or digit";

/// The candidate closest to `input` for a "did you mean" hint: a case-insensitive match, or the
/// unique best candidate within an edit distance of max(1, len/3) (at most 3). nullopt if none.
/// Costs O(candidates x candidate length^2) whatever the input's length: a candidate whose length
/// differs from the input's by more than the limit is not compared.
std::optional<std::string> ClosestMatch(std::string_view input,
                                        std::span<const std::string_view> candidates);

}  // namespace vsrd::manifests
