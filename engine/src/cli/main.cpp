#include <cstdio>
int main() { std::puts("canbao: under construction"); return 0; }
