#include "layers/arithmetic/merge.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace tlm4ml {

namespace {
struct MergeName {
    MergeOp op;
    const char* name;
};
constexpr MergeName kMergeNames[] = {{MergeOp::Add, "Add"},         {MergeOp::Subtract, "Subtract"},
                                     {MergeOp::Multiply, "Multiply"}, {MergeOp::Average, "Average"},
                                     {MergeOp::Maximum, "Maximum"}, {MergeOp::Minimum, "Minimum"},
                                     {MergeOp::Concatenate, "Concatenate"}};

size_t product(const std::vector<size_t>& s) {
    size_t n = 1;
    for (size_t d : s) n *= d;
    return n;
}
}  // namespace

const char* merge_class_name(MergeOp op) {
    for (const auto& m : kMergeNames)
        if (m.op == op) return m.name;
    return "Merge";
}

bool parse_merge_class(const std::string& cls, MergeOp& op) {
    for (const auto& m : kMergeNames)
        if (cls == m.name) {
            op = m.op;
            return true;
        }
    return false;
}

size_t MergeConfig::n_in1() const { return op == MergeOp::Concatenate ? product(shape1) : n_elem; }
size_t MergeConfig::n_in2() const { return op == MergeOp::Concatenate ? product(shape2) : n_elem; }
size_t MergeConfig::n_out() const { return op == MergeOp::Concatenate ? n_in1() + n_in2() : n_elem; }

std::vector<size_t> MergeConfig::out_shape() const {
    std::vector<size_t> s = shape1;
    if (op == MergeOp::Concatenate && axis < s.size()) s[axis] += shape2[axis];
    return s;
}

MergeLayer::MergeLayer(std::string name, MergeConfig cfg)
    : Layer(std::move(name), merge_class_name(cfg.op), cfg.n_in1() + cfg.n_in2(), cfg.n_out(), cfg.input1_t,
            cfg.result_t, cfg.reuse_factor),
      cfg_(std::move(cfg)) {
    const MergeConfig& c = cfg_;
    const std::string who = class_name_ + " " + name_;
    if (c.op == MergeOp::Concatenate) {
        if (c.shape1.empty() || c.shape1.size() != c.shape2.size())
            throw std::invalid_argument(who + ": both inputs need the same rank");
        if (c.axis >= c.shape1.size()) throw std::invalid_argument(who + ": axis out of range");
        for (size_t i = 0; i < c.shape1.size(); ++i)
            if (i != c.axis && c.shape1[i] != c.shape2[i])
                throw std::invalid_argument(fmt::format("{}: input shapes differ on axis {} ({} vs {}), not only on "
                                                        "the concatenation axis {}",
                                                        who, i, c.shape1[i], c.shape2[i], c.axis));
        if (n_in_ == 0) throw std::invalid_argument(who + ": empty inputs");
    } else if (c.n_elem == 0) {
        throw std::invalid_argument(who + ": empty inputs");
    }
    if ((c.op == MergeOp::Maximum || c.op == MergeOp::Minimum) && c.input1_t != c.input2_t)
        throw std::invalid_argument(fmt::format(
            "{}: inputs of different types ({} and {}): hls4ml's (in1 > in2) ? in1 : in2 does not compile for two "
            "ap_fixed types (an ambiguous conditional); give both inputs the same result type",
            who, c.input1_t.str(), c.input2_t.str()));
    const int f1 = c.input1_t.frac(), f2 = c.input2_t.frac();
    frac_ = std::max(f1, f2);
    shift1_ = frac_ - f1;
    shift2_ = frac_ - f2;
    if (shift1_ > 60 || shift2_ > 60) throw std::invalid_argument(who + ": the input types' LSBs are too far apart");
    cast1_ = Requantizer(f1, c.result_t);
    cast2_ = Requantizer(f2, c.result_t);
    if (c.op == MergeOp::Average) {
        // (in1 + in2) / (res_T)2: the divisor is the constant 2 stored in res_T with its own modes.
        divisor_ = quantize_double(2.0, c.result_t);
        if (divisor_ == 0)
            throw std::invalid_argument(fmt::format("{}: result type {} stores the divisor 2 as 0 (hls4ml computes "
                                                    "(in1 + in2) / (res_T)2): a division by zero",
                                                    who, c.result_t.str()));
        // ap_fixed's operator/: the dividend's mantissa shifted left by max(F_div, 0), divided by the divisor's
        // mantissa (truncating toward zero); the quotient's LSB is 2^-(F_sum + max(F_div, 0) - F_div).
        const int fd = c.result_t.frac();
        dividend_shift_ = std::max(fd, 0);
        quotient_frac_ = frac_ + dividend_shift_ - fd;
        if (dividend_shift_ > 60) throw std::invalid_argument(who + ": result type too fine for the division");
    }
}

