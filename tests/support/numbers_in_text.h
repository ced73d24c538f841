// Numbers read out of a program's output, for the tests that check one: what std::regex_search would capture,
// without std::regex, which adds 2 s to a test file's compile time (8 s under the sanitizers).
#pragma once

#include <string>

namespace tlm4ml_test {

// What std::regex_search(text, m, std::regex(before + "([0-9]+)" + after)) captures in m[1]; "" when none matches.
inline std::string digits_between(const std::string& text, const std::string& before, const std::string& after) {
    for (size_t at = text.find(before); at != std::string::npos; at = text.find(before, at + 1)) {
        const size_t begin = at + before.size();
        size_t end = begin;
        while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
        if (end > begin && text.compare(end, after.size(), after) == 0) return text.substr(begin, end - begin);
    }
    return "";
}

// The accuracy `tlm4ml run --mnist` prints: what std::regex("accuracy +([0-9.]+) over <samples> ") captures; ""
// when none matches.
inline std::string accuracy_over(const std::string& text, int samples) {
    const std::string label = "accuracy";
    const std::string after = " over " + std::to_string(samples) + " ";
    for (size_t at = text.find(label); at != std::string::npos; at = text.find(label, at + 1)) {
        size_t begin = at + label.size();
        const size_t spaces = begin;
        while (begin < text.size() && text[begin] == ' ') ++begin;
        if (begin == spaces) continue;
        size_t end = begin;
        while (end < text.size() && ((text[end] >= '0' && text[end] <= '9') || text[end] == '.')) ++end;
        if (end > begin && text.compare(end, after.size(), after) == 0) return text.substr(begin, end - begin);
    }
    return "";
}

}  // namespace tlm4ml_test
