#include "qkeras.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "layers/model.h"

namespace tlm4ml {

using nlohmann::json;

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) {
    throw ModelError(fmt::format("{}: {}", where, what));
}

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
    fail(where, fmt::format("cannot read the quantizer argument \"{}\"", t));
}

// Positional argument names of the QKeras constructors.
std::vector<std::string> positional_names(const std::string& cls) {
    if (cls == "quantized_bits") return {"bits", "integer", "symmetric", "keep_negative", "alpha", "use_stochastic_rounding"};
    if (cls == "quantized_relu")
        return {"bits", "integer", "use_sigmoid", "negative_slope", "use_stochastic_rounding", "relu_upper_bound"};
    if (cls == "quantized_po2") return {"bits", "max_value", "use_stochastic_rounding", "quadratic_approximation"};
    if (cls == "binary") return {"use_01", "alpha", "use_stochastic_rounding"};
    if (cls == "ternary") return {"alpha", "threshold", "use_stochastic_rounding"};
    return {};
}

json parse_string(const std::string& text, const std::string& where) {
    const std::string s = trim(text);
    const size_t open = s.find('(');
    json q = {{"class_name", trim(s.substr(0, open))}, {"config", json::object()}};
    if (open == std::string::npos) return q;
    if (s.back() != ')') fail(where, fmt::format("malformed quantizer \"{}\"", s));
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
            if (i >= names.size()) fail(where, fmt::format("quantizer \"{}\": too many arguments", s));
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
        fail(where, fmt::format("\"{}\" must be an integer", key));
    return static_cast<int>(c[key].get<double>());
}

void refuse_true(const json& c, const char* key, const std::string& where, const std::string& cls) {
    if (c.contains(key) && truthy(c[key])) fail(where, fmt::format("{} with {} is not supported", cls, key));
}

// alpha must leave the values alone: None, 1 or 1.0.
void check_alpha(const json& c, const std::string& where, const std::string& cls) {
    if (!c.contains("alpha") || c["alpha"].is_null()) return;
    if (c["alpha"].is_number() && c["alpha"].get<double>() == 1.0) return;
    fail(where, fmt::format("{} with alpha={} is not supported (only alpha=1 or None: hls4ml cannot apply other "
                            "scales bit-exactly)",
                            cls, c["alpha"].dump()));
}

}  // namespace

std::string QuantizerSpec::text() const {
    if (plain) return cls;
    if (cls == "quantized_bits") return fmt::format("quantized_bits({},{})", bits, integer);
    if (cls == "quantized_relu") return fmt::format("quantized_relu({},{})", bits, integer);
    if (cls == "quantized_po2")
        return max_value ? fmt::format("quantized_po2({},{})", bits, *max_value) : fmt::format("quantized_po2({})", bits);
    return cls;
}

