// The invalid-input corpus. Every file under manifests/ and config/ is one bad input whose leading
// comments state exactly what the decoder must report:
//
//   # why: what the case is about
//   # expect: LINE:COL: error: MESSAGE   one per diagnostic, in order, without the "FILE:" prefix
//   # expect-objects: N                  manifests only: documents that still decode (default 0)
//
// Every directory under trees/ is a small checkout (vsrd.yaml, manifests, expected.txt) run
// through `vsrd validate`; expected.txt holds the exact stderr lines with paths relative to the
// case directory, plus "# why: ..." and "# stdout: SUMMARY". The cases are found at run time, so
// a new case is a new file and nothing else; each becomes a test named after it.

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/cli/exit_codes.hpp"
#include "daemon/cli/validate_command.hpp"
#include "daemon/config.hpp"
#include "manifests/decode.hpp"
#include "manifests/diagnostic.hpp"

namespace vsrd {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMinimumCases = 25;

fs::path CorpusDir() { return fs::path(VSRD_CORPUS_DIR); }

/// One corpus case: a file (manifests/, config/) or a directory (trees/).
struct Case {
  std::string name;  ///< the test name: the file or directory name, other than [A-Za-z0-9] as '_'
  fs::path path;
};

// Keeps GoogleTest from printing the fs::path member element by element.
void PrintTo(const Case& c, std::ostream* out) { *out << c.path.string(); }

std::string TestName(const testing::TestParamInfo<Case>& info) { return info.param.name; }

std::string Identifier(std::string_view text) {
  std::string out(text);
  std::replace_if(
      out.begin(), out.end(),
      [](char c) {
        return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
      },
      '_');
  return out;
}

/// The cases in CorpusDir()/subdir, sorted: *.yaml files, or directories.
std::vector<Case> ListCases(std::string_view subdir, bool directories) {
  std::vector<Case> cases;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(CorpusDir() / subdir, error)) {
    const fs::path& path = entry.path();
    if (directories ? entry.is_directory() : path.extension() == ".yaml") {
      cases.push_back(
          Case{Identifier(directories ? path.filename().string() : path.stem().string()), path});
    }
  }
  std::sort(cases.begin(), cases.end(),
            [](const Case& a, const Case& b) { return a.path < b.path; });
  return cases;
}

std::vector<Case> ManifestCases() { return ListCases("manifests", false); }
std::vector<Case> ConfigCases() { return ListCases("config", false); }
std::vector<Case> TreeCases() { return ListCases("trees", true); }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.emplace_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

/// The expectations a case states in its comments.
struct Expectations {
  std::string why;
  std::vector<std::string> lines;  ///< "# expect:" lines, or the stderr lines of expected.txt
  std::optional<std::size_t> objects;
  std::optional<std::string> stdout_line;
  std::vector<std::string> malformed;  ///< comment lines that look like a directive but are not
};

enum class CaseType { kFile, kTree };

/// Reads the directives of a case: "# why:", then "# expect:" and "# expect-objects:" in a
/// single-file case, or "# stdout:" and the stderr lines (every line not starting with '#') in
/// a tree's expected.txt. Other comment lines are free text.
Expectations ParseExpectations(std::string_view text, CaseType type) {
  const auto directive = [](std::string_view line, std::string_view name) {
    return line.starts_with(name) ? std::optional(line.substr(name.size())) : std::nullopt;
  };
  Expectations out;
  for (const auto& line : SplitLines(text)) {
    if (!line.starts_with('#')) {
      if (type == CaseType::kTree && !line.empty()) out.lines.push_back(line);
      continue;
    }
    if (const auto why = directive(line, "# why: ")) {
      out.why = *why;
    } else if (const auto expect = directive(line, "# expect: ");
               expect && type == CaseType::kFile) {
      out.lines.emplace_back(*expect);
    } else if (const auto count = directive(line, "# expect-objects: ");
               count && type == CaseType::kFile && !count->empty() &&
               std::all_of(count->begin(), count->end(),
                           [](char c) { return c >= '0' && c <= '9'; })) {
      out.objects = std::stoul(std::string(*count));
    } else if (const auto summary = directive(line, "# stdout: ");
               summary && type == CaseType::kTree) {
      out.stdout_line = *summary;
    } else {
      // A misspelt or misplaced directive ("#expect:", "# expected:") must not silently drop an
      // expectation.
      std::string_view rest = std::string_view(line).substr(1);
      while (rest.starts_with(' ')) rest.remove_prefix(1);
      for (const std::string_view name : {"expect", "why", "stdout"}) {
        if (rest.starts_with(name)) out.malformed.push_back(line);
      }
    }
  }
  return out;
}

/// True for "LINE:COL: SEVERITY: MESSAGE" (LINE and COL 1-based) or "SEVERITY: MESSAGE" (a
/// problem with the whole file), or, `with_path`, for any line naming a severity as vsrd prints
/// it ("PATH:LINE:COL: error: ...", "PATH: note: ...", "note: ...").
bool IsDiagnosticLine(std::string_view line, bool with_path) {
  const auto starts_with_severity = [](std::string_view text) {
    return text.starts_with("error: ") || text.starts_with("warning: ") ||
           text.starts_with("note: ");
  };
  if (starts_with_severity(line)) return true;
  if (with_path) {
    return line.find(": error: ") != std::string_view::npos ||
           line.find(": warning: ") != std::string_view::npos ||
           line.find(": note: ") != std::string_view::npos;
  }
  std::size_t i = 0;
  for (int part = 0; part < 2; ++part) {
    const std::size_t start = i;
    while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
    if (i == start || line[start] == '0' || i >= line.size() || line[i] != ':') return false;
    ++i;
  }
  return line.substr(i).starts_with(' ') && starts_with_severity(line.substr(i + 1));
}

