#include "testbenches/report/resource_calibration.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "layers/arithmetic/dense.h"
#include "models/model.h"
#include "rtl_models/hls_csynth_count.h"

namespace tlm4ml {

const char* to_string(Resource r) {
    switch (r) {
        case Resource::Dsp: return "DSP";
        case Resource::Lut: return "LUT";
        case Resource::Ff: return "FF";
        case Resource::Bram18: return "BRAM18";
    }
    return "?";
}

size_t resource_of(const ResourceEstimate& e, Resource r) {
    switch (r) {
        case Resource::Dsp: return e.dsp;
        case Resource::Lut: return e.lut;
        case Resource::Ff: return e.ff;
        case Resource::Bram18: return e.bram18;
    }
    return 0;
}

double relative_error(double estimate, double published) {
    if (published == 0) return estimate == 0 ? 0.0 : std::numeric_limits<double>::infinity();
    return estimate / published - 1.0;
}

namespace {

// One CSV record: fields separated by commas, "..." quoting with "" for a quote.
std::vector<std::string> split_csv(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                out.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                out.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.emplace_back();
        } else if (c != '\r') {
            out.back() += c;
        }
    }
    return out;
}

const char* const kColumns[] = {"id", "design", "layers", "precision", "reuse_factor", "strategy", "io_type", "part",
                                "tool", "figure", "split", "template", "weights", "dsp", "lut", "ff", "bram18",
                                "bound_dsp", "bound_lut", "bound_ff", "bound_bram18", "source", "note"};

struct Precision16 {
    int width = 16;
    int integer = 6;
};

bool parse_ap_fixed(const std::string& s, Precision16& p) {
    return std::sscanf(s.c_str(), "ap_fixed<%d,%d>", &p.width, &p.integer) == 2 && p.width > 0 && p.width <= 64;
}

// Expected CSD histogram of n weights drawn uniformly in [lo, hi] and truncated to `frac` fractional bits.
std::array<uint32_t, 65> uniform_histogram(double lo, double hi, int frac, size_t n) {
    const auto a = static_cast<int64_t>(std::floor(std::ldexp(lo, frac)));
    const auto b = static_cast<int64_t>(std::floor(std::ldexp(hi, frac)));
    std::array<double, 65> share{};
    for (int64_t v = a; v <= b; ++v) share[static_cast<size_t>(csd_digits(v))] += 1.0;
    std::array<uint32_t, 65> h{};
    const double total = static_cast<double>(b - a + 1);
    for (size_t d = 0; d < h.size(); ++d)
        h[d] = static_cast<uint32_t>(std::llround(share[d] / total * static_cast<double>(n)));
    return h;
}

// Expected CSD histogram of n weights drawn from a normal(mu, sigma) distribution, truncated to `frac` bits.
std::array<uint32_t, 65> normal_histogram(double mu, double sigma, int frac, size_t n) {
    const double scale = std::ldexp(1.0, frac);
    const auto lo = static_cast<int64_t>(std::floor((mu - 8 * sigma) * scale));
    const auto hi = static_cast<int64_t>(std::ceil((mu + 8 * sigma) * scale));
    auto cdf = [&](double x) { return 0.5 * std::erfc(-(x - mu) / (sigma * std::sqrt(2.0))); };
    std::array<double, 65> share{};
    for (int64_t v = lo; v <= hi; ++v)  // floor(x * 2^frac) = v for x in [v, v + 1) / 2^frac
        share[static_cast<size_t>(csd_digits(v))] +=
            cdf(static_cast<double>(v + 1) / scale) - cdf(static_cast<double>(v) / scale);
    std::array<uint32_t, 65> h{};
    for (size_t d = 0; d < h.size(); ++d) h[d] = static_cast<uint32_t>(std::llround(share[d] * static_cast<double>(n)));
    return h;
}

}  // namespace

