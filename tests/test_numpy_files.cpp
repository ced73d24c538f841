// Sample files read a row at a time and outputs written as they come (testbenches/data/sample_reader.h,
// sample_writer.h): NumPy .npy arrays whose header bytes the test writes itself (not numpy), .npz archives
// made here with libzip, bad headers refused naming the file and the field, the exact decimal text against
// an independent long-multiplication oracle, and the program's predict / run with .npy in and out.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <zip.h>

#include "rtl_models/fixed_math.h"
#include "testbenches/data/sample_io.h"
#include "testbenches/data/sample_reader.h"
#include "testbenches/data/sample_writer.h"
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace tlm4ml;
using namespace tlm4ml_test;

namespace {

// A version 1.0 .npy: magic, header length, the dict padded with spaces to a multiple of 64 bytes, then data.
std::string npy_bytes(const std::string& dict, const std::string& data) {
    std::string header = dict;
    while ((10 + header.size() + 1) % 64 != 0) header.push_back(' ');
    header.push_back('\n');
    std::string out("\x93NUMPY\x01\x00", 8);
    out.push_back(static_cast<char>(header.size() & 0xff));
    out.push_back(static_cast<char>(header.size() >> 8));
    return out + header + data;
}

template <typename T>
std::string raw_bytes(const std::vector<T>& v) {
    std::string s(v.size() * sizeof(T), '\0');
    std::memcpy(s.data(), v.data(), s.size());  // little-endian hosts, as '<' says
    return s;
}

// Every digit of raw * 2^-frac by long multiplication in decimal (raw * 5^frac, point frac places from the
// right): independent of fixed_math's binary long division.
std::string decimal_oracle(int64_t raw, int frac) {
    const bool neg = raw < 0;
    uint64_t mag = neg ? 0 - static_cast<uint64_t>(raw) : static_cast<uint64_t>(raw);
    std::string digits = std::to_string(mag);  // most significant first
    auto times = [&](int factor) {
        int carry = 0;
        for (size_t k = digits.size(); k-- > 0;) {
            const int d = (digits[k] - '0') * factor + carry;
            digits[k] = static_cast<char>('0' + d % 10);
            carry = d / 10;
        }
        if (carry) digits.insert(digits.begin(), static_cast<char>('0' + carry));
    };
    for (int i = 0; i < frac; ++i) times(5);
    for (int i = 0; i < -frac; ++i) times(2);  // an integer with trailing zero bits
    if (frac > 0) {
        if (digits.size() <= static_cast<size_t>(frac)) digits.insert(0, static_cast<size_t>(frac) + 1 - digits.size(), '0');
        digits.insert(digits.size() - static_cast<size_t>(frac), ".");
        while (digits.back() == '0') digits.pop_back();
        if (digits.back() == '.') digits.pop_back();
    }
    return (neg && mag != 0 ? "-" : "") + digits;
}

class NumpyFiles : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::path(::testing::TempDir()) / ("tlm4ml_npy_" + std::string(info->name()) + "_" + std::to_string(getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override {
        if (!HasFailure()) fs::remove_all(dir_);
    }
    fs::path file(const std::string& name, const std::string& bytes) const {
        write_text(dir_ / name, bytes);
        return dir_ / name;
    }
    // The message RowReader::open + reading every row throws, or "" when it reads.
    static std::string refusal(const fs::path& p, size_t width) {
        try {
            const auto r = RowReader::open(p.string(), width, 0, RowReader::Values::float_inputs);
            std::vector<double> row(r->width());
            for (size_t k = 0; k < r->rows(); ++k) r->next(row.data());
        } catch (const SampleFileError& e) {
            return e.what();
        }
        return "";
    }
    RunResult tlm4ml(const std::string& args) const { return run_program(TLM4ML_BINARY, args, dir_); }

    fs::path dir_;
};

TEST_F(NumpyFiles, HandMadeArraysAreReadRowByRowWhateverTheDtype) {
    // [3, 2, 2] float32: each row flattened (C order) is one sample of 4 values.
    const std::vector<float> f4 = {1, 2, 3, 4, -0.5f, 0.25f, 0, 1e-3f, 7, 8, 9, 10};
    const auto a = RowReader::open(
        file("a.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2, 2), }", raw_bytes(f4))).string(), 4);
    ASSERT_EQ(a->rows(), 3u);
    ASSERT_EQ(a->width(), 4u);
    std::vector<double> row(4);
    for (size_t k = 0; k < 3; ++k) {
        a->next(row.data());
        for (size_t i = 0; i < 4; ++i) EXPECT_EQ(row[i], static_cast<double>(f4[k * 4 + i])) << k << " " << i;
    }
    EXPECT_EQ(a->where(), dir_.string() + "/a.npy: row 3");

    // Integer dtypes, and a 1-D array: one value per row (class indices), capped by max_rows.
    const auto b = RowReader::open(
        file("b.npy", npy_bytes("{'descr': '<i2', 'fortran_order': False, 'shape': (4,), }",
                                raw_bytes(std::vector<int16_t>{3, -2, 0, 32767}))).string(), 0, 3);
    ASSERT_EQ(b->rows(), 3u);
    ASSERT_EQ(b->width(), 1u);
    for (double want : {3.0, -2.0, 0.0}) {
        b->next(row.data());
        EXPECT_EQ(row[0], want);
    }
    const auto c = RowReader::open(
        file("c.npy", npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", std::string("\x00\x80\xff\x01\x02\x03", 6)))
            .string());
    ASSERT_EQ(c->width(), 3u);
    c->next(row.data());
    EXPECT_EQ(std::vector<double>(row.begin(), row.begin() + 3), (std::vector<double>{0, 128, 255}));
}

TEST_F(NumpyFiles, BadHeadersAreRefusedNamingTheFileAndTheField) {
    const std::string f8 = raw_bytes(std::vector<double>{1, 2, 3, 4, 5, 6});
    struct Case {
        const char* name;
        std::string bytes;
        const char* says;
    };
    const std::vector<Case> cases = {
        {"width.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", f8),
         "'shape' (2, 3): each of the 2 rows holds 3 values, expected 4"},
        {"fortran.npy", npy_bytes("{'descr': '<f8', 'fortran_order': True, 'shape': (3, 2), }", f8), "'fortran_order'"},
        {"bigendian.npy", npy_bytes("{'descr': '>f8', 'fortran_order': False, 'shape': (3, 2), }", f8),
         "'descr': unsupported dtype '>f8'"},
        {"complex.npy", npy_bytes("{'descr': '<c8', 'fortran_order': False, 'shape': (3, 1), }", f8),
         "'descr': unsupported dtype '<c8'"},
        {"scalar.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", f8),
         "'shape' () is one value"},
        {"empty.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4), }", ""), "no samples"},
        {"short.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (9, 4), }", f8),
         "truncated data: the shape claims 36 values"},
        {"magic.npy", "NUMPY? no", "magic"},
        {"nan.npy",
         npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 4), }",
                   raw_bytes(std::vector<double>{1, 2, 3, 4, 5, std::nan(""), 7, 8})),
         "row 2, value 2: nan is not a finite number"},
        {"beyond_float.npy",
         npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 4), }",
                   raw_bytes(std::vector<double>{1, 2, 1e300, 4})),
         "row 1, value 3: 1e+300 is not a finite number as a float"},
    };
    for (const auto& c : cases) {
        const fs::path p = file(c.name, c.bytes);
        const std::string why = refusal(p, 4);
        EXPECT_NE(why.find(p.string()), std::string::npos) << c.name << ": " << why;
        EXPECT_NE(why.find(c.says), std::string::npos) << c.name << ": " << why;
    }
}

