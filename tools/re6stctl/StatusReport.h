// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QList>
#include <QString>
#include <QTimeZone>
#include <QVariantMap>

namespace re6st::ctl {

// `re6stctl status` in human form, like `tailscale status`: our node (address,
// state, prefix, subnet, network, registry, certificate), then one line per peer
// (prefix, address, rtt, how it is reached, country). Pure: built from the
// org.re6st.Node1 properties (GetAll) and the four record lists.
class StatusReport final
{
public:
    QVariantMap properties;           // D-Bus property name -> value
    QList<QVariantMap> peers;
    QList<QVariantMap> tunnels;
    QList<QVariantMap> routes;
    QList<QVariantMap> neighbours;
    QString routesProblem;            // why Routes()/Neighbours() failed; empty if they did not
    qint64 now = 0;                   // Unix s
    QTimeZone zone = QTimeZone::systemTimeZone();

    QString render() const;

    // "connected", "error (babeld died ...)", "stopped (not enrolled: ...)".
    static QString stateText(const QVariantMap &properties);
};

} // namespace re6st::ctl
