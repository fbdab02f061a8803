#include "runtime/cli/commands.h"

int main(int argc, char** argv) { return vessel::cli::run(argc, argv); }
