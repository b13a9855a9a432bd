#include "cli/app.hpp"

int main(int argc, char** argv) { return tokenflow::cli::run(argc, argv); }
