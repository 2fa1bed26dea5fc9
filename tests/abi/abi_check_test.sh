#!/usr/bin/env bash
# tests/abi/abi_check_test.sh SOURCE_DIR: proves scripts/abi-check enforces the ABI policy.
#
# Each case copies the real sdk/include/switchyard/plugin.h, changes it the way a careless
# edit would (sed, at test time, so the cases follow the header as it grows), runs the
# checker on it against a copy of the committed baselines, and asserts both its exit
# status and the words of its verdict. A sed that no longer matches the header fails the
# test rather than checking an unchanged header.
set -euo pipefail

source_dir=$(cd "${1:?usage: abi_check_test.sh SOURCE_DIR}" && pwd)
header=$source_dir/sdk/include/switchyard/plugin.h
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp -r "$source_dir/sdk/abi" "$work/baselines"
minor=$(sed -n 's/^#define SY_ABI_MINOR \([0-9]*\)$/\1/p' "$header")
next=$((minor + 1))
failures=0

# tamper NAME SED_ARGS...: $work/NAME/switchyard/plugin.h, the real header edited.
tamper() {
    local name=$1
    shift
    mkdir -p "$work/$name/switchyard"
    sed "$@" "$header" >"$work/$name/switchyard/plugin.h"
    if cmp -s "$header" "$work/$name/switchyard/plugin.h"; then
        echo "FAIL $name: the edit did not apply to plugin.h (update this test)"
        failures=$((failures + 1))
    fi
}

