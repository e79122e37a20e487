// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/UpnpPlan.h"

namespace re6st {

// The external ports tried for UPnP mappings (node-protocol.md §9.2): a
// full-period linear congruential sequence over the 8192 values 32768–40959,
// started from a seed (random in the daemon, fixed in tests), so that every
// port comes once before any comes again.
class UpnpPortSequence final
{
public:
    explicit UpnpPortSequence(quint32 seed) : m_state(seed % UpnpPlan::kExternalPortCount) {}
    quint16 next()
    {
        // Hull–Dobell: modulus 2^13, increment odd, multiplier ≡ 1 (mod 4) ⇒ period 8192.
        m_state = (m_state * 1664525u + 1013904223u) % UpnpPlan::kExternalPortCount;
        return quint16(UpnpPlan::kFirstExternalPort + m_state);
    }

private:
    quint32 m_state;
};

} // namespace re6st
