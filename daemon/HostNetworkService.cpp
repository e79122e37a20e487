// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/HostNetworkService.h"

#include "daemon/DBusErrors.h"
#include "daemon/NetworkManagerTypes.h"
#include "daemon/PolkitAuthorizer.h"
#include "hostnetwork1adaptor.h"

#include <QDBusMessage>
#include <QLoggingCategory>
#include <QPointer>

Q_LOGGING_CATEGORY(lcHostNetwork, "re6st.hostnetwork")

namespace re6st::daemon {

HostNetworkService::HostNetworkService(const QDBusConnection &bus, const QString &mainInterface,
                                       PolkitAuthorizer *authorizer, QObject *parent)
    : QObject(parent), m_bus(bus), m_authorizer(authorizer)
{
    nm::registerTypes();
    new HostNetwork1Adaptor(this);
    m_watcher = new NetworkManagerWatcher(bus, mainInterface, this);
    if (!m_authorizer) {
        m_ownAuthorizer = std::make_unique<PolkitAuthorizer>(m_bus);
        m_authorizer = m_ownAuthorizer.get();
    }
    connect(m_watcher, &NetworkManagerWatcher::runningChanged, this,
            [this] { propertiesChanged({QStringLiteral("NetworkManager")}); });
    connect(m_watcher, &NetworkManagerWatcher::conflictsChanged, this, [this] {
        propertiesChanged({QStringLiteral("Conflicts")});
        Q_EMIT ConflictsChanged(conflicts());
    });
    connect(m_watcher, &NetworkManagerWatcher::mainInterfaceStateChanged, this, [this] {
        propertiesChanged({QStringLiteral("MainInterfaceState")});
        const bool down = mainInterfaceDown();
        if (down == m_down)
            return;
        m_down = down;
        Q_EMIT mainInterfaceDownChanged(down, down ? QStringLiteral("the main interface %1 is down (NetworkManager): "
                                                                    "tunnels and routing resume when it is up again")
                                                         .arg(this->mainInterface())
                                                   : QString());
    });
}

HostNetworkService::~HostNetworkService()
{
    if (m_exported)
        m_bus.unregisterObject(QString::fromLatin1(kObjectPath));
}

bool HostNetworkService::start(QString *errorMessage)
{
    if (!m_bus.registerObject(QString::fromLatin1(kObjectPath), this, QDBusConnection::ExportAdaptors)) {
        if (errorMessage)
            *errorMessage = QStringLiteral("cannot export %1 on D-Bus (another object is there?)")
                                .arg(QString::fromLatin1(kObjectPath));
        return false;
    }
    m_exported = true;
    m_watcher->start();
    return true;
}

QList<QVariantMap> HostNetworkService::conflicts() const
{
    QList<QVariantMap> out;
    for (const Ipv6SettingsConflict &c : m_watcher->conflicts())
        out << c.toVariantMap();
    return out;
}

void HostNetworkService::propertiesChanged(const QStringList &names)
{
    if (!m_exported)
        return;
    QVariantMap values;
    for (const QString &name : names)
        values.insert(name, property(name.toLatin1().constData()));
    QDBusMessage signal = QDBusMessage::createSignal(QString::fromLatin1(kObjectPath),
                                                     QStringLiteral("org.freedesktop.DBus.Properties"),
                                                     QStringLiteral("PropertiesChanged"));
    signal << QString::fromLatin1(kInterface) << values << QStringList();
    m_bus.send(signal);
}

void HostNetworkService::FixConflict(const QString &connection)
{
    setDelayedReply(true);
    const QDBusMessage call = message();
    QPointer<HostNetworkService> self(this);
    auto reply = [self, call](const QString &error, const QString &text) {
        if (!self)
            return;
        self->m_bus.send(error.isEmpty() ? call.createReply() : call.createErrorReply(error, text));
    };
    // Cheap refusals first: no password prompt for a call that cannot succeed.
    if (!m_watcher->isRunning())
        return reply(QString::fromLatin1(dbuserror::Unavailable),
                     QStringLiteral("NetworkManager is not running on the system bus; start it "
                                    "(systemctl start NetworkManager) and retry"));
    bool known = false;
    for (const Ipv6SettingsConflict &c : m_watcher->conflicts())
        known = known || c.connection == connection;
    if (!known)
        return reply(QString::fromLatin1(dbuserror::NotFound),
                     QStringLiteral("no NetworkManager connection with UUID '%1' has a conflict; read the "
                                    "Conflicts property for the current list")
                         .arg(connection.left(100)));
    m_authorizer->check(call.service(), QString::fromLatin1(PolkitAuthorizer::kActionFixNetwork),
                        call.isInteractiveAuthorizationAllowed(),
                        [self, call, connection, reply](const PolkitAuthorizer::Result &r) {
                            if (!self)
                                return;
                            if (r.verdict != PolkitAuthorizer::Verdict::Authorized) {
                                qCInfo(lcHostNetwork).noquote() << "refused FixConflict to" << call.service() << ":"
                                                                << r.message;
                                return reply(QString::fromLatin1(dbuserror::NotAuthorized), r.message);
                            }
                            qCInfo(lcHostNetwork).noquote()
                                << "FixConflict" << connection << "authorized for" << call.service();
                            self->m_watcher->fix(connection, [reply](const NetworkManagerWatcher::FixResult &result) {
                                reply(result.errorName, result.message);
                            });
                        });
}

} // namespace re6st::daemon
