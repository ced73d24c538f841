#include "rtl_models/precision.h"

#include <cctype>
#include <cmath>
#include <vector>

#include <fmt/format.h>

namespace tlm4ml {

namespace {

constexpr const char* kQuantNames[] = {"TRN", "TRN_ZERO", "RND", "RND_ZERO", "RND_INF", "RND_MIN_INF", "RND_CONV"};
constexpr const char* kOverflowNames[] = {"WRAP", "SAT", "SAT_ZERO", "SAT_SYM", "WRAP_SM"};

const char* kExpected =
    "expected ap_fixed<W,I[,Q[,O[,N]]]>, ap_ufixed<...>, ap_int<W>, ap_uint<W> or hls4ml's "
    "fixed/ufixed/int/uint<...>, with 1 <= W <= 64";

[[noreturn]] void fail(std::string_view text, const std::string& why) {
    throw PrecisionError(fmt::format("invalid precision \"{}\": {}; {}", text, why, kExpected));
}

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

int parse_int(std::string_view text, const std::string& field, const std::string& what) {
    if (field.empty()) fail(text, what + " is empty");
    size_t i = 0;
    if (field[0] == '-' || field[0] == '+') i = 1;
    if (i == field.size()) fail(text, what + " \"" + field + "\" is not an integer");
    for (size_t k = i; k < field.size(); ++k)
        if (!std::isdigit(static_cast<unsigned char>(field[k])))
            fail(text, what + " \"" + field + "\" is not an integer");
    if (field.size() > 6) fail(text, what + " \"" + field + "\" is out of range");
    return std::stoi(field);
}

template <typename Enum, size_t N>
Enum parse_mode(std::string_view text, std::string name, const char* const (&names)[N], const char* what) {
    std::string upper;
    for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper.rfind("AP_", 0) == 0) upper = upper.substr(3);
    for (size_t k = 0; k < N; ++k)
        if (upper == names[k]) return static_cast<Enum>(k);
    std::string list;
    for (size_t k = 0; k < N; ++k) list += (k ? ", AP_" : "AP_") + std::string(names[k]);
    fail(text, fmt::format("unknown {} mode \"{}\" (one of {})", what, name, list));
}

}  // namespace

const char* to_string(QuantMode q) { return kQuantNames[static_cast<int>(q)]; }
const char* to_string(OverflowMode o) { return kOverflowNames[static_cast<int>(o)]; }

double Precision::lsb() const { return std::ldexp(1.0, -frac()); }
double Precision::to_double(int64_t raw) const { return std::ldexp(static_cast<double>(raw), -frac()); }

std::string Precision::str() const {
    if (integer_type) return fmt::format("{}<{}>", is_signed ? "ap_int" : "ap_uint", width);
    const char* base = is_signed ? "ap_fixed" : "ap_ufixed";
    if (quant == QuantMode::TRN && overflow == OverflowMode::WRAP && sat_bits == 0)
        return fmt::format("{}<{},{}>", base, width, integer);
    return fmt::format("{}<{},{},AP_{},AP_{},{}>", base, width, integer, to_string(quant), to_string(overflow),
                       sat_bits);
}

std::string Precision::hls4ml_str() const {
    if (integer_type) return fmt::format("{}<{}>", is_signed ? "int" : "uint", width);
    return fmt::format("{}<{},{},{},{},{}>", is_signed ? "fixed" : "ufixed", width, integer, to_string(quant),
                       to_string(overflow), sat_bits);
}

Precision Precision::fixed(int w, int i, bool s, QuantMode q, OverflowMode o, int n) {
    Precision p;
    p.width = w;
    p.integer = i;
    p.is_signed = s;
    p.quant = q;
    p.overflow = o;
    p.sat_bits = n;
    return p;
}

Precision Precision::integer_of(int w, bool s) {
    Precision p = fixed(w, w, s);
    p.integer_type = true;
    return p;
}

Precision Precision::parse(std::string_view text) {
    const std::string s = trim(text);
    const size_t lt = s.find('<');
    if (lt == std::string::npos || s.back() != '>') fail(text, "missing <...>");
    std::string kind = trim(std::string_view(s).substr(0, lt));
    const std::string inner = s.substr(lt + 1, s.size() - lt - 2);
    if (inner.find_first_of("<>") != std::string::npos) fail(text, "unbalanced <...>");

    std::vector<std::string> args;
    size_t start = 0;
    while (true) {
        const size_t comma = inner.find(',', start);
        args.push_back(trim(std::string_view(inner).substr(start, comma - start)));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }

    if (kind.rfind("ap_", 0) == 0) kind = kind.substr(3);
    Precision p;
    if (kind == "int" || kind == "uint") {
        if (args.size() != 1) fail(text, fmt::format("{}<W> takes exactly one argument", kind));
        const int w = parse_int(text, args[0], "width W");
        if (w < 1 || w > 64) fail(text, fmt::format("width {} is out of range", w));
        return integer_of(w, kind == "int");
    }
    if (kind != "fixed" && kind != "ufixed") fail(text, fmt::format("unknown type name \"{}\"", kind));
    if (args.size() < 2 || args.size() > 5) fail(text, fmt::format("{}<...> takes 2 to 5 arguments", kind));
    p.is_signed = kind == "fixed";
    p.width = parse_int(text, args[0], "width W");
    if (p.width < 1 || p.width > 64) fail(text, fmt::format("width {} is out of range", p.width));
    p.integer = parse_int(text, args[1], "integer bits I");
    // Keep every shift in quantize() inside 128-bit arithmetic.
    if (p.integer < -64 || p.integer > 128)
        fail(text, fmt::format("integer bits {} outside the supported range -64..128", p.integer));
    if (args.size() > 2) p.quant = parse_mode<QuantMode>(text, args[2], kQuantNames, "quantization");
    if (args.size() > 3) p.overflow = parse_mode<OverflowMode>(text, args[3], kOverflowNames, "overflow");
    if (args.size() > 4) {
        p.sat_bits = parse_int(text, args[4], "saturation bits N");
        if (p.sat_bits < 0 || p.sat_bits > p.width)
            fail(text, fmt::format("saturation bits {} must be between 0 and W={}", p.sat_bits, p.width));
    }
    if (!p.is_signed && p.overflow == OverflowMode::WRAP_SM)
        fail(text, "AP_WRAP_SM is defined only for signed types");
    return p;
}

}  // namespace tlm4ml
