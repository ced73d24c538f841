#include "models/keras/qkeras.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "models/model.h"

namespace tlm4ml {

using nlohmann::json;

namespace {


std::string trim(const std::string& s) {
    size_t a = 0, b = s.size();
    while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
    while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
    return s.substr(a, b - a);
}

// A Python literal from a quantizer string: number, True/False, None or a quoted string.
json literal(const std::string& t, const std::string& where) {
    if (t == "True") return true;
    if (t == "False") return false;
    if (t == "None") return nullptr;
    if (t.size() >= 2 && (t[0] == '\'' || t[0] == '"') && t.back() == t[0]) return t.substr(1, t.size() - 2);
    try {
        size_t used = 0;
        const double v = std::stod(t, &used);
        if (used == t.size()) {
            if (v == std::floor(v) && t.find_first_of(".eE") == std::string::npos) return static_cast<int64_t>(v);
            return v;
        }
    } catch (const std::exception&) {
    }
    fail_at(where, fmt::format("cannot read the quantizer argument \"{}\"", t));
}

// Positional argument names of the QKeras constructors.
std::vector<std::string> positional_names(const std::string& cls) {
    if (cls == "quantized_bits") return {"bits", "integer", "symmetric", "keep_negative", "alpha", "use_stochastic_rounding"};
    if (cls == "quantized_relu")
        return {"bits", "integer", "use_sigmoid", "negative_slope", "use_stochastic_rounding", "relu_upper_bound"};
    if (cls == "quantized_po2")
        return {"bits", "max_value", "use_stochastic_rounding", "quadratic_approximation", "log2_rounding"};
    if (cls == "quantized_relu_po2")
        return {"bits", "max_value", "negative_slope", "use_stochastic_rounding", "quadratic_approximation",
                "log2_rounding"};
    if (cls == "binary") return {"use_01", "alpha", "use_stochastic_rounding"};
    if (cls == "ternary") return {"alpha", "threshold", "use_stochastic_rounding"};
    return {};
}

json parse_string(const std::string& text, const std::string& where) {
    const std::string s = trim(text);
    const size_t open = s.find('(');
    json q = {{"class_name", trim(s.substr(0, open))}, {"config", json::object()}};
    if (open == std::string::npos) return q;
    if (s.back() != ')') fail_at(where, fmt::format("malformed quantizer \"{}\"", s));
    const std::string cls = q["class_name"];
    const auto names = positional_names(cls);
    std::string inner = s.substr(open + 1, s.size() - open - 2);
    std::vector<std::string> args;
    std::string cur;
    for (char ch : inner) {
        if (ch == ',') {
            args.push_back(trim(cur));
            cur.clear();
        } else {
            cur.push_back(ch);
        }
    }
    if (!trim(cur).empty() || !args.empty()) args.push_back(trim(cur));
    for (size_t i = 0; i < args.size(); ++i) {
        const size_t eq = args[i].find('=');
        if (eq != std::string::npos) {
            q["config"][trim(args[i].substr(0, eq))] = literal(trim(args[i].substr(eq + 1)), where);
        } else {
            if (i >= names.size()) fail_at(where, fmt::format("quantizer \"{}\": too many arguments", s));
            q["config"][names[i]] = literal(args[i], where);
        }
    }
    return q;
}

bool truthy(const json& v) {
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_number()) return v.get<double>() != 0;
    return !v.is_null();
}

int get_int(const json& c, const char* key, int def, const std::string& where) {
    if (!c.contains(key) || c[key].is_null()) return def;
    if (!c[key].is_number() || c[key].get<double>() != std::floor(c[key].get<double>()))
        fail_at(where, fmt::format("\"{}\" must be an integer", key));
    return static_cast<int>(c[key].get<double>());
}

void refuse_true(const json& c, const char* key, const std::string& where, const std::string& cls) {
    if (c.contains(key) && truthy(c[key])) fail_at(where, fmt::format("{} with {} is not supported", cls, key));
}

// alpha must leave the values alone: None, 1 or 1.0.
void check_alpha(const json& c, const std::string& where, const std::string& cls) {
    if (!c.contains("alpha") || c["alpha"].is_null()) return;
    if (c["alpha"].is_number() && c["alpha"].get<double>() == 1.0) return;
    fail_at(where, fmt::format("{} with alpha={} is not supported (only alpha=1 or None: hls4ml cannot apply other "
                            "scales bit-exactly)",
                            cls, c["alpha"].dump()));
}

// A quantizer as {"class_name", "config"}, from that object or from a string such as "quantized_po2(5)".
json quantizer_object(const json& in, const std::string& where) {
    if (in.is_string()) return parse_string(in.get<std::string>(), where);
    if (in.is_object() && in.contains("class_name") && in["class_name"].is_string()) return in;
    fail_at(where, "expected a quantizer (a string or an object with \"class_name\" and \"config\")");
}

// The po2 settings shared by quantized_po2 and quantized_relu_po2. Quadratic approximation (even exponents)
// only where tlm4ml merely evaluates the quantizer (QBatchNormalization parameters).
void parse_po2(const json& c, const std::string& w, bool allow_quadratic, QuantizerSpec& s) {
    s.bits = get_int(c, "bits", 8, w);
    if (c.contains("max_value") && !c["max_value"].is_null()) {
        if (!c["max_value"].is_number() || c["max_value"].get<double>() < 0)
            fail_at(w, "max_value must be a non-negative number");
        s.max_value = c["max_value"].get<double>();
    }
    if (allow_quadratic)
        s.quadratic_approximation = c.contains("quadratic_approximation") && truthy(c["quadratic_approximation"]);
    else
        refuse_true(c, "quadratic_approximation", w, s.cls);
    if (c.contains("log2_rounding") && c["log2_rounding"] != "rnd") fail_at(w, "only log2_rounding \"rnd\" is supported");
}

QuantizerSpec quantizer_spec(const json& q, const std::string& where, bool batchnorm_parameter) {
    QuantizerSpec s;
    s.cls = q["class_name"].get<std::string>();
    const json c = q.contains("config") && q["config"].is_object() ? q["config"] : json::object();
    const std::string w = fmt::format("{}: quantizer {}", where, s.cls);
    refuse_true(c, "use_stochastic_rounding", w, s.cls);
    // QKeras mixes (1 - qnoise_factor)·x + qnoise_factor·quantized(x); only 1 (fully quantized) is a fixed type.
    if (c.contains("qnoise_factor") && !c["qnoise_factor"].is_null() &&
        !(c["qnoise_factor"].is_number() && c["qnoise_factor"].get<double>() == 1.0))
        fail_at(w, fmt::format("qnoise_factor={} is not supported (only 1)", c["qnoise_factor"].dump()));
    if (s.cls == "quantized_bits") {
        s.bits = get_int(c, "bits", 8, w);
        s.integer = get_int(c, "integer", 0, w);
        s.symmetric = c.contains("symmetric") && truthy(c["symmetric"]);
        s.keep_negative = !c.contains("keep_negative") || truthy(c["keep_negative"]);
        check_alpha(c, w, s.cls);
    } else if (s.cls == "quantized_relu" && !batchnorm_parameter) {
        s.bits = get_int(c, "bits", 8, w);
        s.integer = get_int(c, "integer", 0, w);
        refuse_true(c, "use_sigmoid", w, s.cls);
        refuse_true(c, "negative_slope", w, s.cls);
        if (c.contains("relu_upper_bound") && !c["relu_upper_bound"].is_null())
            fail_at(w, "relu_upper_bound is not supported");
    } else if (s.cls == "quantized_po2") {
        parse_po2(c, w, batchnorm_parameter, s);
    } else if (s.cls == "quantized_relu_po2" && batchnorm_parameter) {
        parse_po2(c, w, true, s);
        if (c.contains("negative_slope") && !c["negative_slope"].is_null()) {
            const double ns = c["negative_slope"].is_number() ? c["negative_slope"].get<double>() : -1.0;
            int e = 0;
            if (!(ns == 0 || (ns > 0 && std::frexp(ns, &e) == 0.5)))
                fail_at(w, fmt::format("negative_slope={} must be 0 or a power of 2", c["negative_slope"].dump()));
            s.negative_slope = ns;
        }
    } else if (batchnorm_parameter) {
        fail_at(where, fmt::format("quantizer {} is not supported on QBatchNormalization parameters (supported: "
                                "quantized_bits, quantized_po2, quantized_relu_po2)",
                                s.cls));
    } else if (s.cls == "binary") {
        refuse_true(c, "use_01", w, s.cls);
        check_alpha(c, w, s.cls);
    } else if (s.cls == "ternary") {
        check_alpha(c, w, s.cls);
        if (!c.contains("threshold") || !c["threshold"].is_number())
            fail_at(w, "ternary without an explicit threshold is not supported (QKeras derives it from the data)");
        s.threshold = c["threshold"].get<double>();
    } else if (s.cls.rfind("quantized_", 0) == 0 || s.cls.rfind("stochastic_", 0) == 0) {
        fail_at(where, fmt::format("quantizer {} is not supported (supported: quantized_bits, quantized_po2, "
                                "quantized_relu, binary, ternary)",
                                s.cls));
    } else {
        s.plain = true;  // a Keras activation function name
    }
    if (!s.plain && s.cls != "binary" && s.cls != "ternary" && (s.bits < 1 || s.bits > 32))
        fail_at(w, fmt::format("bits={} is out of range (1 to 32)", s.bits));
    return s;
}

// QKeras' _clip_power_of_two for |x| (float32 arithmetic): the exponent of the power of two.
int po2_exponent(const QuantizerSpec& q, double magnitude) {
    const auto [min_exp, max_exp] = po2_exponent_range(q);
    const float eps = 1e-7f;  // Keras' epsilon()
    const float a = static_cast<float>(magnitude);
    if (a < eps) return min_exp;  // not doubled, also with quadratic approximation
    float f = a;
    if (q.max_value && f >= static_cast<float>(*q.max_value)) f = static_cast<float>(*q.max_value);
    const float in = q.quadratic_approximation ? std::sqrt(f) : f;
    const float l = std::log(in) / static_cast<float>(std::log(2.0));
    const double e = std::clamp(static_cast<double>(std::nearbyint(l)), static_cast<double>(min_exp),
                                static_cast<double>(max_exp));
    return (q.quadratic_approximation ? 2 : 1) * static_cast<int>(e);
}

}  // namespace

