// SPDX-License-Identifier: GPL-2.0-or-later
#include "DBusService.h"

#include <QDBusAbstractAdaptor>
#include <QDBusConnectionInterface>
#include <QDBusError>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcDBus, "re6st.dbus")

namespace re6st::daemon {

namespace {

// The interface itself; its Q_PROPERTYs, scriptable slots and signals are what QtDBus
// introspects, and tests/dbus checks them against dbus/org.re6st.Node1.xml.
class NodeAdaptor final : public QDBusAbstractAdaptor
{
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.re6st.Node1")
    Q_PROPERTY(QString State READ state)
    Q_PROPERTY(QString StateDetail READ stateDetail)
    Q_PROPERTY(QString Prefix READ prefix)
    Q_PROPERTY(QString Address READ address)
    Q_PROPERTY(QString Subnet READ subnet)
    Q_PROPERTY(QString Network READ network)
    Q_PROPERTY(QString Registry READ registry)
    Q_PROPERTY(bool RegistryReachable READ registryReachable)
    Q_PROPERTY(qlonglong CertificateNotAfter READ certificateNotAfter)
    Q_PROPERTY(qlonglong NextRenewal READ nextRenewal)
    Q_PROPERTY(uint PeerCount READ peerCount)
    Q_PROPERTY(uint TunnelCount READ tunnelCount)
    Q_PROPERTY(uint ProtocolVersion READ protocolVersion)
    Q_PROPERTY(QString Version READ version)
    Q_DISABLE_COPY_MOVE(NodeAdaptor)
public:
    explicit NodeAdaptor(DBusService *service)
        : QDBusAbstractAdaptor(service), m_service(service)
    {
        setAutoRelaySignals(false);
    }

    QString state() const { return NodeStatus::toString(s().state); }
    QString stateDetail() const { return s().stateDetail; }
    QString prefix() const { return s().prefix; }
    QString address() const { return s().address; }
    QString subnet() const { return s().subnet; }
    QString network() const { return s().network; }
    QString registry() const { return s().registry; }
    bool registryReachable() const { return s().registryReachable; }
    qlonglong certificateNotAfter() const { return s().certificateNotAfter; }
    qlonglong nextRenewal() const { return s().nextRenewal; }
    uint peerCount() const { return s().peerCount; }
    uint tunnelCount() const { return s().tunnelCount; }
    uint protocolVersion() const { return s().protocolVersion; }
    QString version() const { return s().version; }

public Q_SLOTS:
    // The trailing QDBusMessage is not part of the D-Bus signature (QtDBus passes the call).
    QList<QVariantMap> Peers(const QDBusMessage &call) { return records(call, &NodeStatus::peers, false); }
    QList<QVariantMap> Tunnels(const QDBusMessage &call) { return records(call, &NodeStatus::tunnels, false); }
    QList<QVariantMap> Routes(const QDBusMessage &call) { return records(call, &NodeStatus::routes, true); }
    QList<QVariantMap> Neighbours(const QDBusMessage &call) { return records(call, &NodeStatus::neighbours, true); }

Q_SIGNALS:
    void PeersChanged();
    void TunnelsChanged();
    void RoutesChanged();

private:
    const NodeStatus &s() const { return m_service->status(); }

    // Replies with a D-Bus error instead of the automatic (empty) reply.
    QList<QVariantMap> fail(const QDBusMessage &call, const char *name, const QString &message)
    {
        call.setDelayedReply(true);
        m_service->connection().send(call.createErrorReply(QString::fromLatin1(name), message));
        return {};
    }

    QList<QVariantMap> records(const QDBusMessage &call, QList<QVariantMap> NodeStatus::*list, bool fromBabel)
    {
        if (!m_service->hasProvider()) {
            return fail(call, DBusService::kErrorUnavailable,
                           QStringLiteral("The re6stnet daemon has no status to report yet; "
                                          "retry in a few seconds, or check `journalctl -u re6stnet`."));
        }
        // Answers come from the snapshot of the last refresh(), like the properties.
        if (fromBabel && !s().babelReachable) {
            return fail(call, DBusService::kErrorBabelUnavailable,
                           QStringLiteral("babeld's local interface is not answering, so the routing "
                                          "table is unknown; check that babeld runs "
                                          "(`journalctl -u re6stnet`) and retry."));
        }
        return s().*list;
    }

