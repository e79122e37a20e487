// SPDX-License-Identifier: GPL-2.0-or-later
// daemon/TunnelDriver's pure parts: protocol names in tunnel records.
#include "daemon/TunnelDriver.h"

#include <QtTest>

using re6st::daemon::TunnelDriver;

class TestTunnelDriver final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // Peers may announce udp4/tcp4 (PeerAddress accepts them); OpenVPN and the
    // Tunnels() records (dbus/org.re6st.Node1.xml: udp, udp6, tcp, tcp6) say udp/tcp.
    void openVpnProto()
    {
        QCOMPARE(TunnelDriver::openVpnProto(QStringLiteral("udp4")), QStringLiteral("udp"));
        QCOMPARE(TunnelDriver::openVpnProto(QStringLiteral("tcp4")), QStringLiteral("tcp"));
        for (const QString &same : {QStringLiteral("udp"), QStringLiteral("udp6"), QStringLiteral("tcp"), QStringLiteral("tcp6")})
            QCOMPARE(TunnelDriver::openVpnProto(same), same);
    }
};

QTEST_GUILESS_MAIN(TestTunnelDriver)
#include "tst_tunneldriver.moc"