std::vector<CalibrationRow> load_calibration(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw CalibrationError(fmt::format("{}: cannot open the calibration file", path));
    std::vector<CalibrationRow> rows;
    std::map<std::string, size_t> col;
    std::string line;
    size_t n = 0;
    while (std::getline(f, line)) {
        ++n;
        if (line.empty() || line[0] == '#') continue;
        const auto fields = split_csv(line);
        if (col.empty()) {
            for (size_t i = 0; i < fields.size(); ++i) col[fields[i]] = i;
            for (const char* c : kColumns)
                if (!col.count(c)) throw CalibrationError(fmt::format("{}:{}: header has no column '{}'", path, n, c));
            continue;
        }
        if (fields.size() != col.size())
            throw CalibrationError(
                fmt::format("{}:{}: {} fields, the header has {}", path, n, fields.size(), col.size()));
        auto get = [&](const char* c) { return fields[col.at(c)]; };
        auto number = [&](const char* c, bool optional) -> std::optional<double> {
            const std::string s = get(c);
            if (optional && (s.empty() || s == "-")) return std::nullopt;
            char* end = nullptr;
            const double v = std::strtod(s.c_str(), &end);
            if (s.empty() || *end != '\0' || !std::isfinite(v) || v < 0)
                throw CalibrationError(fmt::format("{}:{}: column '{}': '{}' is not a non-negative number", path, n, c, s));
            return v;
        };
        CalibrationRow r;
        r.line = n;
        r.id = get("id");
        r.design = get("design");
        r.layers = get("layers");
        r.precision = get("precision");
        const double rf = *number("reuse_factor", false);
        if (rf < 1 || rf != std::floor(rf))
            throw CalibrationError(fmt::format("{}:{}: column 'reuse_factor': '{}' is not a positive integer", path, n,
                                               get("reuse_factor")));
        r.reuse_factor = static_cast<int>(rf);
        const std::string s = get("strategy");
        if (s != "Latency" && s != "Resource")
            throw CalibrationError(fmt::format("{}:{}: column 'strategy': '{}' is not Latency or Resource", path, n, s));
        r.strategy = s == "Latency" ? Strategy::Latency : Strategy::Resource;
        const std::string io = get("io_type");
        if (io != "io_parallel" && io != "io_stream")
            throw CalibrationError(fmt::format("{}:{}: column 'io_type': '{}' is not io_parallel or io_stream", path, n, io));
        r.io_stream = io == "io_stream";
        r.part = get("part");
        r.tool = get("tool");
        r.figure = get("figure");
        if (r.figure != "post_synth" && r.figure != "hls_csynth")
            throw CalibrationError(fmt::format("{}:{}: column 'figure': '{}' is not post_synth or hls_csynth", path, n, r.figure));
        r.split = get("split");
        if (r.split != "fitted" && r.split != "held_back" && r.split != "recorded")
            throw CalibrationError(
                fmt::format("{}:{}: column 'split': '{}' is not fitted, held_back or recorded", path, n, r.split));
        r.template_ = get("template");
        r.weights = get("weights");
        const char* pub[] = {"dsp", "lut", "ff", "bram18"};
        const char* bnd[] = {"bound_dsp", "bound_lut", "bound_ff", "bound_bram18"};
        for (size_t k = 0; k < 4; ++k) {
            r.published[k] = number(pub[k], true);
            r.bound[k] = number(bnd[k], true);
            if (r.bound[k] && !r.published[k])
                throw CalibrationError(fmt::format("{}:{}: column '{}' bounds a figure the row does not give", path, n, bnd[k]));
        }
        r.source = get("source");
        r.note = get("note");
        if (r.id.empty() || r.source.empty())
            throw CalibrationError(fmt::format("{}:{}: every row needs an 'id' and a 'source'", path, n));
        rows.push_back(std::move(r));
    }
    if (col.empty()) throw CalibrationError(fmt::format("{}: no header line", path));
    return rows;
}

