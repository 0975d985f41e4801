#pragma once

#include <string>
#include <vector>

namespace vsrd::manifests {

/// A position in an input file. `line` and `column` are 1-based; 0 means "the whole file".
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  friend bool operator==(const SourceLocation&, const SourceLocation&) = default;
};

/// "FILE:LINE:COL", or just "FILE" when the location has no line.
std::string FormatLocation(const SourceLocation& location);

/// One problem found in an input file.
struct Diagnostic {
  enum class Severity { kError, kWarning, kNote };

  SourceLocation location;
  Severity severity = Severity::kError;
  std::string message;

  friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

/// The one-line form every vsrd command prints: "FILE:LINE:COL: error: MESSAGE". The file name
/// and the message may hold anything a manifest or a directory does (a value echoed in quotes, a
/// file name with a newline): the line is escaped with EscapeControls (manifests/escape.hpp), so
/// it is always exactly one line that no input can extend or forge.
std::string FormatDiagnostic(const Diagnostic& diagnostic);

using Diagnostics = std::vector<Diagnostic>;

/// Number of diagnostics of severity kError.
std::size_t CountErrors(const Diagnostics& diagnostics);

/// Sorts by file, line and column; diagnostics at the same position keep their relative order.
void SortByLocation(Diagnostics& diagnostics);

}  // namespace vsrd::manifests