QuantizerSpec parse_quantizer(const json& in, const std::string& where) {
    json q;
    if (in.is_string()) q = parse_string(in.get<std::string>(), where);
    else if (in.is_object() && in.contains("class_name") && in["class_name"].is_string()) q = in;
    else fail(where, "expected a quantizer (a string or an object with \"class_name\" and \"config\")");
    QuantizerSpec s;
    s.cls = q["class_name"].get<std::string>();
    const json c = q.contains("config") && q["config"].is_object() ? q["config"] : json::object();
    const std::string w = fmt::format("{}: quantizer {}", where, s.cls);
    refuse_true(c, "use_stochastic_rounding", w, s.cls);
    if (s.cls == "quantized_bits") {
        s.bits = get_int(c, "bits", 8, w);
        s.integer = get_int(c, "integer", 0, w);
        s.symmetric = c.contains("symmetric") && truthy(c["symmetric"]);
        s.keep_negative = !c.contains("keep_negative") || truthy(c["keep_negative"]);
        check_alpha(c, w, s.cls);
    } else if (s.cls == "quantized_relu") {
        s.bits = get_int(c, "bits", 8, w);
        s.integer = get_int(c, "integer", 0, w);
        refuse_true(c, "use_sigmoid", w, s.cls);
        refuse_true(c, "negative_slope", w, s.cls);
        if (c.contains("relu_upper_bound") && !c["relu_upper_bound"].is_null())
            fail(w, "relu_upper_bound is not supported");
    } else if (s.cls == "quantized_po2") {
        s.bits = get_int(c, "bits", 8, w);
        if (c.contains("max_value") && !c["max_value"].is_null()) {
            if (!c["max_value"].is_number() || c["max_value"].get<double>() < 0)
                fail(w, "max_value must be a non-negative number");
            s.max_value = c["max_value"].get<double>();
        }
        refuse_true(c, "quadratic_approximation", w, s.cls);
        if (c.contains("log2_rounding") && c["log2_rounding"] != "rnd") fail(w, "only log2_rounding \"rnd\" is supported");
    } else if (s.cls == "binary") {
        refuse_true(c, "use_01", w, s.cls);
        check_alpha(c, w, s.cls);
    } else if (s.cls == "ternary") {
        check_alpha(c, w, s.cls);
        if (!c.contains("threshold") || !c["threshold"].is_number())
            fail(w, "ternary without an explicit threshold is not supported (QKeras derives it from the data)");
        s.threshold = c["threshold"].get<double>();
    } else if (s.cls.rfind("quantized_", 0) == 0 || s.cls.rfind("stochastic_", 0) == 0) {
        fail(where, fmt::format("quantizer {} is not supported (supported: quantized_bits, quantized_po2, "
                                "quantized_relu, binary, ternary)",
                                s.cls));
    } else {
        s.plain = true;  // a Keras activation function name
    }
    if (!s.plain && (s.cls == "quantized_bits" || s.cls == "quantized_relu" || s.cls == "quantized_po2") &&
        (s.bits < 1 || s.bits > 32))
        fail(w, fmt::format("bits={} is out of range (1 to 32)", s.bits));
    return s;
}

std::pair<int, int> po2_exponent_range(const QuantizerSpec& q) {
    const int need_sign = (!q.max_value || *q.max_value > 1) ? 1 : 0;
    const int effect = q.bits - 1 - need_sign;
    if (effect < 0) return {0, 0};
    return {-(1 << effect), (1 << effect) - 1};
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
        const auto [min_exp, max_exp] = po2_exponent_range(q);
        const double sign = x < 0 ? -1.0 : 1.0;  // tf.sign, with 0 -> +1
        const float eps = 1e-7f;
        const float a = static_cast<float>(std::fabs(x));
        int e;
        if (a < eps) {
            e = min_exp;
        } else {
            float f = a;
            if (q.max_value && f >= static_cast<float>(*q.max_value)) f = static_cast<float>(*q.max_value);
            const float l = std::log(f) / static_cast<float>(std::log(2.0));
            e = static_cast<int>(std::clamp(static_cast<double>(std::nearbyint(l)), static_cast<double>(min_exp),
                                            static_cast<double>(max_exp)));
        }
        return sign * std::ldexp(1.0, e);
    }
    if (q.cls == "binary") return x >= 0 ? 1.0 : -1.0;
    if (q.cls == "ternary") return x > *q.threshold ? 1.0 : (x < -*q.threshold ? -1.0 : 0.0);
    return x;
}

std::string weight_precision(const QuantizerSpec& q, const std::string& where) {
    if (q.cls == "quantized_bits") {
        if (!q.keep_negative) fail(where, "quantized_bits with keep_negative=False is not supported for weights");
        if (q.bits == q.integer) {
            if (q.bits == 1) fail(where, "quantized_bits(1,1) weights are not supported");
            return fmt::format("ap_int<{}>", q.bits);
        }
        return fmt::format("ap_fixed<{},{}>", q.bits, q.integer + 1);
    }
    if (q.cls == "quantized_po2") return fmt::format("ap_int<{}>", q.bits);
    if (q.cls == "binary") return "ap_uint<1>";
    if (q.cls == "ternary") return "ap_int<2>";
    fail(where, fmt::format("{} cannot quantize weights (supported: quantized_bits, quantized_po2, binary, ternary)",
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
        fail(where, fmt::format("{} is not supported as an activation (supported: quantized_relu, quantized_bits, "
                                "binary, ternary, plain activations)",
                                q.cls));
    }
    if (bits - integer > 0)
        return fmt::format("ap_{}fixed<{},{},AP_RND_CONV,AP_SAT>", is_signed ? "" : "u", bits, integer);
    return fmt::format("ap_{}int<{}>", is_signed ? "" : "u", integer);
}

}  // namespace tlm4ml