TEST_F(NumpyFiles, NpzArchivesGiveOneArrayByName) {
    const fs::path archive = dir_ / "data.npz";
    int err = 0;
    zip_t* z = zip_open(archive.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    ASSERT_NE(z, nullptr);
    const std::string x = npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
                                    raw_bytes(std::vector<float>{0.5f, -1, 2, 3}));
    const std::string y = npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
                                    raw_bytes(std::vector<int64_t>{1, 0}));
    for (const auto& [name, bytes] : {std::pair<const char*, const std::string*>{"x.npy", &x}, {"y.npy", &y}}) {
        zip_source_t* s = zip_source_buffer(z, bytes->data(), bytes->size(), 0);
        const zip_int64_t at = zip_file_add(z, name, s, ZIP_FL_OVERWRITE);
        ASSERT_GE(at, 0);
        zip_set_file_compression(z, static_cast<zip_uint64_t>(at), ZIP_CM_DEFLATE, 9);  // numpy's savez_compressed
    }
    ASSERT_EQ(zip_close(z), 0);

    const auto r = RowReader::open(archive.string() + ":x", 2);
    ASSERT_EQ(r->rows(), 2u);
    std::vector<double> row(2);
    r->next(row.data());
    EXPECT_EQ(row, (std::vector<double>{0.5, -1}));
    r->next(row.data());
    EXPECT_EQ(row, (std::vector<double>{2, 3}));
    const auto labels = RowReader::open(archive.string() + ":y");
    EXPECT_EQ(labels->width(), 1u);
    EXPECT_NE(refusal(archive, 2).find("holds 2 arrays (x, y): name one as " + archive.string() + ":NAME"),
              std::string::npos)
        << refusal(archive, 2);
    EXPECT_NE(refusal(archive.string() + ":w", 2).find("no array named w"), std::string::npos);
}

