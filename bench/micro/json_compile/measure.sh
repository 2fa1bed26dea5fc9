#!/usr/bin/env bash
# What including each JSON library costs a plugin (issue 14, item 6): for each probe TU
# (the same parse-read-build-serialize with each library), the median of three compile
# times (g++ -std=c++20 -O2 -c, no ccache) and the size of a stripped plugin-like .so.
#   bench/micro/json_compile/measure.sh        (from the repository's root)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(-std=c++20 -O2 -fPIC -fvisibility=hidden -Wall -Wextra -Werror -I"$root/sdk/include")
declare -A libs=([ours]="" [boost]="-lboost_json" [boost_header_only]="" [simdjson]="-lsimdjson" [nlohmann]="")
echo "| TU | compile s (median of 3) | runs | stripped .so bytes | links |"
echo "|---|---:|---|---:|---|"
for tu in ours boost boost_header_only simdjson nlohmann; do
  times=()
  for run in 1 2 3; do
    start=$(date +%s.%N)
    g++ "${flags[@]}" -c "$here/$tu.cpp" -o "$out/$tu.o"
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc)")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
  # shellcheck disable=SC2086
  g++ -shared -o "$out/lib$tu.so" "$out/$tu.o" ${libs[$tu]}
  strip "$out/lib$tu.so"
  size=$(stat -c %s "$out/lib$tu.so")
  printf '| %s | %.2f | %s | %s | %s |\n' "$tu" "$median" "$(printf '%.2f ' "${times[@]}")" "$size" "${libs[$tu]:-}"
done
