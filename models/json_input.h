// JSON read from files the user gives (model files, Keras architectures): nesting is bounded while parsing,
// before any value is built, because later walks over a value (copies, tensor flattening) recurse once per
// level and a file of a million '[' would overflow the stack.
#pragma once

#include <istream>
#include <string>

#include <nlohmann/json.hpp>

namespace tlm4ml {

// Deeper than any model tlm4ml reads (a conv kernel inside a layer inside the file is 7 levels; Keras
// functional configs reach about 12).
constexpr int kMaxJsonDepth = 100;

// Parses `in` (or `text`), naming `label` in errors. Throws ModelError: "<label>: malformed JSON: ..." or
// "<label>: JSON nested deeper than 100 levels".
nlohmann::json parse_json_bounded(std::istream& in, const std::string& label);
nlohmann::json parse_json_bounded(const std::string& text, const std::string& label);

}  // namespace tlm4ml
