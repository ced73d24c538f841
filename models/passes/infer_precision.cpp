#include "models/passes/infer_precision.h"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "models/model.h"
#include "rtl_models/cost_model.h"

namespace tlm4ml {

using nlohmann::json;

bool is_auto_precision(const std::string& text) {
    std::string s;
    for (char c : text)
        if (!std::isspace(static_cast<unsigned char>(c))) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s == "auto";
}

namespace {

// hls4ml's FixedPrecisionType(width, integer, signed) without modes: TRN, WRAP.
Precision plain_fixed(int width, int integer, bool is_signed) { return Precision::fixed(width, integer, is_signed); }

class Inference {
public:
    Inference(const Precision& dflt, const std::optional<Precision>& maximum, const std::string& where)
        : default_(dflt), maximum_(maximum), where_(where) {}

    std::vector<InferredType> run(json& model) {
        const json& in = model.at("input");
        const std::string input_name = in.at("name").get<std::string>();
        std::string prev = input_name;
        out_[input_name] = parse(in.at("precision").get<std::string>(), "input " + input_name);
        json& layers = model.at("layers");
        for (json& l : layers) {
            const std::string name = l.at("name").get<std::string>();
            std::vector<Precision> ins;
            if (l.contains("inputs")) {
                for (const auto& s : l["inputs"]) ins.push_back(output_of(s.get<std::string>(), name));
            } else {
                ins.push_back(output_of(prev, name));
            }
            resolve(l, name, ins);
            out_[name] = output_precision(l, ins[0]);
            prev = name;
        }
        return inferred_;
    }

private:
    Precision parse(const std::string& text, const std::string& what) const {
        try {
            return Precision::parse(text);
        } catch (const PrecisionError& e) {
            throw ModelError(fmt::format("{}: {}: {}", where_, what, e.what()));
        }
    }

    const Precision& output_of(const std::string& producer, const std::string& reader) const {
        const auto it = out_.find(producer);
        if (it == out_.end())
            throw ModelError(fmt::format("{}: layer \"{}\" reads \"{}\", whose type is unknown", where_, reader, producer));
        return it->second;
    }

    // The type a layer hands on: its result, or for layers that only move data (Flatten, Reshape,
    // ZeroPadding) the input's; a binary / ternary tanh without one writes ap_uint<1> / ap_int<2>.
    Precision output_precision(const json& l, const Precision& in) const {
        const std::string cls = l.at("class").get<std::string>();
        if (l.contains("precision") && l["precision"].is_object() && l["precision"].contains("result"))
            return parse(l["precision"]["result"].get<std::string>(), "result of " + l["name"].get<std::string>());
        if (l.contains("precision") && l["precision"].is_string())
            return parse(l["precision"].get<std::string>(), "precision of " + l["name"].get<std::string>());
        const std::string act = l.value("activation", std::string());
        if (cls == "BatchNormalizationQuantizedTanh" || cls == "Activation") {
            if (act == "binary_tanh") return Precision::integer_of(1, false);
            if (act == "ternary_tanh") return Precision::integer_of(2, true);
        }
        if (cls == "Flatten" || cls == "Reshape" || cls == "ZeroPadding1D" || cls == "ZeroPadding2D") return in;
        return default_;
    }

    bool wants(const json& l, const char* var) const {
        return l.contains("precision") && l["precision"].is_object() && l["precision"].contains(var) &&
               is_auto_precision(l["precision"][var].get<std::string>());
    }

    void set(json& l, const std::string& name, const char* var, const Precision& p) {
        l["precision"][var] = p.str();
        inferred_.push_back({name, var, p});
    }

    // max_precision caps width and integer bits independently (infer_precision.py, every _infer_* helper).
    void cap(int& width, int& integer) const {
        if (!maximum_) return;
        width = std::min(width, maximum_->width);
        integer = std::min(integer, maximum_->integer);
    }

    // infer_precision.py _infer_common_precision (Dense, Conv): the product of input and weight grown by
    // ceil(log2 n_ops) bits, then aligned with the bias (infer_no_bias is off unless an Optimizers section
    // configures it, which tlm4ml refuses).
    Precision common(const Precision& in, const Precision& w, const Precision& b, size_t n_ops) const {
        const int grow = ceil_log2(n_ops);
        int width = w.width + in.width + grow;
        int integer = w.integer + in.integer + grow;
        bool is_signed = w.is_signed || in.is_signed;
        const int frac = width - integer;
        integer = std::max(integer + (b.is_signed && !is_signed ? 1 : 0), b.integer + (is_signed && !b.is_signed ? 1 : 0)) + 1;
        width = integer + std::max(frac, b.width - b.integer);
        is_signed = is_signed || b.is_signed;
        cap(width, integer);
        return plain_fixed(width, integer, is_signed);
    }

    // _infer_bn_precision: input * scale, then + bias.
    Precision batchnorm(const Precision& in, const Precision& s, const Precision& b) const {
        const bool as_signed = s.is_signed || in.is_signed;
        const int as_width = in.width + s.width;
        const int as_integer = in.integer + s.integer;
        const bool is_signed = as_signed || b.is_signed;
        int integer = std::max(as_integer + (b.is_signed && !as_signed ? 1 : 0), b.integer + (as_signed && !b.is_signed ? 1 : 0)) + 1;
        int width = integer + std::max(as_width - as_integer, b.frac());
        cap(width, integer);
        return plain_fixed(width, integer, is_signed);
    }

