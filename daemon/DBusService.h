// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "DBusErrors.h"
#include "NodeStatus.h"

#include <QDBusConnection>
#include <QDBusContext>
#include <QObject>
#include <QSet>
#include <QStringList>
#include <functional>
#include <memory>

namespace re6st::daemon {

class NodeController;
class PolkitAuthorizer;

// The daemon's D-Bus API at /org/re6st/Node: org.re6st.Node1 and org.re6st.Enrollment1
// (contracts: dbus/*.xml; the adaptors are generated from them by qdbusxml2cpp and call
// the members below). State comes from a NodeStatus snapshot read from the provider;
// refresh() diffs it against the last one and announces the changes. Mutating calls
// are authorized by polkit on the caller's bus name, then handed to the controller;
// the reply is delayed until both have answered.
class DBusService final : public QObject, protected QDBusContext
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DBusService)
    // org.re6st.Node1 properties (read by the generated adaptor by name).
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
    Q_PROPERTY(bool Enrolled READ enrolled)
    Q_PROPERTY(QString ConfigDirectory READ configDirectory)
    Q_PROPERTY(QStringList Neighbours READ neighbourPrefixes)
    Q_PROPERTY(uint PeerCount READ peerCount)
    Q_PROPERTY(uint TunnelCount READ tunnelCount)
    Q_PROPERTY(uint ProtocolVersion READ protocolVersion)
    Q_PROPERTY(QString Version READ version)
public:
    using Provider = std::function<NodeStatus()>;

    static constexpr const char *kServiceName = "org.re6st.Node";
    static constexpr const char *kObjectPath = "/org/re6st/Node";
    static constexpr const char *kInterface = "org.re6st.Node1";
    static constexpr const char *kEnrollmentInterface = "org.re6st.Enrollment1";
    static constexpr const char *kErrorUnavailable = dbuserror::Unavailable;
    static constexpr const char *kErrorBabelUnavailable = dbuserror::BabelUnavailable;

    // An empty provider makes every query answer org.re6st.Error.Unavailable; without a
    // controller every action does. `polkit` may be null: every action is then refused.
    DBusService(const QDBusConnection &bus, Provider provider, QObject *parent = nullptr);
    ~DBusService() override;

    void setController(NodeController *controller) { m_controller = controller; }
    // Not owned; defaults to a PolkitAuthorizer on the same bus, created by start().
    void setAuthorizer(PolkitAuthorizer *authorizer) { m_authorizer = authorizer; }

    // Exports the object on the bus and, when ownName, requests org.re6st.Node.
    // Reads the first snapshot. False with *errorMessage set on failure.
    bool start(QString *errorMessage, bool ownName = true);

    // Connects to the system bus ($DBUS_STARTER_ADDRESS when D-Bus activated us, else
    // $DBUS_SYSTEM_BUS_ADDRESS or the default socket) and
    // starts a service there. nullptr with *errorMessage when there is no system bus or
    // the name is refused: the daemon logs "D-Bus API off" and keeps routing.
    static std::unique_ptr<DBusService> registerOnSystemBus(Provider provider, QString *errorMessage);

    const NodeStatus &status() const { return m_status; }
    bool hasProvider() const { return bool(m_provider); }
    QDBusConnection connection() const { return m_bus; }

    // Property getters (the adaptor reads them through Q_PROPERTY).
    QString state() const { return NodeStatus::toString(m_status.state); }
    QString stateDetail() const { return m_status.stateDetail; }
    QString prefix() const { return m_status.prefix; }
    QString address() const { return m_status.address; }
    QString subnet() const { return m_status.subnet; }
    QString network() const { return m_status.network; }
    QString registry() const { return m_status.registry; }
    bool registryReachable() const { return m_status.registryReachable; }
    qlonglong certificateNotAfter() const { return m_status.certificateNotAfter; }
    qlonglong nextRenewal() const { return m_status.nextRenewal; }
    bool enrolled() const { return m_status.enrolled; }
    QString configDirectory() const { return m_status.configDirectory; }
    QStringList neighbourPrefixes() const { return m_status.neighbourPrefixes; }
    uint peerCount() const { return m_status.peerCount; }
    uint tunnelCount() const { return m_status.tunnelCount; }
    uint protocolVersion() const { return m_status.protocolVersion; }
    QString version() const { return m_status.version; }

public Q_SLOTS:
    // Re-reads the snapshot; emits PropertiesChanged (changed properties only, new
    // values) and PeersChanged / TunnelsChanged / RoutesChanged for changed lists.
    void refresh();

    // org.re6st.Node1 methods (called by the generated adaptor).
    QList<QVariantMap> Peers();
    QList<QVariantMap> Tunnels();
    QList<QVariantMap> Routes();
    QList<QVariantMap> Neighbours();
    void Start();
    void Stop();
    void ReloadConfig();
    void KillTunnel(const QString &tunnel);
    void AddNeighbour(const QString &prefix);
    void RemoveNeighbour(const QString &prefix);
    // org.re6st.Enrollment1
    QString FetchCa(const QString &registry, QVariantMap &details);
    void RequestToken(const QString &registry, const QString &fingerprint, const QString &email);
    QVariantMap Enroll(const QString &registry, const QString &fingerprint, const QString &token,
                       const QVariantMap &options);

Q_SIGNALS:
    void PeersChanged();
    void TunnelsChanged();
    void RoutesChanged();
    void Progress(const QString &step, const QString &detail);

private:
    QList<QVariantMap> records(QList<QVariantMap> NodeStatus::*list, bool fromBabel);
    // Delays the reply, checks `actionId` with polkit on the caller (empty: no check),
    // then runs `action` on the controller and replies with its outcome.
    void authorizeThen(const char *actionId, const std::function<void(NodeController &, const QDBusMessage &)> &action);
    void reply(const QDBusMessage &call, const QVariantList &values, const QString &error, const QString &message);

    QDBusConnection m_bus;
    Provider m_provider;
    NodeStatus m_status;
    NodeController *m_controller = nullptr;
    PolkitAuthorizer *m_authorizer = nullptr;
    std::unique_ptr<PolkitAuthorizer> m_ownAuthorizer;
    QObject *m_nodeAdaptor = nullptr;       // generated, owned as children
    QObject *m_enrollmentAdaptor = nullptr;
    QSet<QString> m_fetchCaCallers; // unique names with a FetchCa in flight
    bool m_exported = false;
    bool m_ownsName = false;
};

} // namespace re6st::daemon
