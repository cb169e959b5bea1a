#include <iostream>

#include "cli/keelctl.h"

int main(int argc, char** argv) { return keel::cli::RunKeelctl(argc, argv, std::cout, std::cerr); }
