// JSON for plugins (issue 14, item 6): our SDK's json.hpp against Boost.JSON, simdjson and
// nlohmann-json on the five protocols' messages (json_corpus.hpp), doing what a plugin
// does with each (json_libraries.hpp):
//
// - json_parse/<library>/<message>: parse a client message, read a few fields;
// - json_serialize/<library>/<reply>: build a reply or event object, serialize it;
// - json_splice_dex/<way>: JetStart's backend data (a 1 MiB dex) made into the message a
//   device gets.
//
// Bytes per second are the message's (or the serialized reply's) size. Memory per parse
// and the hostile inputs are json_check's (bench/micro/json_check/); the figures and the
// decision are in docs/json-for-plugins.md.
#include "json_libraries.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace {

namespace corpus = switchyard::bench::json_corpus;
namespace libs = switchyard::bench::json_libraries;

template <class Library>
void parse_message(benchmark::State& state, const corpus::ClientMessage& message) {
    const int64_t expected = libs::Ours::parse_and_read(message.text, message.reads);
    for (auto _ : state) {
        const int64_t sum = Library::parse_and_read(message.text, message.reads);
        if (sum != expected) {
            state.SkipWithError("the library read something else than ours");
            break;
        }
        benchmark::DoNotOptimize(sum);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(message.text.size()));
}

template <class Writer>
void serialize_reply(benchmark::State& state, corpus::Reply reply) {
    const size_t size = libs::build<Writer>(reply).size();
    for (auto _ : state) {
        std::string text = libs::build<Writer>(reply);
        benchmark::DoNotOptimize(text.data());
    }
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
}

void splice_dex(benchmark::State& state, std::string (*splice)(std::string_view)) {
    const std::string data = corpus::dex_reload_data();
    const std::string expected = libs::splice_ours(data);
    if (splice(data) != expected) {
        state.SkipWithError("this way wrote another message than splice_data");
        return;
    }
    for (auto _ : state) {
        std::string message = splice(data);
        benchmark::DoNotOptimize(message.data());
    }
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.size()));
}

// Registers every case once, before benchmark_main runs them.
const bool registered = [] {
    for (const corpus::ClientMessage& m : corpus::client_messages()) {
        benchmark::RegisterBenchmark(("json_parse/ours/" + m.name).c_str(),
                                     parse_message<libs::Ours>, m);
        benchmark::RegisterBenchmark(("json_parse/boost/" + m.name).c_str(),
                                     parse_message<libs::Boost>, m);
        benchmark::RegisterBenchmark(("json_parse/boost_monotonic/" + m.name).c_str(),
                                     parse_message<libs::BoostMonotonic>, m);
        benchmark::RegisterBenchmark(("json_parse/simdjson_dom/" + m.name).c_str(),
                                     parse_message<libs::SimdjsonDom>, m);
        benchmark::RegisterBenchmark(("json_parse/simdjson_ondemand/" + m.name).c_str(),
                                     parse_message<libs::SimdjsonOnDemand>, m);
        benchmark::RegisterBenchmark(("json_parse/nlohmann/" + m.name).c_str(),
                                     parse_message<libs::Nlohmann>, m);
    }
    for (const corpus::ReplyCase& r : corpus::replies()) {
        benchmark::RegisterBenchmark(("json_serialize/ours_dom/" + r.name).c_str(),
                                     serialize_reply<libs::OursWriter>, r.reply);
        benchmark::RegisterBenchmark(("json_serialize/ours_text/" + r.name).c_str(),
                                     serialize_reply<libs::OursTextWriter>, r.reply);
        benchmark::RegisterBenchmark(("json_serialize/boost/" + r.name).c_str(),
                                     serialize_reply<libs::BoostWriter>, r.reply);
        benchmark::RegisterBenchmark(("json_serialize/nlohmann/" + r.name).c_str(),
                                     serialize_reply<libs::NlohmannWriter<nlohmann::json>>,
                                     r.reply);
        benchmark::RegisterBenchmark(("json_serialize/nlohmann_ordered/" + r.name).c_str(),
                                     serialize_reply<libs::NlohmannWriter<nlohmann::ordered_json>>,
                                     r.reply);
    }
    benchmark::RegisterBenchmark("json_splice_dex/ours_splice_data", splice_dex, libs::splice_ours);
    benchmark::RegisterBenchmark("json_splice_dex/ours_dom", splice_dex, libs::splice_ours_dom);
    benchmark::RegisterBenchmark("json_splice_dex/boost_dom", splice_dex, libs::splice_boost);
    benchmark::RegisterBenchmark("json_splice_dex/simdjson_ondemand", splice_dex,
                                 libs::splice_simdjson);
    benchmark::RegisterBenchmark("json_splice_dex/nlohmann_ordered_dom", splice_dex,
                                 libs::splice_nlohmann);
    return true;
}();

} // namespace
