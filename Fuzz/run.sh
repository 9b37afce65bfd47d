#!/usr/bin/env bash
# Builds the libFuzzer targets and runs each for SECONDS (default 600), one after another.
#
#   Fuzz/run.sh [SECONDS] [TARGET...]      TARGET: csv json bundle npy safetensors npz args decode (default: all)
#   Fuzz/run.sh --build-only [TARGET...]
#   Fuzz/run.sh --skip-build [SECONDS] [TARGET...]   run the targets built last time
#   Fuzz/run.sh --help
#
# Each target is built with `swiftc -sanitize=fuzzer,address` over static MHACore and
# MHAFormats libraries (and, for `args`, MHACLI) built the same way and the C kernels
# (CMHAKernels, `clang -fsanitize=address`), into Fuzz/.build/; MHAFormats imports the system
# zlib as CZlib. The working corpus of a target is Fuzz/.build/corpus/<target>, seeded from
# Tests/MHAFormatsTests/Fixtures, the regression corpus
# Tests/MHAFormatsTests/Fixtures/fuzz-regressions/<target> and ../shared/conformance when present.
# Crashes, leaks, timeouts (> 5 s) and out-of-memory inputs go to Fuzz/artifacts/<target>/;
# copy each one into the regression corpus once fixed. A summary line per target (executions,
# corpus size, seconds) is appended to Fuzz/.build/runs.log.
set -euo pipefail

fuzz_dir="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$fuzz_dir/.." && pwd)"
build="$fuzz_dir/.build"
conformance="${MHA_CONFORMANCE:-$root/../shared/conformance}"
[ -d "$conformance" ] || conformance="/work/shared/conformance"
all_targets=(csv json bundle npy safetensors npz args decode)

seconds=600
build_only=0
skip_build=0
if [ "${1:-}" = "--skip-build" ]; then skip_build=1; shift; fi
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
    exit 0
elif [ "${1:-}" = "--build-only" ]; then build_only=1; shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then seconds="$1"; shift
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

# The libraries compile in the package's language mode (6); the targets in 5. The C target
# CMHAKernels is reached through a module map written into Fuzz/.build/modules.
kernels_map="$build/modules/CMHAKernels/module.modulemap"
flags=(-sanitize=fuzzer,address -parse-as-library -O -g -I "$root/Sources/CZlib"
       -Xcc -fmodule-map-file="$kernels_map" -Xcc -I"$root/Sources/CMHAKernels/include")
# The Swift runtime's own crash backtracer clashes with ASan's report; let libFuzzer report.
export SWIFT_BACKTRACE=enable=no

# ld.gold warns about every ASan helper symbol; keep the build output readable.
quiet_linker() { grep -v "Cannot export local symbol" >&2 || true; }