TEST_F(NumpyFiles, TextValuesAreReadAsStrtodReadsThem) {
    // '+', hexadecimal (strtod's syntax, through the slow path), commas, tabs, CR and blank lines.
    const auto r = RowReader::open(file("t.dat", "+1.5, 0x1p-3\t\r\n\n  \n1e-3 ,-2\n").string(), 2);
    ASSERT_EQ(r->rows(), 2u);
    std::vector<double> row(2);
    r->next(row.data());
    EXPECT_EQ(row, (std::vector<double>{1.5, 0.125}));
    r->next(row.data());
    EXPECT_EQ(row, (std::vector<double>{1e-3, -2}));
    EXPECT_EQ(r->where(), dir_.string() + "/t.dat: line 4");
    EXPECT_NE(refusal(file("three.dat", "1 2 3\n"), 2).find("three.dat:1: expected 2 values, found 3"), std::string::npos);
    EXPECT_NE(refusal(file("sign.dat", "+-1 2\n"), 2).find("sign.dat:1: value 1 \"+-1\" is not a finite number"),
              std::string::npos);
}

TEST_F(NumpyFiles, NpyOutputsHoldTheExactValuesAsFloat64) {
    const Precision p = Precision::parse("ap_fixed<16,6>");
    const std::vector<std::vector<int64_t>> rows = {{1, -1, 32767}, {-32768, 0, 512}};
    const fs::path out = dir_ / "o.npy";
    write_text(out, "");
    {
        RowWriter w(out.string(), out.string(), 3);
        for (const auto& r : rows) w.write(r, p);
        w.close();
    }
    const std::string bytes = read_text(out);
    ASSERT_EQ(bytes.size(), 128u + 6 * 8);
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
    EXPECT_EQ(static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8), 118);
    EXPECT_EQ(bytes.substr(10, 63), "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }    ");
    EXPECT_EQ(bytes[127], '\n');
    std::vector<double> values(6);
    std::memcpy(values.data(), bytes.data() + 128, 48);
    EXPECT_EQ(values, (std::vector<double>{std::ldexp(1, -10), -std::ldexp(1, -10), 32767 * std::ldexp(1, -10), -32,
                                           0, 0.5}));
    // And back through the reader.
    const auto r = RowReader::open(out.string(), 3);
    std::vector<double> row(3);
    r->next(row.data());
    r->next(row.data());
    EXPECT_EQ(row, (std::vector<double>{-32, 0, 0.5}));
}

