#include <iostream>
#include "rtl_models/precision.h"
int main() { std::cout << tlm4ml::Precision::parse("ap_fixed<16,6>").str() << "\n"; }
