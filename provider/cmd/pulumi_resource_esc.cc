// pulumi-resource-esc: the plugin binary the Pulumi engine launches.
#include "provider/server/plugin.h"

int main(int argc, char** argv) { return escnative::server::RunPlugin(argc, argv); }
