#include "testbenches/report/report.h"

#include "testbenches/report/resource_report.h"


#include <algorithm>

#include <fmt/format.h>

namespace tlm4ml {

RunReport make_report(const Network& net, const SampleTiming& timing, bool back_to_back,
                      const std::string& profile_name) {
    const Model& m = net.model();
    RunReport r;
    r.model = m.name;
    r.io_type = to_string(m.io_type);
    r.strategy = to_string(m.strategy);
    r.profile = profile_name;
    r.clock_period_ns = m.clock_period_ns;
    r.samples = timing.samples();
    r.received = timing.received();
    r.expected_latency = net.expected_latency();
    r.expected_ii = net.expected_ii();
    r.streaming = net.streaming();
    r.warnings = m.warnings;

    if (timing.received()) {
        r.first_output_latency = timing.first_latency();
        r.latency_min = timing.latency_min();
        r.latency_max = timing.latency_max();
        r.latency_mean = timing.latency_mean();
        r.source_wait_min = timing.wait_min();
        r.source_wait_max = timing.wait_max();
        r.source_wait_mean = timing.wait_mean();
    }
    // The steady state: intervals between consecutive outputs over the second half of the run.
    if (back_to_back) r.steady_state_ii = timing.steady_state_ii();
    if (r.steady_state_ii || !r.streaming) {
        const double ii = r.steady_state_ii ? *r.steady_state_ii : r.expected_ii;
        r.throughput_per_s = 1e9 / (ii * r.clock_period_ns);
    }

    auto fifo = [](const StreamChannel& c) {
        FifoReport f;
        f.name = c.name();
        f.depth = c.depth();
        f.max_occupancy = c.stats().max_occupancy;
        f.cycles_full = c.stats().cycles_full;
        return f;
    };
    auto add = [&](const Layer& layer, const LayerTiming& timing, const LayerStats& st, const StreamChannel& out) {
        LayerReport lr;
        lr.name = layer.name();
        lr.class_name = layer.class_name();
        lr.precision = layer.precision_summary();
        lr.reuse_factor = layer.reuse_factor();
        lr.cost = timing;
        lr.expected_ii = timing.ii;
        lr.expected_latency = timing.latency;
        lr.inferences = st.inferences;
        lr.measured_ii = st.measured_ii();
        lr.latency_min = st.latency_min();
        lr.latency_max = st.latency_max();
        lr.outputs.push_back(fifo(out));
        r.dsp += lr.cost.dsp;
        r.lut += lr.cost.lut;
        r.ff += lr.cost.ff;
        r.bram18 += lr.cost.bram18;
        r.multipliers += lr.cost.multipliers;
        r.layers.push_back(std::move(lr));
    };
    // hls4ml's clone_stream: a PIPELINE II=1 copy loop, wiring for the cost model (no resources counted).
    auto add_clone = [&](const StreamClone& c) {
        LayerReport lr;
        lr.name = c.clone_name();
        lr.class_name = "Clone";
        lr.clone = true;
        // The words it copies are its producer's (a layer's result, or the model input).
        const std::string& producer = net.fifo_owner(c.input());
        lr.precision = "result=" + m.input_precision.str();
        for (const auto& l : m.layers)
            if (l->name() == producer) lr.precision = l->precision_summary();
        lr.expected_ii = StreamClone::kIi;
        lr.expected_latency = StreamClone::kLatency;
        lr.cost.ii = StreamClone::kIi;
        lr.cost.latency = StreamClone::kLatency;
        lr.inferences = c.stats().inferences;
        lr.measured_ii = c.stats().measured_ii();
        lr.latency_min = c.stats().latency_min();
        lr.latency_max = c.stats().latency_max();
        for (const StreamChannel* o : c.outputs()) lr.outputs.push_back(fifo(*o));
        r.layers.push_back(std::move(lr));
    };
    // Network order: io_parallel layers; io_stream layers (per input word (pixel) II and latency, see
    // rtl_models/cost_model.h) with each clone after its producer. io_parallel clones are wiring: no row.
    for (const Clocked* part : net.parts()) {
        if (auto* m = dynamic_cast<const ClockedModule*>(part)) add(m->layer(), m->timing(), m->stats(), m->output());
        else if (auto* cl = dynamic_cast<const StreamClone*>(part); cl && net.streaming()) add_clone(*cl);
    }
    return r;
}

std::string ii_check_failures(const std::vector<LayerReport>& layers) {
    auto show = [](const std::optional<int>& x) { return x ? std::to_string(*x) : std::string("n/m"); };
    std::string bad;
    for (const auto& l : layers) {
        const std::string v = l.ii_verdict();
        if (v == "pass") continue;
        if (v == "not measured")
            bad += fmt::format(" {} (not measured{})", l.name, l.isolated_note.empty() ? "" : ": " + l.isolated_note);
        else
            bad += fmt::format(" {} ({}: expected {}, in network {}, isolated {}{})", l.name, v, l.expected_ii,
                               show(l.measured_ii), show(l.isolated_ii),
                               l.isolated_note.empty() ? "" : ": " + l.isolated_note);
    }
    return bad;
}

namespace {
// The layers' resources for the resource report (clones cost nothing).
std::vector<LayerResources> resource_rows(const std::vector<LayerReport>& layers) {
    std::vector<LayerResources> rows;
    for (const auto& l : layers)
        if (!l.clone) rows.push_back({l.name, {l.cost.dsp, l.cost.lut, l.cost.ff, l.cost.bram18, l.cost.csynth_lut, l.cost.csynth_ff}});
    return rows;
}
// Per layer: whether it was measured, how many output values, how many a saturating or wrapping cast changed.
nlohmann::json overflow_json(const std::vector<LayerOverflow>& layers) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& l : layers)
        j.push_back({{"layer", l.layer}, {"measured", l.measured}, {"values", l.values}, {"overflowed", l.overflowed}});
    return j;
}
}  // namespace

