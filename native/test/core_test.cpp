// Runs every C++ core test registered with NNSIM_TEST in native/test/*.cpp (`npm run test:core`).
#include <cstdio>

#include "check.hpp"

int main() {
  using namespace nnsim::test;
  for (const TestCase& t : registeredTests()) {
    const int before = failures;
    t.body();
    std::printf("%-40s %s\n", t.name, failures == before ? "ok" : "FAILED");
  }
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
