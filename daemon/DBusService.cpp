// SPDX-License-Identifier: GPL-2.0-or-later
#include "DBusService.h"

#include "NodeController.h"
#include "NodeEnrollment.h"
#include "PolkitAuthorizer.h"
#include "enrollment1adaptor.h"
#include "node1adaptor.h"

#include <QDBusConnectionInterface>
#include <QDBusError>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QLoggingCategory>
#include <QPointer>

Q_LOGGING_CATEGORY(lcDBus, "re6st.dbus")

namespace re6st::daemon {

namespace {
// Bounds on what a caller may hand us (bad input gets InvalidArgument, never a crash).
constexpr int kMaxArgumentLength = 2048;

QString tooLong(const char *what)
{
    return QStringLiteral("%1 is longer than %2 characters; check the value and retry")
        .arg(QLatin1String(what)).arg(kMaxArgumentLength);
}

// tooLong() for the first argument over the bound, naming it; empty when none is.
QString firstTooLong(std::initializer_list<std::pair<const char *, const QString *>> arguments)
{
    for (const auto &[what, value] : arguments)
        if (value->size() > kMaxArgumentLength) return tooLong(what);
    return {};
}

// AddNeighbour/RemoveNeighbour's argument: a prefix in CN form (the node checks it again).
QString prefixError(const QString &prefix)
{
    return prefix.size() > kMaxArgumentLength ? tooLong("the prefix") : NodeController::prefixError(prefix);
}
} // namespace

DBusService::DBusService(const QDBusConnection &bus, Provider provider, QObject *parent)
    : QObject(parent), m_bus(bus), m_provider(std::move(provider))
{
    qDBusRegisterMetaType<QList<QVariantMap>>();
    m_nodeAdaptor = new Node1Adaptor(this);
    m_enrollmentAdaptor = new Enrollment1Adaptor(this);
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
    if (!m_authorizer) {
        m_ownAuthorizer = std::make_unique<PolkitAuthorizer>(m_bus);
        m_authorizer = m_ownAuthorizer.get();
    }
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
    // Started by D-Bus activation: serve on the bus that started us (dbus-daemon(1)).
    QString address = qEnvironmentVariable("DBUS_STARTER_ADDRESS");
    if (address.isEmpty())
        address = qEnvironmentVariable("DBUS_SYSTEM_BUS_ADDRESS", QStringLiteral("unix:path=/run/dbus/system_bus_socket"));
    const QString name = QStringLiteral("re6st-system-bus");
    std::unique_ptr<DBusService> service;
    {
        // Every reference to the connection must be gone before disconnectFromBus, or
        // libdbus aborts: this one ends with the block.
        const QDBusConnection bus = QDBusConnection::connectToBus(address, name);
        if (bus.isConnected()) {
            service = std::make_unique<DBusService>(bus, std::move(provider));
        } else if (errorMessage) {
            *errorMessage = QStringLiteral("no D-Bus system bus at %1 (%2); re6stctl and re6st-tray "
                                           "cannot reach this node until dbus runs "
                                           "(systemctl start dbus) and re6stnet restarts")
                                .arg(address, bus.lastError().message());
        }
    }
    if (!service) {
        QDBusConnection::disconnectFromBus(name);
        return nullptr;
    }
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
    if (lists & NodeStatus::PeerRecords)
        Q_EMIT PeersChanged();
    if (lists & NodeStatus::TunnelRecords)
        Q_EMIT TunnelsChanged();
    if (lists & (NodeStatus::RouteRecords | NodeStatus::NeighbourRecords))
        Q_EMIT RoutesChanged();
}

QList<QVariantMap> DBusService::records(QList<QVariantMap> NodeStatus::*list, bool fromBabel)
{
    if (!m_provider) {
        sendErrorReply(QString::fromLatin1(dbuserror::Unavailable),
                       QStringLiteral("The re6stnet daemon has no status to report yet; retry in a few "
                                      "seconds, or check `journalctl -u re6stnet`."));
        return {};
    }
    // Answers come from the snapshot of the last refresh(), like the properties.
    if (fromBabel && !m_status.babelReachable) {
        sendErrorReply(QString::fromLatin1(dbuserror::BabelUnavailable),
                       QStringLiteral("babeld's local interface is not answering, so the routing table "
                                      "is unknown; check that the node is started and babeld runs "
                                      "(`journalctl -u re6stnet`), then retry."));
        return {};
    }
    return m_status.*list;
}

QList<QVariantMap> DBusService::Peers() { return records(&NodeStatus::peers, false); }
QList<QVariantMap> DBusService::Tunnels() { return records(&NodeStatus::tunnels, false); }
QList<QVariantMap> DBusService::Routes() { return records(&NodeStatus::routes, true); }
QList<QVariantMap> DBusService::Neighbours() { return records(&NodeStatus::neighbours, true); }

void DBusService::reply(const QDBusMessage &call, const QVariantList &values, const QString &error,
                        const QString &message)
{
    if (!error.isEmpty()) {
        m_bus.send(call.createErrorReply(error, message));
        return;
    }
    m_bus.send(call.createReply(values));
}

void DBusService::authorizeThen(const char *actionId,
                                const std::function<void(NodeController &, const QDBusMessage &)> &action)
{
    setDelayedReply(true);
    const QDBusMessage call = message();
    if (!m_controller) {
        reply(call, {}, QString::fromLatin1(dbuserror::Unavailable),
              QStringLiteral("The re6stnet daemon is not ready for actions yet; retry in a few seconds."));
        return;
    }
    if (!actionId) {
        action(*m_controller, call);
        return;
    }
    if (!m_authorizer) {
        reply(call, {}, QString::fromLatin1(dbuserror::NotAuthorized),
              QStringLiteral("polkit is not available, so no action is allowed; start polkit "
                             "(systemctl start polkit) and retry."));
        return;
    }
    const QString member = call.member();
    QPointer<DBusService> self(this);
    m_authorizer->check(call.service(), QString::fromLatin1(actionId), call.isInteractiveAuthorizationAllowed(),
                        [self, call, action, member, actionId](const PolkitAuthorizer::Result &r) {
                            if (!self)
                                return;
                            if (r.verdict != PolkitAuthorizer::Verdict::Authorized) {
                                qCInfo(lcDBus).noquote() << "refused" << member << "to" << call.service()
                                                         << "(" << actionId << "):" << r.message;
                                self->reply(call, {}, QString::fromLatin1(dbuserror::NotAuthorized), r.message);
                                return;
                            }
                            if (!self->m_controller) {
                                self->reply(call, {}, QString::fromLatin1(dbuserror::Unavailable),
                                            QStringLiteral("The re6stnet daemon is shutting down."));
                                return;
                            }
                            qCInfo(lcDBus).noquote() << member << "authorized for" << call.service();
                            action(*self->m_controller, call);
                        });
}

namespace {
// Hands a controller answer back as the D-Bus reply of `call`.
NodeController::Done replier(DBusService *service, const QDBusMessage &call,
                             const std::function<void(const QDBusMessage &, const NodeController::Reply &)> &send)
{
    QPointer<DBusService> self(service);
    return [self, call, send](const NodeController::Reply &r) {
        if (self)
            send(call, r);
    };
}
} // namespace

#define RE6ST_REPLY [this](const QDBusMessage &c, const NodeController::Reply &r) { reply(c, r.values, r.error, r.message); }

void DBusService::Start()
{
    authorizeThen(PolkitAuthorizer::kActionStartStop, [this](NodeController &n, const QDBusMessage &call) {
        n.start(replier(this, call, RE6ST_REPLY));
    });
}

void DBusService::Stop()
{
    authorizeThen(PolkitAuthorizer::kActionStartStop, [this](NodeController &n, const QDBusMessage &call) {
        n.stop(replier(this, call, RE6ST_REPLY));
    });
}

void DBusService::ReloadConfig()
{
    authorizeThen(PolkitAuthorizer::kActionConfigure, [this](NodeController &n, const QDBusMessage &call) {
        n.reloadConfig(replier(this, call, RE6ST_REPLY));
    });
}

void DBusService::KillTunnel(const QString &tunnel)
{
    if (tunnel.size() > kMaxArgumentLength || tunnel.trimmed().isEmpty())
        return sendErrorReply(QString::fromLatin1(dbuserror::InvalidArgument),
                              tunnel.trimmed().isEmpty() ? QStringLiteral("name a tunnel: its interface (re6stnet3) "
                                                                          "or its peer prefix (1/16)")
                                                         : tooLong("the tunnel name"));
    authorizeThen(PolkitAuthorizer::kActionManageTunnels, [this, tunnel](NodeController &n, const QDBusMessage &call) {
        n.killTunnel(tunnel, replier(this, call, RE6ST_REPLY));
    });
}

void DBusService::AddNeighbour(const QString &prefix)
{
    // Pure checks come before the polkit prompt (a password for a typo helps no one).
    if (const QString bad = prefixError(prefix); !bad.isEmpty())
        return sendErrorReply(QString::fromLatin1(dbuserror::InvalidArgument), bad);
    authorizeThen(PolkitAuthorizer::kActionConfigure, [this, prefix](NodeController &n, const QDBusMessage &call) {
        n.addNeighbour(prefix, replier(this, call, RE6ST_REPLY));
    });
}

void DBusService::RemoveNeighbour(const QString &prefix)
{
    // Pure checks come before the polkit prompt (a password for a typo helps no one).
    if (const QString bad = prefixError(prefix); !bad.isEmpty())
        return sendErrorReply(QString::fromLatin1(dbuserror::InvalidArgument), bad);
    authorizeThen(PolkitAuthorizer::kActionConfigure, [this, prefix](NodeController &n, const QDBusMessage &call) {
        n.removeNeighbour(prefix, replier(this, call, RE6ST_REPLY));
    });
}

QString DBusService::FetchCa(const QString &registry, QVariantMap &)
{
    if (registry.size() > kMaxArgumentLength) {
        sendErrorReply(QString::fromLatin1(dbuserror::InvalidArgument), tooLong("the registry URL"));
        return {};
    }
    // Reading a public CA is open to everyone (no polkit action), so one caller gets one
    // download at a time (the controller also caps the total).
    authorizeThen(nullptr, [this, registry](NodeController &n, const QDBusMessage &call) {
        const QString caller = call.service();
        if (m_fetchCaCallers.contains(caller))
            return reply(call, {}, QString::fromLatin1(dbuserror::Busy),
                         QStringLiteral("your previous FetchCa call is still running; wait for its answer"));
        m_fetchCaCallers.insert(caller);
        QPointer<DBusService> self(this);
        n.fetchCa(registry, [self, call, caller](const NodeController::Reply &r) {
            if (!self) return;
            self->m_fetchCaCallers.remove(caller);
            self->reply(call, r.values, r.error, r.message);
        });
    });
    return {};
}

void DBusService::RequestToken(const QString &registry, const QString &fingerprint, const QString &email)
{
    QString bad = firstTooLong({{"the registry URL", &registry}, {"the fingerprint", &fingerprint}, {"the email address", &email}});
    if (bad.isEmpty()) bad = NodeEnrollment::requestTokenArgumentError(registry, fingerprint, email);
    if (!bad.isEmpty()) return sendErrorReply(QString::fromLatin1(dbuserror::InvalidArgument), bad);
    authorizeThen(PolkitAuthorizer::kActionEnroll,
                  [this, registry, fingerprint, email](NodeController &n, const QDBusMessage &call) {
                      QPointer<DBusService> self(this);
                      n.requestToken(registry, fingerprint, email,
                                     [self](const QString &step, const QString &detail) {
                                         if (self) Q_EMIT self->Progress(step, detail);
                                     },
                                     replier(this, call, RE6ST_REPLY));
                  });
}

QVariantMap DBusService::Enroll(const QString &registry, const QString &fingerprint, const QString &token,
                                const QVariantMap &options)
{
    QString bad = firstTooLong({{"the registry URL", &registry}, {"the fingerprint", &fingerprint}, {"the token", &token}});
    if (bad.isEmpty()) bad = NodeEnrollment::enrollArgumentError(registry, fingerprint, token, options);
    if (!bad.isEmpty()) {
        sendErrorReply(QString::fromLatin1(dbuserror::InvalidArgument), bad);
        return {};
    }
    authorizeThen(PolkitAuthorizer::kActionEnroll,
                  [this, registry, fingerprint, token, options](NodeController &n, const QDBusMessage &call) {
                      QPointer<DBusService> self(this);
                      n.enroll(registry, fingerprint, token, options,
                               [self](const QString &step, const QString &detail) {
                                   if (self) Q_EMIT self->Progress(step, detail);
                               },
                               replier(this, call, RE6ST_REPLY));
                  });
    return {};
}

#undef RE6ST_REPLY

} // namespace re6st::daemon