nlohmann::json RunReport::to_json() const {
    using nlohmann::json;
    auto fifo_j = [](const FifoReport& f) {
        json j{{"name", f.name}, {"depth", f.unbounded ? json(nullptr) : json(f.depth)}, {"max_occupancy", f.max_occupancy},
               {"cycles_full", f.cycles_full}};
        if (f.unbounded) j["unbounded"] = true;
        if (f.sized_depth) j["sized_depth"] = *f.sized_depth;
        return j;
    };
    auto fifos_j = [&](const std::vector<FifoReport>& v) {
        json a = json::array();
        for (const auto& f : v) a.push_back(fifo_j(f));
        return a;
    };
    json layers_j = json::array();
    for (const auto& l : layers) {
        json j = {{"name", l.name},
                  {"class", l.class_name},
                  {"precision", l.precision},
                  {"reuse_factor", l.clone ? json(nullptr) : json(l.reuse_factor)},
                  {"expected_ii", l.expected_ii},
                  {"measured_ii", l.measured_ii ? json(*l.measured_ii) : json(nullptr)},
                  {"isolated_ii", l.isolated_ii ? json(*l.isolated_ii) : json(nullptr)},
                  {"isolated_note", l.isolated_note.empty() ? json(nullptr) : json(l.isolated_note)},
                  {"ii_check", l.ii_verdict()},
                  {"expected_latency", l.expected_latency},
                  {"latency_min", l.latency_min ? json(*l.latency_min) : json(nullptr)},
                  {"latency_max", l.latency_max ? json(*l.latency_max) : json(nullptr)},
                  {"inferences", l.inferences},
                  {"output_fifo", l.outputs.size() == 1 ? fifo_j(l.outputs.front()) : json(nullptr)},
                  {"output_fifos", fifos_j(l.outputs)},
                  {"resources", {{"multipliers", l.cost.multipliers}, {"dsp", l.cost.dsp}, {"lut", l.cost.lut},
                                 {"ff", l.cost.ff}, {"bram18", l.cost.bram18}}}};
        layers_j.push_back(std::move(j));
    }
    const bool reference_match = reference_mismatches == 0;
    const bool expected_ok = !expected_mismatches || *expected_mismatches == 0;
    const bool passed = reference_match && !deadlock && expected_ok && check_ii_passed.value_or(true) &&
                        (!fifo_sizing_run || fifo_sizing_ok);
    json j = {{"schema_version", kSchemaVersion},
              {"tool_version", TLM4ML_VERSION},
              {"model", model},
              {"io_type", io_type},
              {"strategy", strategy},
              {"device_profile", profile},
              {"device_profile_source", profile_source},
              {"clock_uncertainty", clock_uncertainty},
              {"clock_period_ns", clock_period_ns},
              {"samples", samples},
              {"received", received},
              {"total_cycles", total_cycles},
              {"evaluated_cycles", evaluated_cycles},
              {"latency",
               {{"expected_cycles", streaming ? json(nullptr) : json(expected_latency)},
                {"lower_bound_cycles", expected_latency},
                {"first_output_cycles", first_output_latency ? json(*first_output_latency) : json(nullptr)},
                {"first_output_ns", first_output_latency ? json(*first_output_latency * clock_period_ns) : json(nullptr)},
                {"min_cycles", latency_min},
                {"max_cycles", latency_max},
                {"mean_cycles", latency_mean},
                {"measured_from", "input accepted"},
                {"source_wait", {{"min_cycles", source_wait_min}, {"max_cycles", source_wait_max},
                                 {"mean_cycles", source_wait_mean}}}}},
              {"ii",
               {{"expected", streaming ? json(nullptr) : json(expected_ii)},
                {"steady_state", steady_state_ii ? json(*steady_state_ii) : json(nullptr)}}},
              {"throughput_inferences_per_s", throughput_per_s > 0 ? json(throughput_per_s) : json(nullptr)},
              {"throughput",
               {{"design_per_s", throughput_per_s > 0 ? json(throughput_per_s) : json(nullptr)},
                {"achieved_per_s", achieved_per_s() > 0 ? json(achieved_per_s()) : json(nullptr)}}},
              {"resources", {{"multipliers", multipliers}, {"dsp", dsp}, {"lut", lut}, {"ff", ff}, {"bram18", bram18},
                             {"detail", resource_json(resource_rows(layers), part)}}},
              {"layers", layers_j},
              {"checks",
               {{"reference_mismatches", reference_mismatches},
                {"expected_mismatches", expected_mismatches ? json(*expected_mismatches) : json(nullptr)},
                {"accuracy", accuracy ? json(*accuracy) : json(nullptr)},
                {"labelled_samples", labelled},
                {"deadlock", deadlock},
                {"fifo_sizing", fifo_sizing.empty() ? json(nullptr) : json(fifo_sizing)},
                {"passed", passed},
                {"reference_match", reference_match},
                {"expected_match", expected_mismatches ? json(expected_ok) : json(nullptr)},
                {"check_ii_passed", check_ii_passed ? json(*check_ii_passed) : json(nullptr)},
                {"fifo_sizing_held", fifo_sizing_run ? json(fifo_sizing_ok) : json(nullptr)}}},
              {"warnings", warnings},
              {"keras_agreement", keras ? json{{"file", keras->file},
                                               {"compared_samples", keras->compared},
                                               {"same_class_share", keras->same_class_share},
                                               {"max_abs_diff", keras->max_abs_diff},
                                               {"mean_abs_diff", keras->mean_abs_diff}}
                                        : json(nullptr)},  // no OutputPredictions compared
              {"overflow", overflows.empty() ? nlohmann::json(nullptr) : overflow_json(overflows)},  // not profiled
              {"simulation_speed",
               {{"wall_seconds", sim_wall_seconds},
                {"cycles_per_s", sim_wall_seconds > 0 ? total_cycles / sim_wall_seconds : 0.0},
                {"inferences_per_s", sim_wall_seconds > 0 ? received / sim_wall_seconds : 0.0}}}};
    if (deadlock) j["checks"]["deadlock_detail"] = deadlock_detail;
    return j;
}

