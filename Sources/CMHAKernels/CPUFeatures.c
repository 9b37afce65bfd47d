// Which instruction-set level this CPU supports, which one the environment asks for, and
// the cache sizes that size the packed product's blocks.
#if defined(__linux__)
#define _GNU_SOURCE
#include <sched.h>
#endif
#include "CMHAKernels.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__APPLE__)
#include <sys/sysctl.h>
#endif

mha_cpu_level mha_cpu_supported_level(void) {
#if defined(__x86_64__)
    // __builtin_cpu_supports also checks that the operating system saves the vector state.
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return MHA_CPU_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return MHA_CPU_AVX2;
#endif
    return MHA_CPU_BASELINE;
}

/// The level named by MHA_CPU, or -1 when it is unset or not a level name.
static int requested_level(void) {
    const char *name = getenv("MHA_CPU");
    if (name == NULL) return -1;
    if (strcmp(name, "baseline") == 0) return MHA_CPU_BASELINE;
    if (strcmp(name, "avx2") == 0) return MHA_CPU_AVX2;
    if (strcmp(name, "avx512") == 0) return MHA_CPU_AVX512;
    return -1;
}

mha_cpu_level mha_cpu_selected_level(void) {
    const mha_cpu_level supported = mha_cpu_supported_level();
    const int requested = requested_level();
    return requested >= 0 && requested < (int)supported ? (mha_cpu_level)requested : supported;
}

int mha_cpu_request_is_invalid(void) {
    return getenv("MHA_CPU") != NULL && requested_level() < 0;
}

/// The processors this process may run on.
static long usable_processors(void) {
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? online : 1;
}

/// MHA_THREADS as a positive integer, or -1 when it is set to anything else, 0 when unset.
static long requested_threads(void) {
    const char *text = getenv("MHA_THREADS");
    if (text == NULL) return 0;
    char *end = NULL;
    const long requested = strtol(text, &end, 10);  // saturates: a huge count is capped below
    return end != text && *end == 0 && requested > 0 ? requested : -1;
}

long mha_cpu_thread_count(void) {
    const long usable = usable_processors(), requested = requested_threads();
    return requested > 0 && requested < usable ? requested : usable;
}

int mha_cpu_thread_request_is_invalid(void) { return requested_threads() < 0; }

#if defined(__APPLE__)
static long sysctl_long(const char *name) {
    long long value = 0;
    size_t size = sizeof value;
    return sysctlbyname(name, &value, &size, NULL, 0) == 0 ? (long)value : 0;
}
#endif

mha_cache_sizes mha_cpu_cache_sizes(void) {
    mha_cache_sizes sizes = {0, 0, 0};
#if defined(__APPLE__)
    sizes.level1 = sysctl_long("hw.l1dcachesize");
    sizes.level2 = sysctl_long("hw.l2cachesize");
    sizes.level3 = sysctl_long("hw.l3cachesize");
#elif defined(_SC_LEVEL1_DCACHE_SIZE)
    sizes.level1 = sysconf(_SC_LEVEL1_DCACHE_SIZE);
    sizes.level2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    sizes.level3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
    if (sizes.level1 < 0) sizes.level1 = 0;
    if (sizes.level2 < 0) sizes.level2 = 0;
    if (sizes.level3 < 0) sizes.level3 = 0;
    return sizes;
}