TEST_F(NumpyFiles, TextOutputsPrintEveryDigitExactly) {
    // Random raw values of several types (one to 64 bits, fractions -8..128: every path of write_decimal).
    const unsigned seed = 20261204;
    std::printf("seed %u\n", seed);
    std::mt19937_64 rng(seed);
    for (const char* type : {"ap_fixed<16,6>", "ap_fixed<8,-3>", "ap_ufixed<12,20>", "ap_fixed<64,4>", "ap_fixed<40,-30>",
                             "ap_int<7>", "ap_fixed<2,1>", "ap_fixed<64,-64>", "ap_fixed<62,-63>", "ap_fixed<3,-64>"}) {
        const Precision p = Precision::parse(type);
        for (int k = 0; k < 300; ++k) {
            const int64_t raw = quantize(static_cast<int128>(static_cast<int64_t>(rng())), 0, p);
            const std::vector<int64_t> v = {raw};
            EXPECT_EQ(format_sample(v, p), decimal_oracle(raw, p.frac()) + "\n") << type << " raw " << raw;
        }
    }
    EXPECT_EQ(decimal_oracle(-1, 10), "-0.0009765625");
    EXPECT_EQ(decimal_oracle(3, -8), "768");
}

TEST_F(NumpyFiles, PredictReadsAndWritesNpyAsItDoesText) {
    write_text(dir_ / "m.json", R"({"name": "id", "default_precision": "ap_fixed<16,6>",
        "input": {"name": "in", "shape": [2, 2], "precision": "ap_fixed<16,6>"},
        "layers": [{"name": "flat", "class": "Flatten"}, {"name": "fc", "class": "Dense", "units": 2, "kernel": [[1, 0], [0, 1], [1, 1], [0, -1]],
                    "bias": [0.5, 0]}]})");
    // Rows [2, 2] each: fc = [x0 + x2 + 0.5, x1 + x2 - x3].
    const std::vector<float> in = {1, 2, 3, 4, -0.25f, 0.5f, 0.125f, 1, 0.0009765625f, 0, 0, 0};
    file("in.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2, 2), }", raw_bytes(in)));
    write_text(dir_ / "in.dat", "1 2 3 4\n-0.25 0.5 0.125 1\n0.0009765625 0 0 0\n");
    const std::string m = shell_quote((dir_ / "m.json").string());
    RunResult r = tlm4ml("predict " + m + " --inputs " + shell_quote((dir_ / "in.npy").string()));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "4.5 1\n0.375 -0.375\n0.5009765625 0\n");
    const RunResult text = tlm4ml("predict " + m + " --inputs " + shell_quote((dir_ / "in.dat").string()));
    EXPECT_EQ(text.out, r.out);

    r = tlm4ml("predict " + m + " --inputs " + shell_quote((dir_ / "in.npy").string()) + " --outputs " +
               shell_quote((dir_ / "out.npy").string()) + " --trace " + shell_quote((dir_ / "tr").string()) +
               " --trace-format npy");
    ASSERT_EQ(r.code, 0) << r.err;
    for (const fs::path& p : {dir_ / "out.npy", dir_ / "tr" / "fc.npy"}) {
        const auto o = RowReader::open(p.string(), 2);
        ASSERT_EQ(o->rows(), 3u) << p;
        std::vector<double> row(2), all;
        for (size_t k = 0; k < 3; ++k) {
            o->next(row.data());
            all.insert(all.end(), row.begin(), row.end());
        }
        EXPECT_EQ(all, (std::vector<double>{4.5, 1, 0.375, -0.375, 0.5009765625, 0})) << p;
    }
    // The wrong width is refused by the file and its shape, nothing written.
    file("wide.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }", raw_bytes(std::vector<float>(15))));
    r = tlm4ml("predict " + m + " --inputs " + shell_quote((dir_ / "wide.npy").string()) + " --outputs " +
               shell_quote((dir_ / "never.npy").string()));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("wide.npy: 'shape' (3, 5): each of the 3 rows holds 5 values, expected 4"), std::string::npos)
        << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "never.npy"));
    // A pipe is read too (kept in memory for the second pass).
    const int piped = run_shell("cat " + shell_quote((dir_ / "in.dat").string()) + " | " + shell_quote(TLM4ML_BINARY) +
                                " predict " + m + " --inputs /dev/stdin --outputs " + shell_quote((dir_ / "p.dat").string()));
    EXPECT_EQ(piped, 0);
    EXPECT_EQ(read_text(dir_ / "p.dat"), text.out);
}

