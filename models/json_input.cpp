#include "models/json_input.h"

#include <fmt/format.h>

#include "models/model.h"

namespace tlm4ml {

namespace {

struct TooDeep {};

template <typename Input>
nlohmann::json parse_bounded(Input&& in, const std::string& label) {
    // The callback sees every container as it opens, at its depth (0 for the top level).
    const nlohmann::json::parser_callback_t limit = [](int depth, nlohmann::json::parse_event_t event,
                                                       nlohmann::json&) {
        if ((event == nlohmann::json::parse_event_t::object_start ||
             event == nlohmann::json::parse_event_t::array_start) &&
            depth >= kMaxJsonDepth)
            throw TooDeep{};
        return true;
    };
    try {
        return nlohmann::json::parse(std::forward<Input>(in), limit);
    } catch (const TooDeep&) {
        throw ModelError(fmt::format("{}: JSON nested deeper than {} levels (not a model file?)", label, kMaxJsonDepth));
    } catch (const nlohmann::json::exception& e) {
        throw ModelError(fmt::format("{}: malformed JSON: {}", label, e.what()));
    }
}

}  // namespace

nlohmann::json parse_json_bounded(std::istream& in, const std::string& label) { return parse_bounded(in, label); }

nlohmann::json parse_json_bounded(const std::string& text, const std::string& label) {
    return parse_bounded(text, label);
}

}  // namespace tlm4ml