    // _infer_merge_precision.
    Precision merge(const std::string& cls, const Precision& a, const Precision& b) const {
        if (cls == "Add" || cls == "Subtract" || cls == "Average") {
            const bool is_signed = a.is_signed || b.is_signed || cls == "Subtract";
            int integer = std::max(a.integer + (b.is_signed && !a.is_signed ? 1 : 0), b.integer + (a.is_signed && !b.is_signed ? 1 : 0)) + 1;
            int width = integer + std::max(a.frac(), b.frac());
            cap(width, integer);
            return plain_fixed(width, integer, is_signed);
        }
        if (cls == "Multiply") {
            int width = a.width + b.width, integer = a.integer + b.integer;
            cap(width, integer);
            return plain_fixed(width, integer, a.is_signed || b.is_signed);
        }
        // Maximum / Minimum (no cap, as hls4ml) and Concatenate (capped, modes carried over).
        if (a == b) return a;
        const bool is_signed = a.is_signed || b.is_signed;
        const int ia = a.integer + (is_signed && !a.is_signed ? 1 : 0);
        const int ib = b.integer + (is_signed && !b.is_signed ? 1 : 0);
        int integer = std::max(ia, ib);
        int width = std::max(a.frac(), b.frac()) + integer;
        if (cls != "Concatenate") return plain_fixed(width, integer, is_signed);
        cap(width, integer);
        Precision p = plain_fixed(width, integer, is_signed);
        p.quant = a.quant != QuantMode::TRN ? a.quant : b.quant;
        p.overflow = a.overflow != OverflowMode::WRAP ? a.overflow : b.overflow;
        p.sat_bits = a.sat_bits != 0 ? a.sat_bits : b.sat_bits;
        return p;
    }

    // The product of a nested array's dimensions but the last (a Dense kernel [n_in][n_out]: n_in; a
    // Conv kernel [kh][kw][c][f]: kh*kw*c).
    static size_t ops_of_kernel(const json& kernel) {
        size_t n = 1;
        const json* k = &kernel;
        std::vector<size_t> dims;
        while (k->is_array() && !k->empty()) {
            dims.push_back(k->size());
            k = &(*k)[0];
        }
        for (size_t i = 0; i + 1 < dims.size(); ++i) n *= dims[i];
        return n;
    }

    void resolve(json& l, const std::string& name, const std::vector<Precision>& ins) {
        const std::string cls = l.at("class").get<std::string>();
        const bool result_auto = wants(l, "result"), accum_auto = wants(l, "accum");
        if (!result_auto && !accum_auto) return;
        const Precision& in = ins[0];
        const json& p = l["precision"];
        std::optional<Precision> inferred_accum, inferred_result;
        if (cls == "Dense" || cls == "QDense" || cls == "BinaryDense" || cls == "TernaryDense" || cls == "Conv1D" ||
            cls == "Conv2D" || cls == "QConv1D" || cls == "QConv2D") {
            if (l.value("weight_encoding", std::string()) != "po2") {  // an exponent type is not Fixed/Integer
                const Precision w = parse(p.at("weight").get<std::string>(), "weight of " + name);
                // A layer without a bias gets hls4ml's zero bias typed uint<1> (layers.py add_bias).
                const Precision b = l.value("use_bias", true) ? parse(p.at("bias").get<std::string>(), "bias of " + name)
                                                              : Precision::integer_of(1, false);
                inferred_accum = inferred_result = common(in, w, b, ops_of_kernel(l.at("kernel")));
            }
        } else if (cls == "BatchNormalization") {
            inferred_result = batchnorm(in, parse(p.at("scale").get<std::string>(), "scale of " + name),
                                        parse(p.at("bias").get<std::string>(), "bias of " + name));
        } else if (cls == "MaxPooling1D" || cls == "MaxPooling2D") {
            inferred_accum = inferred_result = in;
        } else if (cls == "AveragePooling1D" || cls == "AveragePooling2D") {
            size_t area = 1;
            for (const auto& d : l.at("pool_size")) area *= d.get<size_t>();
            const int extra = ceil_log2(area);
            inferred_accum = plain_fixed(in.width + 2 * extra, in.integer + extra, in.is_signed);
            inferred_result = in;
        } else if (cls == "Add" || cls == "Subtract" || cls == "Average" || cls == "Multiply" || cls == "Maximum" ||
                   cls == "Minimum" || cls == "Concatenate") {
            inferred_result = merge(cls, ins.at(0), ins.at(1));
        }
        if (accum_auto) set(l, name, "accum", inferred_accum.value_or(default_));
        if (result_auto) set(l, name, "result", inferred_result.value_or(default_));
    }

    Precision default_;
    std::optional<Precision> maximum_;
    std::string where_;
    std::map<std::string, Precision> out_;
    std::vector<InferredType> inferred_;
};

}  // namespace

std::vector<InferredType> infer_precision_types(json& model, const Precision& model_default,
                                                const std::optional<Precision>& maximum, const std::string& where) {
    return Inference(model_default, maximum, where).run(model);
}

}  // namespace tlm4ml
