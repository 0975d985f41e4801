// The daemon's config file (/etc/vsrd/vsrd.yaml) as every command reads it: daemon::DecodeConfig
// (strict YAML, targets, secrets, http.allowed_hosts, log and policy defaults), the secret
// confinement built from a config that decoded, and every diagnostic as printed. The input is
// the config file's bytes.

#include "daemon/config.hpp"
#include "fuzz/fuzz_input.hpp"
#include "manifests/diagnostic.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vsrd;
  const daemon::ConfigResult result =
      daemon::DecodeConfig(fuzz::AsText(data, size), "/etc/vsrd/vsrd.yaml");
  if (result.config) (void)daemon::ManifestSecrets(*result.config);
  for (const manifests::Diagnostic& diagnostic : result.diagnostics) {
    (void)manifests::FormatDiagnostic(diagnostic);
  }
  return 0;
}
