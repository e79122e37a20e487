// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QtGlobal>

namespace re6st {

// Bytes of one client tunnel from the kernel counters of its tap. Taps are made
// once and reused for later tunnels, to other peers too, until the daemon exits
// (node-protocol.md §3.1, §3.7), and the kernel never resets their counters: a
// tunnel's bytes are the growth since its route-up, when the baseline is taken.
// Pure: the caller reads /sys/class/net/<tap>/statistics.
class TapTraffic final
{
public:
    struct Counters
    {
        quint64 rx = 0;
        quint64 tx = 0;
        bool operator==(const Counters &) const = default;
    };

    // Route-up (again, after a reconnection): later bytes belong to this tunnel.
    void start(Counters atRouteUp) { m_baseline = atRouteUp; }
    // Bytes since start(), from the tap's counters `now`. A counter below its
    // baseline means the tap was made anew (its counters restarted from 0): the
    // baseline drops to 0, so all of it, and all it grows later, is this tunnel's.
    Counters since(Counters now);

private:
    Counters m_baseline;
};

} // namespace re6st