std::string QuantizerSpec::text() const {
    if (plain) return cls;
    if (cls == "quantized_bits") return fmt::format("quantized_bits({},{})", bits, integer);
    if (cls == "quantized_relu") return fmt::format("quantized_relu({},{})", bits, integer);
    if (cls == "quantized_po2" || cls == "quantized_relu_po2") {
        std::string t = fmt::format("{}({}", cls, bits);
        if (max_value) t += fmt::format(",{}", *max_value);
        if (negative_slope != 0) t += fmt::format(",negative_slope={}", negative_slope);
        if (quadratic_approximation) t += ",quadratic_approximation=True";
        return t + ")";
    }
    return cls;
}

QuantizerSpec parse_quantizer(const json& in, const std::string& where) {
    return quantizer_spec(quantizer_object(in, where), where, false);
}

BatchNormQuantizers parse_batchnorm_quantizers(const json& layer_config, const std::string& where) {
    auto one = [&](const char* param, const char* qkeras_default) -> std::optional<QuantizerSpec> {
        const std::string key = std::string(param) + "_quantizer";
        json q = layer_config.contains(key) ? layer_config[key] : json();
        if (q.is_null()) {
            if (!qkeras_default) return std::nullopt;
            q = qkeras_default;
        }
        return quantizer_spec(quantizer_object(q, where + ": " + key), where + ": " + key, true);
    };
    BatchNormQuantizers b;
    b.gamma = one("gamma", "quantized_relu_po2(6, 2048)");
    b.beta = one("beta", "quantized_po2(5)");
    b.mean = one("mean", nullptr);
    b.variance = one("variance", "quantized_relu_po2(6, quadratic_approximation=True)");
    return b;
}

