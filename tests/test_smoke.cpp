#include <gtest/gtest.h>
#include "rtl_models/quantize.h"
using namespace tlm4ml;
TEST(Smoke, FromDouble) {
  EXPECT_EQ(quantize_double(40.0, Precision::parse("ap_fixed<16,6>")), -24 * 1024);
  EXPECT_EQ(quantize_double(-0.0001, Precision::parse("ap_fixed<16,6>")), -1);
}