TEST_F(NumpyFiles, RunComparesNpyExpectedAndLabels) {
    const fs::path models = fs::path(TLM4ML_SOURCE_DIR) / "testbenches" / "models";
    const std::string jet = shell_quote((models / "jet_tagger.json").string());
    const std::string inputs = " --inputs " + shell_quote((models / "jet_tagger_inputs.dat").string()) + " --samples 40";
    const fs::path expected = dir_ / "expected.npy";
    RunResult r = tlm4ml("predict " + jet + inputs + " --outputs " + shell_quote(expected.string()));
    ASSERT_EQ(r.code, 0) << r.err;
    // The run's own outputs as .npy equal predict's byte for byte; --expected .npy matches exactly.
    r = tlm4ml("run " + jet + inputs + " --quiet --expected " + shell_quote(expected.string()) + " --outputs " +
               shell_quote((dir_ / "run.npy").string()) + " --report " + shell_quote((dir_ / "r.json").string()));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(read_text(dir_ / "run.npy"), read_text(expected));
    EXPECT_EQ(json::parse(read_text(dir_ / "r.json")).at("checks").at("expected_match"), true);

    // Labels as int64 class indices: the argmax of predict's outputs scores 100%, a shifted class 0%.
    const auto out = RowReader::open(expected.string(), 5);
    std::vector<int64_t> right, wrong;
    std::vector<double> row(5);
    for (size_t k = 0; k < out->rows(); ++k) {
        out->next(row.data());
        const auto best = static_cast<int64_t>(std::max_element(row.begin(), row.end()) - row.begin());
        right.push_back(best);
        wrong.push_back((best + 1) % 5);
    }
    for (const auto& [name, labels, accuracy] :
         {std::tuple<const char*, std::vector<int64_t>, const char*>{"right.npy", right, "accuracy     1.0000 over 40"},
          {"wrong.npy", wrong, "accuracy     0.0000 over 40"}}) {
        file(name, npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (40,), }", raw_bytes(labels)));
        r = tlm4ml("run " + jet + inputs + " --quiet --labels " + shell_quote((dir_ / name).string()));
        ASSERT_EQ(r.code, 0) << r.err;
        EXPECT_NE(r.out.find(accuracy), std::string::npos) << r.out;
    }
    // A label out of range names the file and the row, as text names the line.
    std::vector<int64_t> bad = right;
    bad[6] = 5;
    file("bad.npy", npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (40,), }", raw_bytes(bad)));
    r = tlm4ml("run " + jet + inputs + " --quiet --labels " + shell_quote((dir_ / "bad.npy").string()));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("bad.npy: row 7: label 5 is not a class index (an integer in [0, 5))"), std::string::npos) << r.err;
}

}  // namespace

