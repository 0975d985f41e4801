// vsrd-sim entry point: wiring only; the command line lives in cli.cpp.
#include <iostream>
#include <string_view>
#include <vector>

#include "simulator/server/cli.hpp"

int main(int argc, char** argv) {
  std::vector<std::string_view> args;
  args.reserve(static_cast<std::size_t>(argc));
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return vsrd::simulator::server::RunSimCli(args, std::cout, std::cerr);
}
