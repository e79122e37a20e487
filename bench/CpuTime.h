// SPDX-License-Identifier: GPL-2.0-or-later
// CPU-time helpers shared by the benches (figures in CPU time, not wall time,
// depend less on whatever else runs on the machine).
#pragma once
#include <ctime>
#include <functional>

namespace re6st::bench {

// CPU seconds the calling thread has used so far.
inline double threadCpuSeconds()
{
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

// CPU microseconds per call of `step`, run for about `seconds` of this
// thread's CPU; -1 as soon as a call fails. The clock is read every 16 calls:
// each read is a system call (about 1.5 µs on the README's 2-core VM).
inline double cpuMicrosPerCall(double seconds, const std::function<bool()> &step)
{
    const double start = threadCpuSeconds();
    long long n = 0;
    while (threadCpuSeconds() - start < seconds) {
        for (int i = 0; i < 16; ++i, ++n)
            if (!step()) return -1;
    }
    return 1e6 * (threadCpuSeconds() - start) / double(n);
}

} // namespace re6st::bench
