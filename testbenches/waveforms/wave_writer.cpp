#include "testbenches/waveforms/wave_writer.h"

#include "testbenches/waveforms/fst_writer.h"
#include "testbenches/waveforms/vcd_writer.h"

namespace tlm4ml {

size_t WaveWriter::declare(const std::string& dotted, Kind kind, int width) {
    Declaration d;
    size_t start = 0;
    while (true) {
        const size_t dot = dotted.find('.', start);
        d.scope.push_back(dotted.substr(start, dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    d.name = d.scope.back();
    d.scope.pop_back();
    d.kind = kind;
    d.width = kind == Kind::Bit ? 1 : (kind == Kind::Real ? 64 : width);
    declarations_.push_back(std::move(d));
    last_.emplace_back();
    return declarations_.size() - 1;
}

std::string WaveWriter::display_name(size_t id) const {
    const Declaration& d = declarations_[id];
    std::string s;
    for (const auto& p : d.scope) s += p + ".";
    s += d.name;
    if (d.kind == Kind::Vector) s += "[" + std::to_string(d.width - 1) + ":0]";
    return s;
}

void WaveWriter::walk_declarations(const std::function<void(const std::string&)>& open,
                                   const std::function<void()>& close, const std::function<void(size_t)>& var) const {
    std::vector<std::string> opened;
    for (size_t id = 0; id < declarations_.size(); ++id) {
        const Declaration& d = declarations_[id];
        size_t common = 0;
        while (common < opened.size() && common < d.scope.size() && opened[common] == d.scope[common]) ++common;
        while (opened.size() > common) {
            close();
            opened.pop_back();
        }
        while (opened.size() < d.scope.size()) {
            open(d.scope[opened.size()]);
            opened.push_back(d.scope[opened.size()]);
        }
        var(id);
    }
    for (; !opened.empty(); opened.pop_back()) close();
}

std::unique_ptr<WaveWriter> make_wave_writer(const std::string& path, const std::string& format_path) {
    if (wants_fst(format_path)) return std::make_unique<FstWriter>(path);
    return std::make_unique<VcdWriter>(path);
}

}  // namespace tlm4ml