# Builds libCMHAKernels.a (the C micro-kernels, under ASan like the rest) and its module map.
build_kernels() {
    local sources="$root/Sources/CMHAKernels" objects=()
    mkdir -p "$build/modules/CMHAKernels" "$build/kernels"
    printf 'module CMHAKernels {\n    header "%s"\n    export *\n}\n' "$sources/include/CMHAKernels.h" >"$kernels_map"
    for file in "$sources"/*.c; do
        local object="$build/kernels/$(basename "$file" .c).o"
        clang -O2 -g -fsanitize=address -fPIC -I"$sources/include" -c "$file" -o "$object"
        objects+=("$object")
    done
    rm -f "$build/libCMHAKernels.a"
    ar rcs "$build/libCMHAKernels.a" "${objects[@]}"
}

# Builds a static library for module $1 from the sources under $2.
build_library() {
    local module="$1" sources="$2"
    mkdir -p "$build/modules"
    local files
    mapfile -t files < <(find "$root/$sources" -name '*.swift' | sort)
    swiftc "${flags[@]}" -swift-version 6 -enable-testing -module-name "$module" -package-name mha_cli -emit-library -static \
        -emit-module -emit-module-path "$build/modules/$module.swiftmodule" \
        -I "$build/modules" "${files[@]}" -o "$build/lib$module.a" 2> >(quiet_linker)
}

# The target's Swift file, the libraries it links and its -max_len.
target_file() { case "$1" in csv) echo FuzzCSV;; json) echo FuzzJSON;; bundle) echo FuzzBundle;;
                                npy) echo FuzzNPY;; safetensors) echo FuzzSafetensors;; npz) echo FuzzNPZ;;
                                args) echo FuzzArguments;; decode) echo FuzzDecode;; *) return 1;; esac; }
# Extra target files compiled with the target's own.
target_extra() { case "$1" in safetensors|npz) echo "$fuzz_dir/Targets/FuzzArchive.swift";; esac; }
target_libraries() { if [ "$1" = args ]; then echo "MHACLI MHAFormats MHACore CMHAKernels"; else echo "MHAFormats MHACore CMHAKernels"; fi; }
target_max_len() { case "$1" in npy) echo 4096;; npz) echo 16384;; safetensors) echo 65536;; args) echo 512;; *) echo 8192;; esac; }

build_target() {
    local target="$1" libs=()
    for lib in $(target_libraries "$target"); do libs+=("$build/lib$lib.a"); done
    swiftc "${flags[@]}" -swift-version 5 -module-name "Fuzz_$target" -I "$build/modules" \
        "$fuzz_dir/Targets/$(target_file "$target").swift" "$fuzz_dir/Targets/FuzzInput.swift" $(target_extra "$target") \
        "${libs[@]}" -lz -o "$build/fuzz-$target" 2> >(quiet_linker)
}

# Copies seed files for the target into its corpus (names are content hashes, so re-seeding is idempotent).
seed() {
    local target="$1" corpus="$build/corpus/$1" fixtures="$root/Tests/MHAFormatsTests/Fixtures"
    mkdir -p "$corpus"
    local sources=("$fixtures/fuzz-regressions/$target")
    case "$target" in
        csv) sources+=("$conformance/csv-spectrum/csvs");;
        json) sources+=("$root/Tests/MHACoreTests/Fixtures/attention" "$conformance/JSONTestSuite/test_parsing");;
        bundle) sources+=("$root/Tests/MHACoreTests/Fixtures/attention" "$conformance/JSONTestSuite/test_parsing");;
        npy) sources+=("$fixtures/npy");;
        safetensors) sources+=("$fixtures/archives" "$fixtures/checkpoints");;
        npz) sources+=("$fixtures/archives" "$fixtures/checkpoints");;
        args) sources+=("$fuzz_dir/seeds/args");;
        decode) sources+=("$fuzz_dir/seeds/decode");;
    esac
    for source in "${sources[@]}"; do
        [ -d "$source" ] || continue
        find "$source" -type f -size -100k ! -name '*.py' ! -name '*.md' ! -name LICENSE -print0 |
            while IFS= read -r -d '' file; do
                cp "$file" "$corpus/seed-$(sha1sum "$file" | cut -c1-16)"
            done
    done
}

needs_cli=0
for target in "${targets[@]}"; do
    target_file "$target" >/dev/null || { echo "unknown target '$target' (known: ${all_targets[*]})" >&2; exit 64; }
    [ "$target" = args ] && needs_cli=1
done

# In dependency order: every target links MHAFormats (the readers) over MHACore; `args` adds MHACLI.
libraries=(MHACore MHAFormats)
[ $needs_cli = 0 ] || libraries+=(MHACLI)
if [ $skip_build = 0 ]; then
    echo "building CMHAKernels" >&2
    build_kernels
    for library in "${libraries[@]}"; do
        echo "building $library" >&2
        build_library "$library" "Sources/$library"
    done
    for target in "${targets[@]}"; do echo "building fuzz-$target" >&2; build_target "$target"; done
else
    for target in "${targets[@]}"; do
        [ -x "$build/fuzz-$target" ] || { echo "Fuzz/.build/fuzz-$target is not built: run without --skip-build" >&2; exit 66; }
    done
fi
[ $build_only = 0 ] || exit 0

for target in "${targets[@]}"; do
    seed "$target"
    artifacts="$fuzz_dir/artifacts/$target"
    mkdir -p "$artifacts"
    log="$build/fuzz-$target.log"
    echo "fuzzing $target for ${seconds}s (log: $log)" >&2
    status=0
    "$build/fuzz-$target" "$build/corpus/$target" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=5 \
        -max_len="$(target_max_len "$target")" -print_final_stats=1 \
        -artifact_prefix="$artifacts/" >"$log" 2>&1 || status=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    corpus=$(find "$build/corpus/$target" -type f | wc -l)
    found=$(find "$artifacts" -type f | wc -l)
    line="$(date -u +%FT%TZ) target=$target seconds=$seconds execs=$execs corpus=$corpus artifacts=$found exit=$status"
    echo "$line" | tee -a "$build/runs.log" >&2
done
