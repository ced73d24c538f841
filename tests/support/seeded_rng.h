// A random engine whose seed is printed and recorded, so a failing randomized test can be replayed:
// TLM4ML_SEED=<n> overrides the base seed; `salt` gives each test its own stream.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

namespace tlm4ml_test {

inline std::mt19937_64 seeded_rng(uint64_t salt) {
    const char* env = std::getenv("TLM4ML_SEED");
    const uint64_t seed = (env ? std::strtoull(env, nullptr, 0) : uint64_t{20261204}) * 16 + salt;
    std::cout << "[ seed     ] " << seed << " (salt " << salt << "; set TLM4ML_SEED to override)" << std::endl;
    ::testing::Test::RecordProperty("seed", std::to_string(seed));
    return std::mt19937_64(seed);
}

}  // namespace tlm4ml_test