namespace {

// The result type of a row ("ap_fixed<16,6>"), from its precision summary ("weight=... result=ap_fixed<16,6>").
std::string result_type(const std::string& summary) {
    const size_t at = summary.find("result=");
    if (at == std::string::npos) return summary.substr(0, summary.find(' '));
    const size_t from = at + 7;
    return summary.substr(from, summary.find(' ', from) - from);
}

// Words joined into lines of at most `width` characters, each line starting with `indent`.
std::string wrap(const std::string& text, size_t width, const std::string& indent) {
    std::string out, line = indent;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find(' ', pos);
        if (end == std::string::npos) end = text.size();
        const std::string word = text.substr(pos, end - pos);
        if (line.size() > indent.size() && line.size() + 1 + word.size() > width) {
            out += line + "\n";
            line = indent;
        }
        line += (line.size() > indent.size() ? " " : "") + word;
        pos = end + 1;
    }
    return out + line + "\n";
}

}  // namespace

std::string RunReport::to_table(bool summary_only) const {
    auto opt = [](const std::optional<int>& v) { return v ? std::to_string(*v) : std::string("n/m"); };
    std::string s;
    s += fmt::format("model {} ({}, {}, clock {} ns, profile {}): {} of {} samples\n\n", model, io_type, strategy,
                     clock_period_ns, profile, received, samples);
    // The FIFO column: "max/depth" of the row's output FIFO; a clone lists each output, in consumer order.
    bool any_unbounded = false;
    auto fifos = [&](const LayerReport& l) {
        std::string f;
        for (const auto& o : l.outputs) {
            const std::string depth = o.unbounded ? (o.sized_depth ? fmt::format("unbounded({})", *o.sized_depth)
                                                                   : std::string("unbounded"))
                                                  : std::to_string(o.depth);
            any_unbounded = any_unbounded || o.unbounded;
            f += fmt::format("{}{:>4}/{:<3}", f.empty() ? "" : " ", o.max_occupancy, depth);
        }
        return f;
    };
    size_t nw = 5, cw = 5, fw = 8;
    for (const auto& l : layers) {
        nw = std::max(nw, l.name.size());
        cw = std::max(cw, l.class_name.size());
        fw = std::max(fw, fifos(l).size());
    }
    constexpr size_t kWidth = 120;
    const std::string header =
        fmt::format("{:<{}} {:<{}} {:>3} {:>6} {:>6} {:>6} {:>7} {:>7} {:<{}} {:>6} {:>5}  ", "layer", nw, "class", cw, "R",
                    "II exp", "II net", "II iso", "lat exp", "latency", "fifo max", fw, "mults", "DSP");
    s += header + (header.size() + 11 <= kWidth ? "result type" : header.size() + 4 <= kWidth ? "type" : "") + "\n";
    for (const auto& l : layers) {
        std::string lat = l.latency_min ? (l.latency_min == l.latency_max ? std::to_string(*l.latency_min)
                                                                          : fmt::format("{}-{}", *l.latency_min, *l.latency_max))
                                        : "n/m";
        std::string ii = opt(l.measured_ii), iso = opt(l.isolated_ii);
        if (l.measured_ii && *l.measured_ii != l.expected_ii) ii += "!";
        if (l.isolated_ii && *l.isolated_ii != l.expected_ii) iso += "!";
        const std::string row =
            fmt::format("{:<{}} {:<{}} {:>3} {:>6} {:>6} {:>6} {:>7} {:>7} {:<{}} {:>6} {:>5}  ", l.name, nw, l.class_name, cw,
                        l.clone ? std::string("-") : std::to_string(l.reuse_factor), l.expected_ii, ii, iso,
                        l.expected_latency, lat, fifos(l), fw, l.cost.multipliers, l.cost.dsp);
        // The table stays within kWidth columns: the type is cut short when names are long (the JSON has it).
        std::string type = result_type(l.precision);
        const size_t room = row.size() < kWidth ? kWidth - row.size() : 0;
        if (type.size() > room) type = room > 4 ? type.substr(0, room - 3) + "..." : std::string();
        s += row + type + "\n";
    }
    std::string legend =
        "R reuse factor. II exp, lat exp: the cost model's II and latency in cycles. II net: the II measured in "
        "the network; II iso: on the layer's own bench fed back-to-back (--check-ii); n/m: not measured (never "
        "two inputs back-to-back); !: differs from II exp. latency: measured, min-max. fifo max: the most items "
        "the output FIFO held across a clock edge / its depth";
    if (any_unbounded) legend += " (unbounded(N): unbounded while --fifo-depths auto measured it, N the depth written)";
    legend += ". mults, DSP: multipliers in use. result type: the layer's output type; every type (weight, bias, "
              "accum, ...) is in the --report JSON.";
    s += "\n" + wrap(legend, kWidth - 2, "  ");
    s += "\nresources per layer (Vivado post-synthesis estimate; README, \"Resources: what the network needs\")\n" +
         format_resource_table(resource_rows(layers), part) + "\n";
    if (summary_only) s.clear();
    if (!profile_source.empty()) {
        // Wrapped under its label: the source may name a long path.
        const std::string label = "profile      ";
        const std::string text = wrap(
            fmt::format("{} from {}; clock uncertainty {}", profile, profile_source, clock_uncertainty), 120,
            std::string(label.size(), ' '));
        s += label + text.substr(label.size());
    }
    // io_stream: line-buffer fill, FIFO depths and rate mismatches decide the network's figures; only the
    // simulation knows them (the sum of layer latencies is a lower bound).
    if (first_output_latency) {
        s += fmt::format("latency      input accepted -> output: first {} cycles = {} ns{}; min {}, max {}, mean {:.1f}\n",
                         *first_output_latency, *first_output_latency * clock_period_ns,
                         streaming ? std::string() : fmt::format(" (expected {})", expected_latency), latency_min,
                         latency_max, latency_mean);
        // io_stream: line-buffer fill, FIFO depths and rate mismatches decide the network's figures; only the
        // simulation knows them (the sum of layer latencies is a lower bound).
        if (streaming)
            s += fmt::format("             io_stream: simulated; the layer latencies sum to {} (a lower bound)\n",
                             expected_latency);
        s += fmt::format("source wait  offered -> accepted: mean {:.1f} cycles, min {}, max {}\n", source_wait_mean,
                         source_wait_min, source_wait_max);
    }
    s += fmt::format("II           {}, steady state {}\n",
                     streaming ? std::string("io_stream: simulated") : fmt::format("expected {}", expected_ii),
                     steady_state_ii ? fmt::format("{}", *steady_state_ii) : std::string("not measured (inputs not back-to-back)"));
    const std::string design =
        throughput_per_s > 0 ? fmt::format("; the design's 1/II {:.4g}/s at {} MHz", throughput_per_s, 1000.0 / clock_period_ns)
                             : std::string();
    s += fmt::format("throughput   achieved {:.4g} inferences/s ({} in {} cycles){}\n", achieved_per_s(), received,
                     total_cycles, design);
    s += fmt::format("resources    {} multipliers, {} DSP, ~{} LUT, ~{} FF, {} BRAM18 (post-synthesis estimate)\n",
                     multipliers, dsp, lut, ff, bram18);
    if (part) {
        const auto pct = [](size_t used, size_t cap) { return cap ? 100.0 * static_cast<double>(used) / static_cast<double>(cap) : 0.0; };
        s += fmt::format("part         {}: {:.1f}% of its DSP, {:.1f}% LUT, {:.1f}% FF, {:.1f}% BRAM18\n", part->device,
                         pct(dsp, part->dsp), pct(lut, part->lut), pct(ff, part->ff), pct(bram18, part->bram18));
    }
    s += fmt::format("reference    {} of {} outputs differ from the untimed reference\n", reference_mismatches, received);
    {
        std::string o;
        for (const auto& l : overflows)
            if (l.measured && l.overflowed)
                o += fmt::format("{}{} {:.2g}%", o.empty() ? "" : ", ", l.layer,
                                 100.0 * static_cast<double>(l.overflowed) / static_cast<double>(l.values));
        if (!overflows.empty())
            s += "overflow     " + (o.empty() ? std::string("no layer saturated or wrapped") : o + " of the values saturated or wrapped") + "\n";
    }
    if (expected_mismatches) s += fmt::format("expected     {} outputs differ from the expected file\n", *expected_mismatches);
    if (accuracy) s += fmt::format("accuracy     {:.4f} over {} labelled samples\n", *accuracy, labelled);
    if (deadlock) s += "DEADLOCK     " + deadlock_detail + "\n";
    if (!fifo_sizing.empty()) s += "fifo depths  " + fifo_sizing + "\n";
    if (sim_wall_seconds > 0)
        s += fmt::format("speed        {} cycles in {:.3f} s: {:.3g} simulated cycles/s, {:.3g} inferences/s\n",
                         total_cycles, sim_wall_seconds, total_cycles / sim_wall_seconds, received / sim_wall_seconds);
    return s;
}

}  // namespace tlm4ml