size_t MergeLayer::outer() const {
    size_t o = 1;
    for (size_t i = 0; i < cfg_.axis; ++i) o *= cfg_.shape1[i];
    return o;
}

int64_t MergeLayer::element(int64_t a, int64_t b) const {
    const MergeConfig& c = cfg_;
    const int128 wa = int128{a} * (int128{1} << shift1_), wb = int128{b} * (int128{1} << shift2_);
    switch (c.op) {
        case MergeOp::Add: return quantize(wa + wb, frac_, c.result_t);
        case MergeOp::Subtract: return quantize(wa - wb, frac_, c.result_t);
        case MergeOp::Multiply:
            return quantize(int128{a} * int128{b}, c.input1_t.frac() + c.input2_t.frac(), c.result_t);
        case MergeOp::Average: {
            const int128 dividend = (wa + wb) * (int128{1} << dividend_shift_);
            return quantize(dividend / int128{divisor_}, quotient_frac_, c.result_t);  // C++ '/' truncates toward 0
        }
        case MergeOp::Maximum: return wa > wb ? cast1_(a) : cast2_(b);
        case MergeOp::Minimum: return wa < wb ? cast1_(a) : cast2_(b);
        case MergeOp::Concatenate: break;
    }
    throw std::logic_error("MergeLayer::element on a concatenation");
}

void MergeLayer::compute_elements(const int64_t* a, const int64_t* b, int64_t* out, size_t n) const {
    for (size_t i = 0; i < n; ++i) out[i] = element(a[i], b[i]);
}

void MergeLayer::concat_values(const int64_t* a, size_t na, const int64_t* b, size_t nb, int64_t* out) const {
    for (size_t i = 0; i < na; ++i) *out++ = cast1_(a[i]);
    for (size_t i = 0; i < nb; ++i) *out++ = cast2_(b[i]);
}

void MergeLayer::compute(const int64_t* in, int64_t* out) const {
    const int64_t* a = in;
    const int64_t* b = in + cfg_.n_in1();
    if (elementwise()) {
        compute_elements(a, b, out, cfg_.n_elem);
        return;
    }
    const size_t runs = outer(), k1 = block1(), k2 = block2();
    for (size_t r = 0; r < runs; ++r, out += k1 + k2) concat_values(a + r * k1, k1, b + r * k2, k2, out);
}

std::string MergeLayer::precision_summary() const {
    return fmt::format("input1={} input2={} result={}", cfg_.input1_t.str(), cfg_.input2_t.str(), cfg_.result_t.str());
}

LayerCostInputs MergeLayer::cost_inputs() const {
    LayerCostInputs c = Layer::cost_inputs();
    c.n_in = cfg_.n_in1();  // per input
    c.data_width = std::max(cfg_.input1_t.width, cfg_.input2_t.width);
    c.weight_width = std::min(cfg_.input1_t.width, cfg_.input2_t.width);
    switch (cfg_.op) {
        case MergeOp::Concatenate: c.kind = LayerCostInputs::Kind::Wiring; break;
        case MergeOp::Add:
        case MergeOp::Subtract: c.kind = LayerCostInputs::Kind::MergeAdder; break;
        case MergeOp::Multiply:
            c.kind = LayerCostInputs::Kind::MergeMultiply;
            c.merge_ii_is_reuse = true;
            break;
        case MergeOp::Average:
            c.kind = LayerCostInputs::Kind::MergeAdder;
            c.average = true;
            c.merge_ii_is_reuse = true;
            break;
        case MergeOp::Maximum:
        case MergeOp::Minimum:
            c.kind = LayerCostInputs::Kind::MergeAdder;
            c.merge_ii_is_reuse = true;
            break;
    }
    return c;
}

}  // namespace tlm4ml