std::pair<int, int> po2_exponent_range(const QuantizerSpec& q) {
    const int need_sign = (!q.max_value || *q.max_value > 1) ? 1 : 0;
    // quantized_po2 spends a bit on the sign of x; quantized_relu_po2 has none.
    const int effect = std::min(q.bits - (q.cls == "quantized_relu_po2" ? 0 : 1) - need_sign, 30);
    if (effect < 0) return {0, 0};
    int max_exp = (1 << effect) - 1;
    if (q.quadratic_approximation) max_exp = 2 * (max_exp / 2);
    return {-(1 << effect), max_exp};
}

double qkeras_quantize(const QuantizerSpec& q, double x) {
    if (q.cls == "quantized_bits") {
        const int unsigned_bits = q.bits - (q.keep_negative ? 1 : 0);
        if (unsigned_bits <= 0) {  // QKeras: sign(x), 0 -> +1
            const double s = x >= 0 ? 1.0 : -1.0;
            return q.keep_negative ? s : (s + 1.0) / 2.0;
        }
        const double m = std::ldexp(1.0, unsigned_bits);
        const double m_i = std::ldexp(1.0, q.integer);
        const double p = std::nearbyint(x * m / m_i);  // tf.round: ties to even
        const double lo = q.keep_negative ? -m + (q.symmetric ? 1 : 0) : 0.0;
        return m_i * std::clamp(p, lo, m - 1) / m;
    }
    if (q.cls == "quantized_po2") {
        const double sign = x < 0 ? -1.0 : 1.0;  // tf.sign, with 0 -> +1
        return sign * std::ldexp(1.0, po2_exponent(q, std::fabs(x)));
    }
    if (q.cls == "quantized_relu_po2") {  // x < 0: 2^min_exp without a negative slope, else -po2(-x·slope)
        if (x >= 0 || q.negative_slope == 0) return std::ldexp(1.0, po2_exponent(q, std::max(x, 0.0)));
        return -std::ldexp(1.0, po2_exponent(q, -x * q.negative_slope));
    }
    if (q.cls == "binary") return x >= 0 ? 1.0 : -1.0;
    if (q.cls == "ternary") return x > *q.threshold ? 1.0 : (x < -*q.threshold ? -1.0 : 0.0);
    return x;
}

