// SPDX-License-Identifier: GPL-2.0-or-later
#include "TunnelsModel.h"

#include "NodeModel.h"
#include "node1proxy.h"

namespace re6st::gui {

TunnelsModel::TunnelsModel(NodeModel *node, QObject *parent)
    : RecordsModel(node, QStringLiteral("Tunnels"),
                   {{QStringLiteral("interface"), tr("Interface"), Format::Text},
                    {QStringLiteral("peer"), tr("Peer"), Format::Prefix},
                    {QStringLiteral("protocol"), tr("Protocol"), Format::Text},
                    {QStringLiteral("direction"), tr("Direction"), Format::Text},
                    {QStringLiteral("since"), tr("Since"), Format::Time},
                    {QStringLiteral("rx_bytes"), tr("Received"), Format::Bytes},
                    {QStringLiteral("tx_bytes"), tr("Sent"), Format::Bytes}},
                   // A server's interface (re6stnet-udp) carries one tunnel per client.
                   {QStringLiteral("interface"), QStringLiteral("peer")}, parent)
{
    connect(node->proxy(), &Node1Proxy::TunnelsChanged, this, &TunnelsModel::reload);
}

QVariant TunnelsModel::display(const QVariantMap &record, const Column &column) const
{
    if (column.key == QLatin1String("direction")) {
        const QString direction = record.value(column.key).toString();
        if (direction == QLatin1String("client"))
            return tr("outgoing");
        if (direction == QLatin1String("server"))
            return tr("incoming");
    }
    return RecordsModel::display(record, column);
}

} // namespace re6st::gui
