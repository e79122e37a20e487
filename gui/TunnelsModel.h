// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "RecordsModel.h"

namespace re6st::gui {

// The OpenVPN tunnels up (Tunnels()) as a table, reloaded on TunnelsChanged; the byte
// counters raise no signal (dbus/org.re6st.Node1.xml): refresh() re-reads them.
class TunnelsModel final : public RecordsModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TunnelsModel)
public:
    explicit TunnelsModel(NodeModel *node, QObject *parent = nullptr);

protected:
    QVariant display(const QVariantMap &record, const Column &column) const override;
};

} // namespace re6st::gui
