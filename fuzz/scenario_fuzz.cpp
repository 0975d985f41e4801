// vsrd-sim's scenario files (examples/sim/lab.yaml) as `vsrd-sim --scenario` reads them:
// simulator::DecodeScenario (strict YAML, personas, each persona type's state decoder, fault
// rules), and every diagnostic as printed. The input is the scenario file's bytes.

#include "fuzz/fuzz_input.hpp"
#include "manifests/diagnostic.hpp"
#include "simulator/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vsrd;
  const simulator::ScenarioResult result =
      simulator::DecodeScenario(fuzz::AsText(data, size), "scenario.yaml");
  for (const manifests::Diagnostic& diagnostic : result.diagnostics) {
    (void)manifests::FormatDiagnostic(diagnostic);
  }
  return 0;
}
