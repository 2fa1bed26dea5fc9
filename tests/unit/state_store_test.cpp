// The state store's memory side (kernel/plugin/state_store.*): its bounds, the keys it
// accepts, and what a failed create() leaves of its saves. The writes themselves are
// checked over a running kernel (tests/integration/state_store_test.cpp).
#include "plugin/state_store.hpp"

#include "plugin/create_journal.hpp"

#include <catch2/catch.hpp>

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

using namespace switchyard;
namespace fs = std::filesystem;

namespace {

// A private folder under the system's temp dir, removed with what is in it.
struct ScratchFolder {
    fs::path path;
    ScratchFolder() {
        std::string pattern = (fs::temp_directory_path() / "switchyard-state-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~ScratchFolder() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

} // namespace

TEST_CASE("state keys are 1 to 64 of [A-Za-z0-9._-], not starting with '.'", "[state]") {
    CHECK(StateStore::is_valid_key("a"));
    CHECK(StateStore::is_valid_key("Users.v2_backup-1"));
    CHECK(StateStore::is_valid_key(std::string(64, 'k')));
    CHECK_FALSE(StateStore::is_valid_key(""));
    CHECK_FALSE(StateStore::is_valid_key(std::string(65, 'k')));
    CHECK_FALSE(StateStore::is_valid_key(".hidden"));
    CHECK_FALSE(StateStore::is_valid_key(".."));
    CHECK_FALSE(StateStore::is_valid_key("a/b"));
    CHECK_FALSE(StateStore::is_valid_key("a b"));
    CHECK_FALSE(StateStore::is_valid_key(std::string("a\0b", 3)));
}

TEST_CASE("a plugin's state is bounded in keys and bytes; past either, SY_ERR_FULL", "[state]") {
    ScratchFolder scratch;
    // Writes fail at once there (a file where the folder should be): memory is what counts.
    std::ofstream(scratch.path / "a-file") << "x";
    CreateJournal journal;
    StateStore store(journal, "test");
    std::atomic<int> reported{0};
    store.open(scratch.path / "a-file" / "test",
               [&](const std::string&, uint64_t, sy_status) { reported.fetch_add(1); });
    for (size_t i = 0; i < StateStore::kMaxKeys; ++i)
        REQUIRE(store.save("k" + std::to_string(i), "v", 0) == SY_OK);
    CHECK(store.save("one-more", "v", 0) == SY_ERR_FULL);
    CHECK(store.load("one-more") == nullptr);
    CHECK(store.save("k0", "replaced", 0) == SY_OK); // not a new key
    CHECK(store.remove("k1", 0) == SY_OK);
    CHECK(store.save("one-more", "v", 0) == SY_OK);
    store.flush();
    CHECK(reported.load() == static_cast<int>(StateStore::kMaxKeys) + 3);

    StateStore big(journal, "big");
    big.open(scratch.path / "a-file" / "big", nullptr);
    const std::string mib(StateStore::kMaxValueBytes, 'x');
    const size_t fit = StateStore::kMaxTotalBytes / StateStore::kMaxValueBytes;
    for (size_t i = 0; i < fit; ++i) REQUIRE(big.save("m" + std::to_string(i), mib, 0) == SY_OK);
    CHECK(big.save("over", "x", 0) == SY_ERR_FULL);
    CHECK(big.save("m0", mib, 0) == SY_OK); // replacing frees what it replaces
    CHECK(big.save("m1", "", 0) == SY_OK);
    CHECK(big.save("over", "x", 0) == SY_OK);
    CHECK(big.save("too-large", mib + "x", 0) == SY_ERR_INVALID);
}

TEST_CASE("a failed create() leaves no state it saved, and writes nothing", "[state]") {
    const bool succeeds = GENERATE(false, true);
    ScratchFolder scratch;
    CreateJournal journal;
    StateStore store(journal, "test");
    store.open(scratch.path / "test", nullptr);
    REQUIRE(store.save("kept", "before", 0) == SY_OK);
    REQUIRE(store.save("gone", "before", 0) == SY_OK);
    store.flush();

    journal.open(1);
    CHECK(store.save("kept", "after", 0) == SY_OK);
    CHECK(store.save("new", "made", 0) == SY_OK);
    CHECK(store.remove("gone", 0) == SY_OK);
    CHECK(*store.load("kept") == "after"); // the create sees its own saves
    if (succeeds) {
        journal.commit();
    } else {
        journal.roll_back();
    }
    store.flush();

    auto on_disk = [&](const char* key) {
        std::ifstream in(scratch.path / "test" / key);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    };
    CHECK(*store.load("kept") == (succeeds ? "after" : "before"));
    CHECK((store.load("new") != nullptr) == succeeds);
    CHECK((store.load("gone") == nullptr) == succeeds);
    CHECK(on_disk("kept") == (succeeds ? "after" : "before"));
    CHECK(on_disk("new") == (succeeds ? "made" : ""));
    CHECK(on_disk("gone") == (succeeds ? "" : "before"));
    CHECK(store.keys() == 2u);
}
