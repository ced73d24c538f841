// The multiply-accumulate kernels behind Dense's int32 path (rtl_models/mac_kernels.h) with int16 weights
// against the same kernels with int32 weights and a naive int64 sum, on seeded random codes including the
// extremes; the window kernel of convolutions against the naive sum; and DenseLayer::compute() against
// compute_general() (exact products, every cast through quantize()) for layers whose weights fit int16 (the
// int16 kernel) and for layers whose weights do not.
// The seed is printed; TLM4ML_SEED overrides it.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "layers/arithmetic/dense.h"
#include "rtl_models/quantize.h"
#include "rtl_models/mac_kernels.h"
#include "rtl_models/precision.h"
#include "tests/support/seeded_rng.h"

using namespace tlm4ml;

namespace {

using tlm4ml_test::seeded_rng;

// A random int16 code, the two extremes one time in eight each.
int16_t random_int16(std::mt19937_64& rng) {
    const uint64_t r = rng();
    if (r % 16 == 0) return INT16_MIN;
    if (r % 16 == 1) return INT16_MAX;
    return static_cast<int16_t>(static_cast<uint16_t>(rng()));
}

// floor(x * w / 2^right) * 2^left modulo 2^32, computed in int64.
uint32_t naive_product(int64_t x, int64_t w, int right, int left) {
    const int64_t floored = (x * w) >> right;  // arithmetic shift: floor
    return static_cast<uint32_t>(static_cast<uint64_t>(floored) << left);
}

const size_t kInputSizes[] = {1, 3, 4, 5, 16, 67};
const size_t kOutputSizes[] = {1, 5, 15, 16, 33};

TEST(MacKernels, Int16WeightsMatchInt32WeightsAndNaiveSum) {
    auto rng = seeded_rng(1);
    for (size_t n_in : kInputSizes)
        for (size_t n_out : kOutputSizes)
            for (int right : {0, 1, 10, 15})
                for (int left : {0, 3}) {
                    SCOPED_TRACE("n_in " + std::to_string(n_in) + " n_out " + std::to_string(n_out) + " right " +
                                 std::to_string(right) + " left " + std::to_string(left));
                    // The int32 path's precondition: data and weight bits sum to at most 32, so x fits int16 too.
                    std::vector<int32_t> x(n_in), w32(n_in * n_out), col32(n_in * n_out);
                    std::vector<int16_t> w16(n_in * n_out), col16(n_in * n_out);
                    for (auto& v : x) v = random_int16(rng);
                    for (size_t k = 0; k < w16.size(); ++k) w32[k] = w16[k] = random_int16(rng);
                    for (size_t i = 0; i < n_in; ++i)
                        for (size_t j = 0; j < n_out; ++j) {
                            col16[j * n_in + i] = w16[i * n_out + j];
                            col32[j * n_in + i] = w32[i * n_out + j];
                        }
                    std::vector<uint32_t> start(n_out), naive(n_out);
                    for (size_t j = 0; j < n_out; ++j) naive[j] = start[j] = static_cast<uint32_t>(rng());
                    for (size_t i = 0; i < n_in; ++i)
                        for (size_t j = 0; j < n_out; ++j) naive[j] += naive_product(x[i], w32[i * n_out + j], right, left);

                    std::vector<uint32_t> rows16 = start, rows32 = start;
                    mac_rows_mod32(x.data(), n_in, w16.data(), n_out, right, left, rows16.data());
                    mac_rows_mod32(x.data(), n_in, w32.data(), n_out, right, left, rows32.data());
                    EXPECT_EQ(rows16, naive) << "mac_rows_mod32<int16_t>";
                    EXPECT_EQ(rows32, naive) << "mac_rows_mod32<int32_t>";
                    for (size_t j = 0; j < n_out; ++j) {
                        const uint32_t dot16 = start[j] + mac_dot_mod32(x.data(), col16.data() + j * n_in, n_in, right, left);
                        const uint32_t dot32 = start[j] + mac_dot_mod32(x.data(), col32.data() + j * n_in, n_in, right, left);
                        ASSERT_EQ(dot16, naive[j]) << "mac_dot_mod32<int16_t>, output " << j;
                        ASSERT_EQ(dot32, naive[j]) << "mac_dot_mod32<int32_t>, output " << j;
                    }
                }
}

// mac_window_mod32 (a convolution window read in place, sums in registers) against the naive sum: every block
// count, windows of 1..3 rows kept in separate vectors (as in a line buffer), weight rows wider than the
// blocks read (the stride must be honoured), both weight types; int32 weights that do not fit int16 with
// data narrow enough that the products fit 32 bits (the int32 path's precondition).
template <size_t kBlocks, class Weight>
void check_window_kernel(std::mt19937_64& rng, int weight_bits, int data_bits) {
    auto code = [&](int bits) {
        const int64_t lo = -(int64_t{1} << (bits - 1)), hi = (int64_t{1} << (bits - 1)) - 1;
        const uint64_t r = rng();
        if (r % 16 == 0) return lo;
        if (r % 16 == 1) return hi;
        return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
    };
    const size_t lanes = 8 * kBlocks;
    for (size_t n_rows : {1, 2, 3})
        for (size_t row_len : {1, 3, 9, 48})
            for (int right : {0, 1, 10, 15})
                for (int left : {0, 3}) {
                    SCOPED_TRACE("blocks " + std::to_string(kBlocks) + " rows " + std::to_string(n_rows) + " row_len " +
                                 std::to_string(row_len) + " right " + std::to_string(right) + " left " +
                                 std::to_string(left) + " weight bits " + std::to_string(weight_bits));
                    const size_t stride = lanes + 8;  // columns past the blocks hold weights the kernel must skip
                    std::vector<std::vector<int32_t>> row_data(n_rows, std::vector<int32_t>(row_len));
                    std::vector<const int32_t*> rows(n_rows);
                    for (size_t r = 0; r < n_rows; ++r) {
                        for (auto& v : row_data[r]) v = static_cast<int32_t>(code(data_bits));
                        rows[r] = row_data[r].data();
                    }
                    std::vector<Weight> w(n_rows * row_len * stride);
                    for (auto& v : w) v = static_cast<Weight>(code(weight_bits));
                    std::vector<uint32_t> acc(lanes), naive(lanes);
                    for (size_t j = 0; j < lanes; ++j) naive[j] = acc[j] = static_cast<uint32_t>(rng());
                    for (size_t r = 0; r < n_rows; ++r)
                        for (size_t k = 0; k < row_len; ++k)
                            for (size_t j = 0; j < lanes; ++j)
                                naive[j] += naive_product(row_data[r][k], w[(r * row_len + k) * stride + j], right, left);
                    mac_window_mod32<kBlocks>(rows.data(), n_rows, row_len, w.data(), stride, right, left, acc.data());
                    ASSERT_EQ(acc, naive);
                }
}

TEST(MacKernels, WindowKernelMatchesNaiveSum) {
    auto rng = seeded_rng(6);
    check_window_kernel<1, int16_t>(rng, 16, 16);
    check_window_kernel<2, int16_t>(rng, 16, 16);
    check_window_kernel<3, int16_t>(rng, 16, 16);
    check_window_kernel<4, int16_t>(rng, 16, 16);
    check_window_kernel<1, int32_t>(rng, 20, 12);
    check_window_kernel<2, int32_t>(rng, 20, 12);
    check_window_kernel<3, int32_t>(rng, 24, 8);
    check_window_kernel<4, int32_t>(rng, 24, 8);
}

struct DenseCase {
    const char* name;
    const char* data;
    const char* weight;
    const char* accum;
    bool int16_weights;  // the kernel expected to run
};

void check_dense(const DenseCase& c, uint64_t salt) {
    auto rng = seeded_rng(salt);
    for (size_t n_in : kInputSizes)
        for (size_t n_out : kOutputSizes) {
            SCOPED_TRACE(std::string(c.name) + ": n_in " + std::to_string(n_in) + " n_out " + std::to_string(n_out));
            DenseConfig cfg;
            cfg.n_in = n_in;
            cfg.n_out = n_out;
            cfg.data_t = Precision::parse(c.data);
            cfg.weight_t = Precision::parse(c.weight);
            cfg.bias_t = cfg.weight_t;
            cfg.accum_t = Precision::parse(c.accum);
            cfg.result_t = Precision::parse("ap_fixed<16,6,AP_RND,AP_SAT>");
            auto random_code = [&](const Precision& p) {
                const uint64_t r = rng();
                if (r % 16 == 0) return p.min_raw();
                if (r % 16 == 1) return p.max_raw();
                return wrap_to_width(rng(), p.width, p.is_signed);
            };
            for (size_t k = 0; k < n_in * n_out; ++k) cfg.weights.push_back(random_code(cfg.weight_t));
            cfg.weights[0] = cfg.weight_t.max_raw();  // so wide weight types never happen to fit int16
            for (size_t j = 0; j < n_out; ++j) cfg.biases.push_back(random_code(cfg.bias_t));
            const DenseLayer layer("d", cfg);
            ASSERT_TRUE(layer.takes_int32());
            ASSERT_EQ(layer.int16_weights(), c.int16_weights);
            for (int sample = 0; sample < 3; ++sample) {
                std::vector<int64_t> x(n_in);
                for (auto& v : x) v = random_code(cfg.data_t);
                std::vector<int64_t> general(n_out), fast(n_out), from_int32(n_out);
                layer.compute_general(x.data(), general.data());
                layer.compute(x.data(), fast.data());
                ASSERT_EQ(fast, general) << "compute(), sample " << sample;
                const std::vector<int32_t> x32(x.begin(), x.end());
                layer.compute_int32(x32.data(), from_int32.data());
                ASSERT_EQ(from_int32, general) << "compute_int32(), sample " << sample;
            }
        }
}

TEST(DenseInt16Weights, SixteenBitWeightsRunTheInt16Kernel) {
    check_dense({"<16,6> data and weights", "ap_fixed<16,6>", "ap_fixed<16,6>", "ap_fixed<16,6>", true}, 2);
    check_dense({"<8,3> weights, wide accum", "ap_fixed<12,4>", "ap_fixed<8,3>", "ap_fixed<32,12>", true}, 3);
    check_dense({"unsigned data", "ap_ufixed<10,2>", "ap_fixed<16,4>", "ap_fixed<24,8>", true}, 4);
}

TEST(DenseInt16Weights, WiderWeightsKeepTheInt32Kernel) {
    check_dense({"<20,8> weights", "ap_fixed<12,4>", "ap_fixed<20,8>", "ap_fixed<32,12>", false}, 5);
}

}  // namespace