namespace {

const fs::path kShared = TLM4ML_SHARED_DIR;

// hls4ml's InputData / OutputPredictions (its testbench's files): without --inputs / --expected, `run` and
// `predict` read InputData and report their agreement with OutputPredictions (Keras' float predictions: not a
// pass/fail check). Here OutputPredictions are the reference outputs + 0.25 each, as a hand-made .npy beside
// the YAML (paths relative to its folder): the same class everywhere, |diff| 0.25 exactly.
TEST_F(NumpyFiles, YamlInputDataAndOutputPredictionsAreUsedWhenNoOptionGivesThem) {
    const fs::path ref = kShared / "reference" / "KERAS_3layer";
    const fs::path keras = kShared / "data" / "example-models" / "keras";
    if (!fs::exists(ref / "inputs.dat") || !fs::exists(keras / "KERAS_3layer.json"))
        GTEST_SKIP() << "needs " << ref << " and " << keras << " (hls4ml reference vectors, ../shared)";
    const auto outputs = parse_rows(read_text(ref / "outputs.dat"));
    std::vector<double> shifted;
    for (const auto& row : outputs)
        for (double v : row) shifted.push_back(v + 0.25);
    fs::create_directories(dir_ / "tb");
    file("tb/keras.npy", npy_bytes(fmt::format("{{'descr': '<f8', 'fortran_order': False, 'shape': ({}, 5), }}",
                                               outputs.size()),
                                   raw_bytes(shifted)));
    fs::copy_file(ref / "inputs.dat", dir_ / "tb" / "inputs.dat");
    const std::string body = "KerasJson: " + (keras / "KERAS_3layer.json").string() + "\nKerasH5: " +
                             (keras / "KERAS_3layer_weights.h5").string() +
                             "\nClockPeriod: 5\nHLSConfig:\n  Model:\n    Precision: ap_fixed<16,6>\n"
                             "    ReuseFactor: 1\n    Strategy: Latency\n";
    write_text(dir_ / "c.yml", "InputData: tb/inputs.dat\nOutputPredictions: tb/keras.npy\n" + body);
    const std::string cfg = shell_quote((dir_ / "c.yml").string());
    const std::string agreement = (dir_ / "tb" / "keras.npy").string() + ": same class for 100% of " +
                                  std::to_string(outputs.size()) + " samples, |output - keras| max 0.25 mean 0.25";

    const fs::path report = dir_ / "report.json";
    RunResult r = tlm4ml("run " + cfg + " --quiet --report " + shell_quote(report.string()));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("keras        " + agreement + " (agreement with Keras' float predictions: reported, not a check)"),
              std::string::npos)
        << r.out;
    // The same figures in the JSON report.
    const auto j = nlohmann::json::parse(read_text(report));
    ASSERT_TRUE(j["keras_agreement"].is_object()) << j.dump(2);
    EXPECT_EQ(j["keras_agreement"]["file"], (dir_ / "tb" / "keras.npy").string());
    EXPECT_EQ(j["keras_agreement"]["compared_samples"], outputs.size());
    EXPECT_EQ(j["keras_agreement"]["same_class_share"], 1.0);
    EXPECT_DOUBLE_EQ(j["keras_agreement"]["max_abs_diff"].get<double>(), 0.25);
    EXPECT_DOUBLE_EQ(j["keras_agreement"]["mean_abs_diff"].get<double>(), 0.25);
    EXPECT_EQ(r.err.find("no --inputs"), std::string::npos) << r.err;
    // The first 10 samples only, and predict reports the same on stderr; its outputs are hls4ml's.
    r = tlm4ml("predict " + cfg + " --samples 10 --outputs " + shell_quote((dir_ / "p.dat").string()));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("note: keras        " + (dir_ / "tb" / "keras.npy").string() + ": same class for 100% of 10 samples"),
              std::string::npos)
        << r.err;
    const auto predicted = parse_rows(read_text(dir_ / "p.dat"));
    ASSERT_EQ(predicted.size(), 10u);
    for (size_t k = 0; k < 10; ++k) EXPECT_EQ(predicted[k], outputs[k]) << "sample " << k;
    // --expected replaces OutputPredictions (an exact check); --inputs replaces InputData, and then the
    // predictions, which belong to InputData, are not compared.
    r = tlm4ml("run " + cfg + " --quiet --expected " + shell_quote((ref / "outputs.dat").string()) + " --report " +
               shell_quote(report.string()));
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out.find("keras   "), std::string::npos) << r.out;
    EXPECT_TRUE(nlohmann::json::parse(read_text(report))["keras_agreement"].is_null());
    r = tlm4ml("run " + cfg + " --quiet --inputs " + shell_quote((ref / "inputs.dat").string()));
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out.find("keras   "), std::string::npos) << r.out;
    // Without InputData, predict needs --inputs (a usage error).
    write_text(dir_ / "plain.yml", body);
    r = tlm4ml("predict " + shell_quote((dir_ / "plain.yml").string()));
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("--inputs is required (" + (dir_ / "plain.yml").string() + " names no InputData)"),
              std::string::npos)
        << r.err;
}

}  // namespace

