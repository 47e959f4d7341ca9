extern "C" __attribute__((visibility("default"))) int socket(int, int, int) { return -1; }