    DBusService *m_service;
};

} // namespace

DBusService::DBusService(const QDBusConnection &bus, Provider provider, QObject *parent)
    : QObject(parent), m_bus(bus), m_provider(std::move(provider))
{
    qDBusRegisterMetaType<QList<QVariantMap>>();
    m_adaptor = new NodeAdaptor(this);
}

DBusService::~DBusService()
{
    if (m_ownsName)
        m_bus.unregisterService(QString::fromLatin1(kServiceName));
    if (m_exported)
        m_bus.unregisterObject(QString::fromLatin1(kObjectPath));
}

bool DBusService::start(QString *errorMessage, bool ownName)
{
    auto fail = [&](const QString &message) {
        if (errorMessage)
            *errorMessage = message;
        return false;
    };
    if (!m_bus.isConnected())
        return fail(QStringLiteral("not connected to D-Bus: %1").arg(m_bus.lastError().message()));
    if (m_provider)
        m_status = m_provider();
    if (!m_bus.registerObject(QString::fromLatin1(kObjectPath), this, QDBusConnection::ExportAdaptors))
        return fail(QStringLiteral("cannot export %1 on D-Bus (another object is there?)")
                        .arg(QString::fromLatin1(kObjectPath)));
    m_exported = true;
    if (ownName) {
        if (!m_bus.registerService(QString::fromLatin1(kServiceName))) {
            const QDBusError error = m_bus.lastError();
            return fail(QStringLiteral("cannot own the D-Bus name %1 (%2): another re6stnet runs, "
                                       "or the bus policy (dbus/org.re6st.Node.conf in "
                                       "/usr/share/dbus-1/system.d) is missing or we are not root")
                            .arg(QString::fromLatin1(kServiceName),
                                 error.isValid() ? error.message() : QStringLiteral("name taken")));
        }
        m_ownsName = true;
    }
    return true;
}

std::unique_ptr<DBusService> DBusService::registerOnSystemBus(Provider provider, QString *errorMessage)
{
    // libdbus reads $DBUS_SYSTEM_BUS_ADDRESS once per process; read it on every attempt.
    const QString address = qEnvironmentVariable("DBUS_SYSTEM_BUS_ADDRESS",
                                                 QStringLiteral("unix:path=/run/dbus/system_bus_socket"));
    const QString name = QStringLiteral("re6st-system-bus");
    QDBusConnection bus = QDBusConnection::connectToBus(address, name);
    if (!bus.isConnected()) {
        if (errorMessage)
            *errorMessage = QStringLiteral("no D-Bus system bus at %1 (%2); re6stctl and re6st-tray "
                                           "cannot reach this node until dbus runs "
                                           "(systemctl start dbus) and re6stnet restarts")
                                .arg(address, bus.lastError().message());
        QDBusConnection::disconnectFromBus(name);
        return nullptr;
    }
    auto service = std::make_unique<DBusService>(bus, std::move(provider));
    if (!service->start(errorMessage)) {
        service.reset();
        QDBusConnection::disconnectFromBus(name);
        return nullptr;
    }
    return service;
}

void DBusService::refresh()
{
    if (!m_provider)
        return;
    NodeStatus next = m_provider();
    const QStringList changed = NodeStatus::changedProperties(m_status, next);
    const int lists = NodeStatus::changedRecords(m_status, next);
    m_status = std::move(next);
    if (!m_exported)
        return;
    if (!changed.isEmpty()) {
        const QVariantMap all = m_status.properties();
        QVariantMap values;
        for (const QString &name : changed)
            values.insert(name, all.value(name));
        QDBusMessage signal = QDBusMessage::createSignal(
            QString::fromLatin1(kObjectPath), QStringLiteral("org.freedesktop.DBus.Properties"),
            QStringLiteral("PropertiesChanged"));
        signal << QString::fromLatin1(kInterface) << values << QStringList();
        m_bus.send(signal);
    }
    auto *adaptor = static_cast<NodeAdaptor *>(m_adaptor);
    if (lists & NodeStatus::PeerRecords)
        Q_EMIT adaptor->PeersChanged();
    if (lists & NodeStatus::TunnelRecords)
        Q_EMIT adaptor->TunnelsChanged();
    if (lists & (NodeStatus::RouteRecords | NodeStatus::NeighbourRecords))
        Q_EMIT adaptor->RoutesChanged();
}

} // namespace re6st::daemon

#include "DBusService.moc"
