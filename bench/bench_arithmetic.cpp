// Cost of the bit-true arithmetic core: one hls4ml Dense MAC (product cast to accum_t, partial sum
// re-stored in accum_t) with tlm4ml's Dense kernel and with its general Requantizer casts, the same with
// SystemC sc_fixed, a plain int32 MAC as the floor, and a 1024-bit XNOR dot product. Run everything in one process so the ratios come from one run:
//   ./build/bench/bench_arithmetic --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <systemc>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "rtl_models/mac_kernels.h"
#include "rtl_models/packed_bits.h"
#include "rtl_models/precision.h"
#include "rtl_models/quantize.h"

// libsystemc references sc_main; Google Benchmark's main() runs instead.
int sc_main(int, char**) { return 0; }

namespace {

using tlm4ml::Precision;
using tlm4ml::Requantizer;

constexpr int kLength = 1024;
using fixed16_6 = sc_dt::sc_fixed<16, 6>;  // TRN / WRAP, like ap_fixed<16,6>

// One dot product's operands as ap_fixed<16,6> raw codes (data, weights, bias), with a fixed seed.
struct MacOperands {
    std::vector<int16_t> x16, w16;
    std::vector<int64_t> x64, w64;
    std::vector<int32_t> x32, w32;
    int16_t bias = 0;

