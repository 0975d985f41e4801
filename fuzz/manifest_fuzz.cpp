// Manifest files as `vsrd validate` and `vsrd run` read them: the strict YAML decoder
// (manifests::DecodeManifests: the YAML limits, every kind's decoder, the inline-secret rule),
// then the cross-object checks on the decoded and the incomplete objects
// (manifests::CheckObjectSet), then every diagnostic as printed (FormatDiagnostic escapes the
// text it quotes). The input is one manifest file's bytes.

#include <vector>

#include "fuzz/fuzz_input.hpp"
#include "manifests/decode.hpp"
#include "manifests/diagnostic.hpp"
#include "manifests/object_set.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vsrd::manifests;
  const ManifestFile file = DecodeManifests(vsrd::fuzz::AsText(data, size), "fuzz.yaml");
  std::vector<Object> checked = file.objects;
  checked.insert(checked.end(), file.incomplete.begin(), file.incomplete.end());
  Diagnostics diagnostics = file.diagnostics;
  const Diagnostics set_problems = CheckObjectSet(checked);
  diagnostics.insert(diagnostics.end(), set_problems.begin(), set_problems.end());
  for (const Diagnostic& diagnostic : diagnostics) (void)FormatDiagnostic(diagnostic);
  return 0;
}
