// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/TapTraffic.h"

namespace re6st {

namespace {
quint64 growth(quint64 now, quint64 &baseline)
{
    if (now < baseline) baseline = 0;
    return now - baseline;
}
} // namespace

TapTraffic::Counters TapTraffic::since(Counters now)
{
    return {growth(now.rx, m_baseline.rx), growth(now.tx, m_baseline.tx)};
}

} // namespace re6st
