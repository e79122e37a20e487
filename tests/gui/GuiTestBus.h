// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "../../daemon/DBusService.h"
#include "../../daemon/NodeController.h"
#include "PrivateBus.h"

#include <QDBusConnection>
#include <memory>
#include <unistd.h>

namespace re6st::test {

// Answers every action at once; with no polkit on the private bus the service refuses
// Start/Stop before reaching it (org.re6st.Error.NotAuthorized).
class AcceptingController final : public re6st::daemon::NodeController
{
public:
    QStringList calls;
    void start(Done done) override { calls << QStringLiteral("start"); done(Reply::ok()); }
    void stop(Done done) override { calls << QStringLiteral("stop"); done(Reply::ok()); }
    void reloadConfig(Done done) override { done(Reply::ok()); }
    void killTunnel(const QString &, Done done) override { done(Reply::ok()); }
    void addNeighbour(const QString &, Done done) override { done(Reply::ok()); }
    void removeNeighbour(const QString &, Done done) override { done(Reply::ok()); }
    void fetchCa(const QString &, Done done) override { done(Reply::ok({QString(), QVariantMap{}})); }
    void requestToken(const QString &, const QString &, const QString &, Progress, Done done) override { done(Reply::ok()); }
    void enroll(const QString &, const QString &, const QString &, const QVariantMap &, Progress, Done done) override
    {
        done(Reply::ok({QVariantMap{}}));
    }
};

// The daemon side of a GUI test: a private dbus-daemon made the process's system bus
// (DBUS_SYSTEM_BUS_ADDRESS, read by QDBusConnection::systemBus() at its first use) and
// the real daemon::DBusService owning org.re6st.Node on it, fed from `status`.
class GuiTestBus final
{
public:
    using NodeStatus = re6st::daemon::NodeStatus;
    NodeStatus status;
    AcceptingController controller;

    // Empty on success, else why the test must skip or fail ("skip: ..." to skip).
    QString start()
    {
        if (PrivateBus::daemonPath().isEmpty())
            return QStringLiteral("skip: dbus-daemon not installed (Debian package `dbus`)");
        if (::geteuid() != 0)
            return QStringLiteral("skip: needs root: dbus/org.re6st.Node.conf lets only root own org.re6st.Node");
        QString source = qEnvironmentVariable("RE6ST_SOURCE_DIR", QStringLiteral(RE6ST_SOURCE_DIR_FALLBACK));
        QString error;
        if (!m_bus.start({source + QStringLiteral("/dbus/org.re6st.Node.conf")}, &error))
            return error;
        qputenv("DBUS_SYSTEM_BUS_ADDRESS", m_bus.address().toUtf8());
        if (!QDBusConnection::connectToBus(m_bus.address(), kConnection).isConnected())
            return QStringLiteral("cannot connect to the private bus");
        return startService();
    }

    // The daemon (re)appears on the bus.
    QString startService()
    {
        m_service = std::make_unique<re6st::daemon::DBusService>(QDBusConnection(kConnection),
                                                                 [this] { return status; });
        m_service->setController(&controller);
        QString error;
        if (!m_service->start(&error, true))
            return error;
        return {};
    }
    // The daemon leaves the bus (as when re6stnet exits).
    void stopService() { m_service.reset(); }
    // The daemon notices a change (PropertiesChanged, *Changed signals).
    void refresh()
    {
        if (m_service)
            m_service->refresh();
    }

    void stop()
    {
        m_service.reset();
        QDBusConnection::disconnectFromBus(kConnection);
        m_bus.stop();
    }
    ~GuiTestBus() { stop(); }

    static NodeStatus connectedStatus()
    {
        NodeStatus s;
        s.state = NodeStatus::State::Connected;
        s.enrolled = true;
        s.prefix = QStringLiteral("1/16");
        s.address = QStringLiteral("2001:db8:42:1::1");
        s.subnet = QStringLiteral("2001:db8:42:1::/64");
        s.network = QStringLiteral("2001:db8:42::/48");
        s.registry = QStringLiteral("http://10.42.0.1/");
        s.registryReachable = true;
        s.certificateNotAfter = 4102444800; // 2100: far from expiring
        s.nextRenewal = 4100000000;
        s.peerCount = 2;
        s.tunnelCount = 1;
        s.protocolVersion = 10;
        s.version = QStringLiteral("0.1.0");
        s.babelReachable = true;
        s.peers = {NodeStatus::peerRecord(QStringLiteral("2/16"), QStringLiteral("2001:db8:42:2::1"),
                                          QStringLiteral("FR"), 10, 1700000000, true),
                   NodeStatus::peerRecord(QStringLiteral("3/16"), QStringLiteral("2001:db8:42:3::1"),
                                          QString(), 9, 0, false)};
        s.tunnels = {NodeStatus::tunnelRecord(QStringLiteral("re6stnet1"), QStringLiteral("2/16"),
                                              QStringLiteral("udp6"), true, 1700000100, Q_UINT64_C(5000000000), 42)};
        s.routes = {NodeStatus::routeRecord(QStringLiteral("2001:db8:42:2::/64"), QStringLiteral("::/0"),
                                            QStringLiteral("fe80::2"), QStringLiteral("re6stnet1"), 256, true),
                    NodeStatus::routeRecord(QStringLiteral("2001:db8:42:3::/64"), QStringLiteral("::/0"),
                                            QStringLiteral("fe80::2"), QStringLiteral("re6stnet1"), 512, true)};
        s.neighbours = {NodeStatus::neighbourRecord(QStringLiteral("fe80::2"), QStringLiteral("re6stnet1"), 12.5, 96, 0xfff0)};
        return s;
    }

private:
    static inline const QString kConnection = QStringLiteral("re6st-test-daemon");
    PrivateBus m_bus;
    std::unique_ptr<re6st::daemon::DBusService> m_service;
};

} // namespace re6st::test
