#include <iostream>

#include "cli/keelctl.h"
#include "common/sigpipe_guard.h"

int main(int argc, char** argv) {
  keel::IgnoreSigpipeInThisProcess();
  return keel::cli::RunKeelctl(argc, argv, std::cout, std::cerr);
}
