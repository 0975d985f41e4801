#include "manifests/diagnostic.hpp"

#include <algorithm>
#include <tuple>

#include "manifests/escape.hpp"

namespace vsrd::manifests {

std::string FormatLocation(const SourceLocation& location) {
  if (location.line <= 0) return location.file;
  return location.file + ":" + std::to_string(location.line) + ":" +
         std::to_string(location.column);
}

std::string FormatDiagnostic(const Diagnostic& diagnostic) {
  const char* severity = "note";
  switch (diagnostic.severity) {
    case Diagnostic::Severity::kError:
      severity = "error";
      break;
    case Diagnostic::Severity::kWarning:
      severity = "warning";
      break;
    case Diagnostic::Severity::kNote:
      break;
  }
  return EscapeControls(FormatLocation(diagnostic.location) + ": " + severity + ": " +
                        diagnostic.message);
}

std::size_t CountErrors(const Diagnostics& diagnostics) {
  return static_cast<std::size_t>(std::count_if(
      diagnostics.begin(), diagnostics.end(),
      [](const Diagnostic& d) { return d.severity == Diagnostic::Severity::kError; }));
}

void SortByLocation(Diagnostics& diagnostics) {
  std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const auto& a, const auto& b) {
    return std::tie(a.location.file, a.location.line, a.location.column) <
           std::tie(b.location.file, b.location.line, b.location.column);
  });
}

}  // namespace vsrd::manifests