# expect NAME STATUS TEXT... [-- CHECKER_ARGS...]: runs the checker on NAME's header
# (the real one for NAME=real) and asserts its exit status and that its output holds
# every TEXT.
expect() {
    local name=$1 want=$2 include=$work/$1 out status=0 text
    shift 2
    [[ $name == real ]] && include=$source_dir/sdk/include
    local texts=()
    while (($#)) && [[ $1 != -- ]]; do
        texts+=("$1")
        shift
    done
    (($#)) && shift
    out=$("$source_dir/scripts/abi-check" --include "$include" --baselines "$work/baselines" \
        "$@" 2>&1) || status=$?
    local ok=1
    if ((status != want)); then
        echo "FAIL $name: exit status $status, expected $want"
        ok=0
    fi
    for text in "${texts[@]}"; do
        if ! grep -qF -- "$text" <<<"$out"; then
            echo "FAIL $name: the output lacks: $text"
            ok=0
        fi
    done
    if ((ok)); then
        echo "ok   $name ($status)"
    else
        failures=$((failures + 1))
        sed 's/^/       | /' <<<"$out"
    fi
}

# The committed header matches its baseline.
expect real 0 "1.$minor: unchanged" "pass: ABI 1.$minor matches its baseline"

# Breaks: fail against every baseline, whatever SY_ABI_MINOR says.
tamper field_removed -e '/^typedef struct sy_event_v1 {/,/^} sy_event_v1;/{/^    sy_str priority; /d}'
expect field_removed 1 "FAIL against 1.0" "FAIL against 1.$minor" \
    "struct sy_event_v1: 1 data member deletion:" "'sy_str priority'" "offset changed"

tamper field_inserted_mid -e '/^typedef struct sy_request_v1 {/,/^} sy_request_v1;/{/^    sy_str method; /a\    uint64_t flags;' -e '}'
expect field_inserted_mid 1 "FAIL against 1.$minor" \
    "struct sy_request_v1: field inserted mid-struct" "'uint64_t flags', at offset 192" \
    "'sy_str target' offset changed from 192 to 256"

tamper field_retyped -e '/^typedef struct sy_publish_v1 {/,/^} sy_publish_v1;/s/^    uint32_t internal;$/    int32_t internal;/'
expect field_retyped 1 "FAIL against 1.0" "struct sy_publish_v1: there are data member changes:" \
    "'sy_publish_v1::internal' changed"

tamper field_in_padding -e 's/^} sy_event_v1;$/    uint32_t flags;\n} sy_event_v1;/'
expect field_in_padding 1 "FAIL against 1.$minor" \
    "struct sy_event_v1: field added into padding, the struct did not grow"

tamper unversioned_grew -e 's/^} sy_header;$/    uint32_t flags;\n} sy_header;/'
expect unversioned_grew 1 "FAIL against 1.0" \
    "struct sy_header: field added to a struct without struct_size"

tamper realigned -e 's/^} sy_route_v1;$/} __attribute__((aligned(32))) sy_route_v1;/'
expect realigned 1 "FAIL against 1.$minor" "struct sy_route_v1: grew without an appended field"

tamper id_narrowed -e 's/^typedef uint64_t sy_conn_id; /typedef uint32_t sy_conn_id; /'
expect id_narrowed 1 "FAIL against 1.0" "function changed: 'function void sy_abi_ids(" \
    "parameter 1 of type 'typedef sy_conn_id' changed"

tamper enumerator_changed -e 's/^    SY_LOG_ERROR = 4$/    SY_LOG_ERROR = 5/'
expect enumerator_changed 1 "'sy_log_level::SY_LOG_ERROR' from value '4' to '5'"

tamper constant_changed -e 's/^#define SY_ERR_DENIED (-8) /#define SY_ERR_DENIED (-9) /'
expect constant_changed 1 "'sy_abi_constants::SY_ABI_CONST_ERR_DENIED' from value '-8' to '-9'"

# Growth without a bump: allowed against every baseline, refused against the newest.
tamper appended_no_bump -e 's/^} sy_route_v1;$/    uint32_t flags;\n} sy_route_v1;/'
expect appended_no_bump 1 "1.0: only additions" \
    "the ABI grew since 1.$minor: bump SY_ABI_MINOR to $next" \
    "struct sy_route_v1: field appended: 'uint32_t flags'"

tamper host_function_no_bump -e 's/^} sy_host_v1;$/    sy_status (*added)(void* ctx);\n} sy_host_v1;/'
expect host_function_no_bump 1 "the ABI grew since 1.$minor: bump SY_ABI_MINOR to $next" \
    "struct sy_host_v1: field appended: 'typedef sy_status (void*)* added'"

tamper enumerator_no_bump -e 's/^    SY_LOG_ERROR = 4$/    SY_LOG_ERROR = 4,\n    SY_LOG_FATAL = 5/'
expect enumerator_no_bump 1 "the ABI grew since 1.$minor: bump SY_ABI_MINOR to $next" \
    "enum sy_log_level: enumerator added: 'sy_log_level::SY_LOG_FATAL' value '5'"

# A bump with nothing added.
tamper bump_only -e "s/^#define SY_ABI_MINOR $minor\$/#define SY_ABI_MINOR $next/"
expect bump_only 1 "SY_ABI_MINOR is $next but the ABI is the same as 1.$minor"

# Growth with the bump: refused until the baseline is recorded, then it passes, and from
# then on the old header (without the field) is the one that fails.
tamper appended_bumped -e 's/^} sy_route_v1;$/    uint32_t flags;\n} sy_route_v1;/' \
    -e "s/^#define SY_ABI_MINOR $minor\$/#define SY_ABI_MINOR $next/"
expect appended_bumped 1 "no" "baseline for 1.$next: run scripts/abi-check --record"
if [[ -e $work/baselines/v1.$next.abi ]]; then
    echo "FAIL appended_bumped: a check without --record wrote a baseline"
    failures=$((failures + 1))
fi
expect appended_bumped 0 "recorded $work/baselines/v1.$next.abi" -- --record
if ! grep -q "name='flags'" "$work/baselines/v1.$next.abi" 2>/dev/null; then
    echo "FAIL appended_bumped: v1.$next.abi was not recorded with the new field"
    failures=$((failures + 1))
fi
expect appended_bumped 0 "1.$minor: only additions" "pass: ABI 1.$next matches its baseline"
expect real 1 "FAIL against 1.$next" "struct sy_route_v1: 1 data member deletion:"

if ((failures)); then
    echo "$failures case(s) failed"
    exit 1
fi
echo "every case passed"
