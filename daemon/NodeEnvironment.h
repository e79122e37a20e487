// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QList>
#include <QProcessEnvironment>
#include <QString>
#include <utility>

namespace re6st::daemon {

struct NodeIdentity;

// Variables exported to --up/--daemon commands and every child
// (node-protocol.md §1.3, man page re6stnet(8) "Following environment variables").
class NodeEnvironment final
{
public:
    using Variables = QList<std::pair<QString, QString>>;
    // re6stnet_iface, re6stnet_ip, re6stnet_subnet, re6stnet_network (CIDR), in that order.
    static Variables variables(const QString &mainInterface, const QString &ip, const QString &subnet,
                               const QString &network);
    static Variables variables(const QString &mainInterface, const NodeIdentity &identity);
    // `base` with the variables set (overriding inherited ones).
    static QProcessEnvironment apply(QProcessEnvironment base, const Variables &variables);
};

} // namespace re6st::daemon