RowEstimate estimate_row(const CalibrationRow& row, const std::string& source_dir) {
    RowEstimate out;
    Precision16 prec;
    if (row.layers == "-" || row.weights == "unknown") {
        out.why_not = "weights or architecture not published";
        return out;
    }
    if (!parse_ap_fixed(row.precision, prec)) {
        out.why_not = "precision '" + row.precision + "' is not one ap_fixed<W,I> for every layer";
        return out;
    }
    const int frac = prec.width - prec.integer;
    const bool old_tool = row.tool.find("2018") != std::string::npos || row.tool.find("2019") != std::string::npos ||
                          row.tool.find("2020") != std::string::npos;
    const DeviceProfile dp = old_tool ? DeviceProfile::vivado_2019() : DeviceProfile::vitis_default();
    const ResourceProfile rp = row.template_ == "hls4ml-2019" ? ResourceProfile::hls4ml_2019() : ResourceProfile{};

    // Raw weights of a model file, Dense by Dense, at the row's fractional bits (truncated, as AP_TRN).
    std::vector<const DenseConfig*> model_dense;
    Model model;
    if (row.weights.rfind("model:", 0) == 0) {
        model = load_model_file(source_dir + "/" + row.weights.substr(6));
        for (const auto& l : model.layers)
            if (auto* d = dynamic_cast<const DenseLayer*>(l.get())) model_dense.push_back(&d->config());
    }
    double lo = 0, hi = 0;  // uniform: the bounds; normal: the mean and the standard deviation
    const bool uniform = row.weights.rfind("uniform:", 0) == 0;
    const bool normal = row.weights.rfind("normal:", 0) == 0;
    if (uniform && std::sscanf(row.weights.c_str(), "uniform:%lf:%lf", &lo, &hi) != 2)
        throw CalibrationError(fmt::format("row '{}' (line {}): weights '{}' is not uniform:LO:HI", row.id, row.line, row.weights));
    if (normal && (std::sscanf(row.weights.c_str(), "normal:%lf:%lf", &lo, &hi) != 2 || !(hi > 0)))
        throw CalibrationError(fmt::format("row '{}' (line {}): weights '{}' is not normal:MEAN:STDDEV (STDDEV > 0)", row.id,
                                           row.line, row.weights));
    if (!uniform && !normal && row.weights != "any" && model_dense.empty())
        throw CalibrationError(fmt::format(
            "row '{}' (line {}): weights '{}' is not any, uniform:LO:HI, normal:MEAN:STDDEV or model:<file>", row.id,
            row.line, row.weights));
    // The expected digit histogram of n random weights (all zero: unknown).
    auto random_histogram = [&](size_t n) {
        if (uniform) return uniform_histogram(lo, hi, frac, n);
        if (normal) return normal_histogram(lo, hi, frac, n);
        return std::array<uint32_t, 65>{};
    };

    // The tensor between layers: h x w pixels of `chan` values (a flat vector: 1 x 1 x n).
    std::istringstream tokens(row.layers);
    std::string tok;
    size_t h = 0, w = 0, chan = 0, dense_index = 0;
    bool first_layer = true;
    bool pipelined_top = true;
    CsynthCount top;  // the top function's own registers, when it is pipelined
    while (tokens >> tok) {
        LayerCostInputs c;
        c.reuse_factor = row.reuse_factor;
        c.strategy = row.strategy;
        c.data_width = c.weight_width = c.result_width = prec.width;
        c.io_stream = row.io_stream;
        size_t a = 0, b = 0, k = 0;
        auto fail = [&](const std::string& why) {
            return CalibrationError(fmt::format("row '{}' (line {}): '{}': {}", row.id, row.line, tok, why));
        };
        if (std::sscanf(tok.c_str(), "input:%zux%zux%zu", &a, &b, &k) == 3) {
            h = a, w = b, chan = k;
            continue;
        }
        const size_t h_in = h, w_in = w, chan_in = chan;
        if (std::sscanf(tok.c_str(), "dense:%zux%zu", &a, &b) == 2) {
            if (chan != 0 && h * w * chan != a) throw fail(fmt::format("the input has {} values", h * w * chan));
            c.kind = LayerCostInputs::Kind::Dense;
            c.n_in = a;
            c.n_out = b;
            if (uniform || normal) {
                c.weight_csd_histogram = random_histogram(a * b);
            } else if (!model_dense.empty()) {
                if (dense_index >= model_dense.size() || model_dense[dense_index]->n_in != a ||
                    model_dense[dense_index]->n_out != b)
                    throw fail(fmt::format("does not match Dense #{} of {}", dense_index, row.weights));
                const DenseConfig& d = *model_dense[dense_index];
                const int shift = d.weight_t.width - d.weight_t.integer - frac;
                for (int64_t v : d.weights) {
                    const int64_t q = shift >= 0 ? (v >> shift) : v * (int64_t{1} << -shift);
                    ++c.weight_csd_histogram[static_cast<size_t>(csd_digits(q))];
                }
            }
            c.n_zero_weights = c.weight_csd_histogram[0];
            c.zero_bias = tok.find("/zero_bias") != std::string::npos;
            ++dense_index;
            h = w = 1;
            chan = b;
        } else if (size_t kh = 0, kw = 0, stride = 0, filt = 0;
                   std::sscanf(tok.c_str(), "conv%zux%zus%zu:%zu", &kh, &kw, &stride, &filt) == 4) {
            // io_parallel Conv2D, KHxKW kernel, stride S, F filters ('valid', or ':same' padding): the Dense
            // kernel (KH*KW*C x F) once per output pixel (n_partitions of one pixel).
            const bool same = tok.find(":same") != std::string::npos;
            if (row.io_stream) throw fail("an io_stream convolution is conv3x3:F (with its line buffer)");
            if (kh == 0 || kw == 0 || stride == 0 || filt == 0 || (!same && (h < kh || w < kw)) || chan == 0)
                throw fail("needs an input:HxWxC image at least as large as the kernel, and positive sizes");
            c.kind = LayerCostInputs::Kind::Conv;
            c.n_in = h * w * chan;
            c.mult_n_in = kh * kw * chan;
            c.mult_n_out = filt;
            h = same ? (h + stride - 1) / stride : (h - kh) / stride + 1;
            w = same ? (w + stride - 1) / stride : (w - kw) / stride + 1;
            c.n_partitions = h * w;
            chan = filt;
            c.n_out = h * w * chan;
            c.weight_csd_histogram = random_histogram(c.mult_n_in * c.mult_n_out);
            c.n_zero_weights = c.weight_csd_histogram[0];
            c.zero_bias = tok.find("/zero_bias") != std::string::npos;
        } else if (std::sscanf(tok.c_str(), "conv3x3:%zu", &a) == 1) {
            // 3x3 'valid', stride 1, as the hls4ml tutorial's CNN
            if (h < 3 || w < 3) throw fail("needs an input:HxWxC image of at least 3x3 before it");
            c.kind = LayerCostInputs::Kind::Conv;
            c.n_in = h * w * chan;
            c.mult_n_in = 9 * chan;
            c.mult_n_out = a;
            c.n_partitions = (h - 2) * (w - 2);
            c.line_buffer_depth = w;
            c.line_buffer_values = 2 * chan;
            h -= 2, w -= 2, chan = a;
            c.n_out = h * w * chan;
        } else if (char op[4] = {}; std::sscanf(tok.c_str(), "%3[a-z]pool%zux%zu", op, &a, &b) == 3 &&
                                      (std::string(op) == "max" || std::string(op) == "avg")) {
            // hls4ml's pooling: stride = pool size; 'valid' drops a partial window, ':same' pads it.
            const bool same = tok.size() > 5 && tok.compare(tok.size() - 5, 5, ":same") == 0;
            if (h < a || w < b || a == 0 || b == 0) throw fail("needs an input image at least as large as the pool");
            c.kind = LayerCostInputs::Kind::Pooling;
            c.average = std::string(op) == "avg";
            c.n_in = h * w * chan;
            c.mult_n_in = a * b;
            c.mult_n_out = chan;
            c.line_buffer_depth = w;
            c.line_buffer_values = (a - 1) * chan;
            h = same ? (h + a - 1) / a : h / a;
            w = same ? (w + b - 1) / b : w / b;
            c.n_out = h * w * chan;
        } else if (tok == "flatten") {
            chan *= h * w;
            h = w = 1;
            continue;
        } else {
            if (chan == 0) throw fail("an element-wise layer needs a layer or input before it");
            c.n_in = c.n_out = h * w * chan;
            if (tok == "relu" || tok == "leaky_relu" || tok == "prelu")
                c.kind = LayerCostInputs::Kind::Activation;
            else if (tok == "leaky_relu:1")  // alpha 1: both branches are x, HLS keeps no logic
                c.kind = LayerCostInputs::Kind::Wiring;
            else if (tok == "sigmoid" || tok == "tanh" || tok == "elu")
                c.kind = LayerCostInputs::Kind::TableActivation;
            else if (tok == "softmax")
                c.kind = LayerCostInputs::Kind::Softmax;
            else
                throw fail("unknown layer");
            c.table_passes_positive = tok == "elu";
        }
        if (first_layer && (row.io_stream || row.reuse_factor == 1)) {
            // The top function's input: the whole array (io_parallel, registered when the top is pipelined at
            // II 1) or one word (io_stream).
            const size_t values = chan_in != 0 ? h_in * w_in * chan_in : c.n_in;
            const size_t word = chan_in != 0 ? chan_in : c.n_in;
            top = hls_csynth_top_level((row.io_stream ? word : values) * static_cast<size_t>(prec.width), row.io_stream);
        }
        // A convolution of several partitions makes hls4ml's top DATAFLOW (SetPipelineStyle): not pipelined.
        if (!row.io_stream && c.kind == LayerCostInputs::Kind::Conv && c.n_partitions > 1) pipelined_top = false;
        first_layer = false;
        // io_stream: one word per pixel (a flat vector: one word), and the layer's output FIFO, one slot per
        // word (hls4ml's default depth).
        const LayerTiming t = row.io_stream ? stream_layer_cost(c, c.kind == LayerCostInputs::Kind::Dense ? c.n_in : chan, dp, 5.0)
                                            : layer_cost(c, dp, 5.0);
        LayerCostInputs sized = c;
        if (row.io_stream && c.kind != LayerCostInputs::Kind::Dense && c.kind != LayerCostInputs::Kind::Conv &&
            c.kind != LayerCostInputs::Kind::Pooling)
            sized.n_in = sized.n_out = chan;  // element-wise layers work on one word
        const ResourceEstimate post = layer_resources(sized, t, dp.dsp_min_operand_bits, rp);
        const CsynthCount count = hls_csynth_count(sized, t, dp.dsp_min_operand_bits, rp);
        out.total += post;
        out.csynth.dsp += post.dsp;
        out.csynth.bram18 += post.bram18;
        out.csynth.csynth_lut += count.lut;
        out.csynth.csynth_ff += count.ff;
        if (row.io_stream) {
            const ResourceEstimate fifo = fifo_resources(h * w, chan * static_cast<size_t>(prec.width), rp);
            out.total += fifo;
            out.csynth.dsp += fifo.dsp;
            out.csynth.bram18 += fifo.bram18;
            out.csynth.csynth_lut += fifo.lut;
            out.csynth.csynth_ff += fifo.ff;
        }
    }
    if (pipelined_top || row.io_stream) {
        out.csynth.csynth_lut += top.lut;
        out.csynth.csynth_ff += top.ff;
    }
    // The C-synthesis figure as a plain estimate: its LUT / FF in the lut / ff fields.
    out.csynth.lut = out.csynth.csynth_lut;
    out.csynth.ff = out.csynth.csynth_ff;
    out.compared = row.figure == "hls_csynth" ? out.csynth : out.total;
    out.estimated = true;
    return out;
}

}  // namespace tlm4ml