std::string weight_precision(const QuantizerSpec& q, const std::string& where) {
    if (q.cls == "quantized_bits") {
        if (!q.keep_negative) fail_at(where, "quantized_bits with keep_negative=False is not supported for weights");
        if (q.bits == q.integer) {
            if (q.bits == 1) fail_at(where, "quantized_bits(1,1) weights are not supported");
            return fmt::format("ap_int<{}>", q.bits);
        }
        return fmt::format("ap_fixed<{},{}>", q.bits, q.integer + 1);
    }
    if (q.cls == "quantized_po2") return fmt::format("ap_int<{}>", q.bits);
    if (q.cls == "binary") return "ap_uint<1>";
    if (q.cls == "ternary") return "ap_int<2>";
    fail_at(where, fmt::format("{} cannot quantize weights (supported: quantized_bits, quantized_po2, binary, ternary)",
                            q.cls));
}

std::string activation_precision(const QuantizerSpec& q, const std::string& where) {
    if (q.plain || q.cls == "binary" || q.cls == "ternary") return "";
    int bits = q.bits, integer = q.integer + 1;
    bool is_signed = true;
    if (q.cls == "quantized_relu") {
        is_signed = false;
        integer -= 1;
    } else if (q.cls != "quantized_bits") {
        fail_at(where, fmt::format("{} is not supported as an activation (supported: quantized_relu, quantized_bits, "
                                "binary, ternary, plain activations)",
                                q.cls));
    }
    if (bits - integer > 0)
        return fmt::format("ap_{}fixed<{},{},AP_RND_CONV,AP_SAT>", is_signed ? "" : "u", bits, integer);
    return fmt::format("ap_{}int<{}>", is_signed ? "" : "u", integer);
}

}  // namespace tlm4ml
