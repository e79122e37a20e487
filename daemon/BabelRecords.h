// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/BabelDump.h"

#include <QVariantMap>

namespace re6st::daemon {

// babeld's tables (core/BabelDump.h) as the Routes() and Neighbours() records of
// dbus/org.re6st.Node1.xml (built with NodeStatus' record helpers). Pure.
class BabelRecords final
{
public:
    BabelRecords() = delete;

    static QVariantMap route(const babel::Route &route);
    // Without rtt_ms while babeld has not measured it (no valid timestamps yet):
    // 0 would read as the fastest neighbour there is.
    static QVariantMap neighbour(const babel::Neighbour &neighbour);
};

} // namespace re6st::daemon