namespace {

// One cross-check with numpy itself (Debian's python3-numpy), skipped when it is absent: numpy writes the
// inputs (np.save, and np.savez_compressed with two arrays), tlm4ml writes .npy outputs, numpy reads them.
TEST_F(NumpyFiles, NumpyReadsWhatTlm4mlWritesAndTheReverse) {
    const std::string python = "/usr/bin/python3";
    if (run_shell(python + " -c 'import numpy' 2>/dev/null") != 0)
        GTEST_SKIP() << "numpy is not installed for " << python << " (apt-get install -y python3-numpy)";
    write_text(dir_ / "m.json", R"({"name": "id", "default_precision": "ap_fixed<16,6>",
        "input": {"name": "in", "shape": [2, 2], "precision": "ap_fixed<16,6>"},
        "layers": [{"name": "flat", "class": "Flatten"}, {"name": "fc", "class": "Dense", "units": 2,
                    "kernel": [[1, 0], [0, 1], [1, 1], [0, -1]], "bias": [0.5, 0]}]})");
    write_text(dir_ / "make.py",
               "import numpy as np, sys\n"
               "x = np.array([[[1, 2], [3, 4]], [[-0.25, 0.5], [0.125, 1]], [[0.0009765625, 0], [0, 0]]], np.float32)\n"
               "np.save(sys.argv[1] + '/x.npy', x)\n"
               "np.savez_compressed(sys.argv[1] + '/xy.npz', x=x.astype(np.float64), y=np.arange(3))\n");
    write_text(dir_ / "show.py",
               "import numpy as np, sys\n"
               "a = np.load(sys.argv[1])\n"
               "print(a.dtype, a.shape, a.flags['C_CONTIGUOUS'], ' '.join(repr(float(v)) for v in a.ravel()))\n");
    ASSERT_EQ(run_shell(python + " " + shell_quote((dir_ / "make.py").string()) + " " + shell_quote(dir_.string())), 0);
    const std::string m = shell_quote((dir_ / "m.json").string());
    for (const char* in : {"x.npy", "xy.npz:x"}) {
        const RunResult r = tlm4ml("predict " + m + " --inputs " + shell_quote((dir_ / in).string()) + " --outputs " +
                                   shell_quote((dir_ / "out.npy").string()));
        ASSERT_EQ(r.code, 0) << in << ": " << r.err;
        const RunResult shown = run_program(python, shell_quote((dir_ / "show.py").string()) + " " +
                                                        shell_quote((dir_ / "out.npy").string()),
                                            dir_);
        ASSERT_EQ(shown.code, 0) << shown.err;
        EXPECT_EQ(shown.out, "float64 (3, 2) True 4.5 1.0 0.375 -0.375 0.5009765625 0.0\n") << in;
    }
}

}  // namespace