/// Checks what every case must state: why it exists and at least one error.
void ExpectWellFormed(const Expectations& expectations, bool with_path) {
  EXPECT_FALSE(expectations.why.empty()) << "the case needs a \"# why: ...\" line";
  for (const auto& line : expectations.malformed) {
    ADD_FAILURE() << "unrecognized directive: " << line;
  }
  const auto is_error = [](const std::string& line) {
    return line.starts_with("error: ") || line.find(": error: ") != std::string::npos;
  };
  EXPECT_TRUE(std::any_of(expectations.lines.begin(), expectations.lines.end(), is_error))
      << "an invalid-input case must expect at least one error";
  for (const auto& line : expectations.lines) {
    EXPECT_TRUE(IsDiagnosticLine(line, with_path)) << "not a diagnostic line: " << line;
  }
}

/// Compares line lists; on a mismatch prints the actual lines in the case's own syntax, so that a
/// new case can be checked by reading its real output.
void ExpectSameLines(const std::vector<std::string>& actual,
                     const std::vector<std::string>& expected, std::string_view prefix) {
  EXPECT_EQ(actual, expected) << [&] {
    std::string listing = "actual output:\n";
    for (const auto& line : actual) listing.append(prefix).append(line).append("\n");
    return listing;
  }();
}

/// FormatDiagnostic of each diagnostic, without the leading "FILE:".
std::vector<std::string> FormatWithoutFile(const manifests::Diagnostics& diagnostics,
                                           const std::string& file) {
  std::vector<std::string> out;
  for (const auto& diagnostic : diagnostics) {
    std::string line = manifests::FormatDiagnostic(diagnostic);
    if (line.starts_with(file + ":")) line.erase(0, file.size() + 1);
    if (line.starts_with(' ')) line.erase(0, 1);  // a location without line:column
    out.push_back(std::move(line));
  }
  return out;
}

class ManifestCorpus : public testing::TestWithParam<Case> {};
class ConfigCorpus : public testing::TestWithParam<Case> {};
class TreeCorpus : public testing::TestWithParam<Case> {};

TEST_P(ManifestCorpus, ReportsExactlyTheExpectedDiagnostics) {
  const fs::path& path = GetParam().path;
  const std::string text = ReadFile(path);
  const Expectations expectations = ParseExpectations(text, CaseType::kFile);
  ExpectWellFormed(expectations, false);

  const std::string file = path.filename().string();
  const manifests::ManifestFile result = manifests::DecodeManifests(text, file);
  ExpectSameLines(FormatWithoutFile(result.diagnostics, file), expectations.lines, "# expect: ");
  EXPECT_EQ(result.objects.size(), expectations.objects.value_or(0))
      << "documents that decoded despite the errors";
  EXPECT_TRUE(result.is_manifest);
}

TEST_P(ConfigCorpus, ReportsExactlyTheExpectedDiagnostics) {
  const fs::path& path = GetParam().path;
  const std::string text = ReadFile(path);
  const Expectations expectations = ParseExpectations(text, CaseType::kFile);
  ExpectWellFormed(expectations, false);
  EXPECT_FALSE(expectations.objects.has_value()) << "expect-objects applies to manifests only";

  const std::string file = path.filename().string();
  const daemon::ConfigResult result = daemon::DecodeConfig(text, file);
  ExpectSameLines(FormatWithoutFile(result.diagnostics, file), expectations.lines, "# expect: ");
  EXPECT_FALSE(result.config.has_value()) << "a config with errors must not be returned";
}

TEST_P(TreeCorpus, ValidateReportsExactlyTheExpectedLines) {
  const fs::path& dir = GetParam().path;
  const Expectations expectations =
      ParseExpectations(ReadFile(dir / "expected.txt"), CaseType::kTree);
  ExpectWellFormed(expectations, true);
  EXPECT_TRUE(expectations.stdout_line.has_value()) << "expected.txt needs a \"# stdout:\" line";

  std::ostringstream out;
  std::ostringstream err;
  const int exit_code = daemon::RunValidate(
      daemon::ValidateOptions{.config = (dir / "vsrd.yaml").string(), .paths = {dir.string()}}, out,
      err);
  EXPECT_EQ(exit_code, daemon::kExitError);
  const std::string prefix = dir.string() + "/";
  ExpectSameLines(SplitLines(ReplaceAll(err.str(), prefix, "")), expectations.lines, "");
  EXPECT_EQ(out.str(), expectations.stdout_line.value_or("") + "\n");
}

INSTANTIATE_TEST_SUITE_P(Corpus, ManifestCorpus, testing::ValuesIn(ManifestCases()), TestName);
INSTANTIATE_TEST_SUITE_P(Corpus, ConfigCorpus, testing::ValuesIn(ConfigCases()), TestName);
INSTANTIATE_TEST_SUITE_P(Corpus, TreeCorpus, testing::ValuesIn(TreeCases()), TestName);

TEST(Corpus, HasEnoughCases) {
  const std::size_t total = ManifestCases().size() + ConfigCases().size() + TreeCases().size();
  EXPECT_GE(total, kMinimumCases) << "corpus directory: " << CorpusDir().string();
}

TEST(Corpus, HoldsOnlyCases) {
  // A stray file (a .yml, a README) would silently not be tested.
  for (const std::string_view subdir : {"manifests", "config"}) {
    for (const auto& entry : fs::directory_iterator(CorpusDir() / subdir)) {
      EXPECT_EQ(entry.path().extension(), ".yaml") << entry.path().string();
    }
  }
  for (const auto& entry : fs::directory_iterator(CorpusDir() / "trees")) {
    EXPECT_TRUE(entry.is_directory()) << entry.path().string();
  }
}

}  // namespace
}  // namespace vsrd
