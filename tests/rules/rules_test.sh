#!/usr/bin/env bash
# scripts/check-rules: the repository keeps every rule of docs/architecture.md, and each check
# can fail: for every rule, a scratch tree with one planted violation must be rejected naming
# that rule, and the same tree without the violation must pass.
#
#   tests/rules/rules_test.sh SOURCE_DIR
set -uo pipefail
src=$(cd "$1" && pwd)
check="$src/scripts/check-rules"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0

if ! "$check" --root "$src"; then
  echo "FAIL: the repository breaks a rule (output above)"
  failures=$((failures + 1))
fi

# plant RULE FILE CONTENT: a tree holding only FILE must break RULE; an empty tree must not.
plant() {
  local rule=$1 file=$2 content=$3
  local tree="$scratch/$rule-$(echo "$file" | tr '/.' '__')"
  mkdir -p "$tree/$(dirname "$file")"
  if ! "$check" --root "$tree" >/dev/null 2>&1; then
    echo "FAIL: $rule: the empty tree is rejected"
    failures=$((failures + 1))
  fi
  printf '%s\n' "$content" >"$tree/$file"
  local output
  output=$("$check" --root "$tree" 2>&1) && {
    echo "FAIL: $rule: $file was accepted:"
    printf '%s\n' "$content"
    failures=$((failures + 1))
    return
  }
  if ! grep -q "rule $rule broken" <<<"$output"; then
    echo "FAIL: $rule: $file was rejected for another reason:"
    echo "$output"
    failures=$((failures + 1))
    return
  fi
  echo "ok: $rule catches $file"
}

plant L1 manifests/object.hpp '#include "daemon/config.hpp"'
plant L2 reconcilers/foo/reconciler.cpp '#include <boost/asio.hpp>'
plant L2 reconcilers/foo/plan.cpp '#include "daemon/vsphere/tls.hpp"'
plant L3 simulator/persona.hpp '#include "reconcilers/context.hpp"'
plant L4 daemon/targets.cpp '#include "simulator/simulator.hpp"'
plant L5 net/listen_address.hpp '#include "daemon/config.hpp"'
plant L6 reconcilers/foo/reconciler.cpp '#include "net/server.hpp"'
plant L7 daemon/engine/controller.cpp '#include "journal.hpp"'
plant L8 manifests/CMakeLists.txt 'target_link_libraries(vsrd_manifests PRIVATE vsrd::daemon)'
plant R1 reconcilers/foo/plan.cpp 'Step Plan(Context& context) { return {}; }'
plant R1 reconcilers/foo/plan.hpp 'Step Plan(const ports::VchaPort& port);'
plant R2 reconcilers/foo/reconciler.cpp 'QueueAction action{QueueAction::Kind::kStall};'
plant R11 reconcilers/foo/reconciler.cpp 'auto task = context.Target().vcha->RedeployPassive(spec);'
plant R3 daemon/engine/controller.cpp 'const auto now = std::chrono::steady_clock::now();'
plant R3 reconcilers/foo/reconciler.cpp 'auto now = std::chrono::system_clock::now();'
plant R3 daemon/daemon.cpp 'std::time_t t = std::time(nullptr);'
plant R3 simulator/vcenter/vcha.cpp 'auto t = std::chrono::system_clock::now();'
plant R4 daemon/engine/controller.cpp 'std::mt19937_64 rng{std::random_device{}()};'
plant R5 daemon/vsphere/tls.cpp 'context.set_verify_mode(ssl::verify_none);'
plant R6 daemon/http/client.cpp '  http::response_parser<http::string_body> parser;
  co_await http::async_read(stream, buffer, parser);  // deadline set above'
plant R7 daemon/http/client.cpp 'co_await stream.async_connect(endpoint);'
plant R8 tests/unit/engine/helpers.cpp 'TEST(Queue, Works) {}'
plant R8 daemon/engine/clock.cpp 'namespace vsrd::engine {'
plant R9 daemon/CMakeLists.txt 'add_library(vsrd_daemon STATIC daemon.cpp)'
# (The names are split with '' so that this file does not break R10 itself.)
plant R10 daemon/engine/clock.hpp '// Time, injected (see ..''/shared''/design/ARCHITECTURE''.md rule 4).'
plant R10 docs/daemon.md 'The status fields are in PRODUCT''.md section 6.'

# Comments may name what a rule forbids.
tree="$scratch/comments"
mkdir -p "$tree/reconcilers"
printf '%s\n' '// never std::chrono::steady_clock::now() here; see QueueAction' >"$tree/reconcilers/a.cpp"
if ! "$check" --root "$tree" >/dev/null 2>&1; then
  echo "FAIL: a comment naming a forbidden call is rejected"
  failures=$((failures + 1))
fi

if ((failures)); then
  echo "$failures failures"
  exit 1
fi
echo "rules test: every check passes the repository and catches its planted violation"