    MacOperands() {
        std::mt19937_64 rng(12345);
        // N(0, 1)-ish values in units of 2^-10, like the reference model's activations and weights.
        std::normal_distribution<double> normal(0.0, 1024.0);
        for (int i = 0; i < kLength; ++i) {
            x16.push_back(static_cast<int16_t>(std::lround(normal(rng))));
            w16.push_back(static_cast<int16_t>(std::lround(normal(rng) * 0.5)));
        }
        x64.assign(x16.begin(), x16.end());
        x32.assign(x16.begin(), x16.end());
        w32.assign(w16.begin(), w16.end());
        w64.assign(w16.begin(), w16.end());
        bias = 300;
    }
};

const MacOperands& operands() {
    static const MacOperands ops;
    return ops;
}

const Precision& accum_t() {
    static const Precision p = Precision::parse("ap_fixed<16,6>");
    return p;
}

// The hls4ml Latency/Resource kernel on raw codes: acc = accum_t(bias); acc = accum_t(acc + accum_t(x*w)).
template <typename T>
int64_t mac_requantizer(const T* x, const T* w, int64_t bias, const Requantizer& product_cast,
                        const Requantizer& accumulate) {
    int64_t acc = accumulate(bias);
    for (int i = 0; i < kLength; ++i) acc = accumulate(acc + product_cast(static_cast<int64_t>(x[i]) * w[i]));
    return acc;
}

// The same with sc_fixed<16,6> everywhere; the exact product (sc_fxval) is cast to accum_t first.
int64_t mac_sc_fixed(const std::vector<fixed16_6>& x, const std::vector<fixed16_6>& w, const fixed16_6& bias) {
    fixed16_6 acc = bias;
    for (int i = 0; i < kLength; ++i) {
        const fixed16_6 product = x[i] * w[i];
        acc += product;
    }
    return static_cast<int64_t>(acc.to_double() * 1024.0);
}

// tlm4ml's own Dense kernel (rtl_models/mac_kernels.h), the one DenseLayer runs for TRN/WRAP casts into
// at most 32 bits: each product floored to the accum LSB, the sum taken modulo 2^32 (a wrap is a reduction
// modulo 2^W, which commutes with sums), one wrap to accum_t at the end.
int64_t mac_tlm4ml_kernel(const int32_t* x, const int32_t* w, int64_t bias, int shift) {
    const uint32_t sum = static_cast<uint32_t>(bias) + tlm4ml::mac_dot_mod32(x, w, kLength, shift, 0);
    return tlm4ml::wrap_mod32(sum, 16, true);
}

void BM_Mac16_requantizer_int16(benchmark::State& state) {
    const MacOperands& ops = operands();
    const Requantizer product_cast(2 * accum_t().frac(), accum_t()), accumulate(accum_t().frac(), accum_t());
    for (auto _ : state) {
        int64_t acc = mac_requantizer(ops.x16.data(), ops.w16.data(), ops.bias, product_cast, accumulate);
        benchmark::DoNotOptimize(acc);
    }
    state.SetItemsProcessed(state.iterations() * kLength);
}
BENCHMARK(BM_Mac16_requantizer_int16);

void BM_Mac16_requantizer_int64(benchmark::State& state) {
    const MacOperands& ops = operands();
    const Requantizer product_cast(2 * accum_t().frac(), accum_t()), accumulate(accum_t().frac(), accum_t());
    for (auto _ : state) {
        int64_t acc = mac_requantizer(ops.x64.data(), ops.w64.data(), ops.bias, product_cast, accumulate);
        benchmark::DoNotOptimize(acc);
    }
    state.SetItemsProcessed(state.iterations() * kLength);
}
BENCHMARK(BM_Mac16_requantizer_int64);

void BM_Mac16_sc_fixed(benchmark::State& state) {
    const MacOperands& ops = operands();
    std::vector<fixed16_6> x, w;
    for (int i = 0; i < kLength; ++i) {
        x.emplace_back(ops.x16[i] / 1024.0);
        w.emplace_back(ops.w16[i] / 1024.0);
    }
    const fixed16_6 bias = ops.bias / 1024.0;
    for (auto _ : state) {
        int64_t acc = mac_sc_fixed(x, w, bias);
        benchmark::DoNotOptimize(acc);
    }
    state.SetItemsProcessed(state.iterations() * kLength);
}
BENCHMARK(BM_Mac16_sc_fixed);

void BM_Mac16_tlm4ml_kernel(benchmark::State& state) {
    const MacOperands& ops = operands();
    for (auto _ : state) {
        int64_t acc = mac_tlm4ml_kernel(ops.x32.data(), ops.w32.data(), ops.bias, accum_t().frac());
        benchmark::DoNotOptimize(acc);
    }
    state.SetItemsProcessed(state.iterations() * kLength);
}
BENCHMARK(BM_Mac16_tlm4ml_kernel);


void BM_Mac_int32(benchmark::State& state) {
    const MacOperands& ops = operands();
    const int16_t* x = ops.x16.data();
    const int16_t* w = ops.w16.data();
    for (auto _ : state) {
        int32_t acc = ops.bias;
        for (int i = 0; i < kLength; ++i) acc += static_cast<int32_t>(x[i]) * w[i];
        benchmark::DoNotOptimize(acc);
    }
    state.SetItemsProcessed(state.iterations() * kLength);
}
BENCHMARK(BM_Mac_int32);

void BM_XnorDot1024(benchmark::State& state) {
    std::mt19937_64 rng(777);
    tlm4ml::BitVector a(kLength), b(kLength);
    for (int i = 0; i < kLength; ++i) {
        a.set(i, rng() & 1);
        b.set(i, rng() & 1);
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(a.data());
        benchmark::DoNotOptimize(b.data());
        int64_t dot = tlm4ml::xnor_dot(a, b);
        benchmark::DoNotOptimize(dot);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_XnorDot1024);

// All MAC kernels must agree bit for bit before their speed means anything.
bool kernels_agree() {
    const MacOperands& ops = operands();
    const Requantizer product_cast(2 * accum_t().frac(), accum_t()), accumulate(accum_t().frac(), accum_t());
    std::vector<fixed16_6> x, w;
    for (int i = 0; i < kLength; ++i) {
        x.emplace_back(ops.x16[i] / 1024.0);
        w.emplace_back(ops.w16[i] / 1024.0);
    }
    const int64_t a = mac_requantizer(ops.x16.data(), ops.w16.data(), ops.bias, product_cast, accumulate);
    const int64_t b = mac_requantizer(ops.x64.data(), ops.w64.data(), ops.bias, product_cast, accumulate);
    const int64_t c = mac_sc_fixed(x, w, fixed16_6(ops.bias / 1024.0));
    const int64_t d = mac_tlm4ml_kernel(ops.x32.data(), ops.w32.data(), ops.bias, accum_t().frac());
    if (a == b && a == c && a == d) return true;
    std::fprintf(stderr, "MAC kernels disagree: requantizer %lld / %lld, sc_fixed %lld, kernel %lld\n",
                 static_cast<long long>(a), static_cast<long long>(b), static_cast<long long>(c),
                 static_cast<long long>(d));
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    if (!kernels_agree()) return 1;
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
