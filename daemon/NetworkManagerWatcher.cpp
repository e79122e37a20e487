// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/NetworkManagerWatcher.h"

#include "daemon/DBusErrors.h"
#include "daemon/NetworkManagerTypes.h"
#include "nmdeviceproxy.h"
#include "nmmanagerproxy.h"
#include "nmsettingsconnectionproxy.h"
#include "nmsettingsproxy.h"

#include <QDBusConnectionInterface>
#include <QDBusMetaType>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusServiceWatcher>
#include <QDBusVariant>
#include <QLoggingCategory>
#include <algorithm>
#include <memory>
#include <utility>

Q_LOGGING_CATEGORY(lcNm, "re6st.networkmanager")

namespace re6st::daemon {

namespace {
QString service() { return QString::fromLatin1(nm::kService); }

// The object path argument of a NetworkManager signal. Slots take the message: QtDBus
// 6.4 installed no match rule for slots (or generated proxy signals) whose argument is
// a QDBusObjectPath here, and QDBusConnection::connect() returned false.
QDBusObjectPath pathOf(const QDBusMessage &signal)
{
    return signal.arguments().value(0).value<QDBusObjectPath>();
}

QString byHand(const QString &uuid)
{
    return QStringLiteral("`nmcli connection modify %1 ipv6.ignore-auto-routes yes ipv6.never-default yes`").arg(uuid);
}
} // namespace

NetworkManagerWatcher::NetworkManagerWatcher(const QDBusConnection &bus, const QString &mainInterface, QObject *parent)
    : QObject(parent), m_bus(bus),
      m_mainInterface(mainInterface == QLatin1String("lo") ? QString() : mainInterface)
{
    nm::registerTypes();
}

NetworkManagerWatcher::~NetworkManagerWatcher() = default;

QString NetworkManagerWatcher::toString(DeviceState state)
{
    switch (state) {
    case DeviceState::Up: return QStringLiteral("up");
    case DeviceState::Down: return QStringLiteral("down");
    case DeviceState::Unmanaged: return QStringLiteral("unmanaged");
    case DeviceState::Unknown: break;
    }
    return QStringLiteral("unknown");
}

void NetworkManagerWatcher::start()
{
    if (m_serviceWatcher || !m_bus.isConnected())
        return;
    m_serviceWatcher = new QDBusServiceWatcher(service(), m_bus, QDBusServiceWatcher::WatchForOwnerChange, this);
    connect(m_serviceWatcher, &QDBusServiceWatcher::serviceOwnerChanged, this,
            [this](const QString &, const QString &, const QString &owner) { ownerChanged(owner); });
    // The watcher's match rule is in place: an owner that appears from now on is seen.
    QDBusMessage ask = QDBusMessage::createMethodCall(QStringLiteral("org.freedesktop.DBus"),
                                                      QStringLiteral("/org/freedesktop/DBus"),
                                                      QStringLiteral("org.freedesktop.DBus"),
                                                      QStringLiteral("GetNameOwner"));
    ask << service();
    auto *watch = new QDBusPendingCallWatcher(m_bus.asyncCall(ask), this);
    connect(watch, &QDBusPendingCallWatcher::finished, this, [this, watch] {
        watch->deleteLater();
        const QDBusPendingReply<QString> reply = *watch;
        if (!reply.isError() && m_owner.isEmpty())
            ownerChanged(reply.value());
    });
}

void NetworkManagerWatcher::ownerChanged(const QString &owner)
{
    if (owner == m_owner)
        return;
    if (!m_owner.isEmpty())
        vanished();
    m_owner = owner;
    if (!m_owner.isEmpty())
        appeared();
}

void NetworkManagerWatcher::appeared()
{
    ++m_generation;
    qCInfo(lcNm).noquote() << "NetworkManager is on the bus (" + m_owner + ")";
    m_manager = new NmManagerProxy(service(), QString::fromLatin1(nm::kPath), m_bus, this);
    m_settings = new NmSettingsProxy(service(), QString::fromLatin1(nm::kSettingsPath), m_bus, this);
    // Signals of the manager and settings objects: subscribed on the connection itself
    // (see pathOf()); the proxies serve the calls.
    subscribe(true);
    m_running = true;
    Q_EMIT runningChanged(true);
    lookUpDevice();
    whenDone(m_settings->ListConnections(), [this](const QDBusPendingCall &call) {
        const QDBusPendingReply<QList<QDBusObjectPath>> reply = call;
        if (reply.isError()) {
            qCWarning(lcNm).noquote() << "cannot list NetworkManager's connections:" << reply.error().message();
            return;
        }
        for (const QDBusObjectPath &path : reply.value())
            addConnection(path.path());
    });
}

void NetworkManagerWatcher::vanished()
{
    ++m_generation;
    qCInfo(lcNm) << "NetworkManager left the bus";
    subscribe(false);
    dropDevice();
    for (const Connection &c : std::as_const(m_connections))
        delete c.proxy;
    m_connections.clear();
    delete m_manager;
    delete m_settings;
    m_manager = nullptr;
    m_settings = nullptr;
    m_running = false;
    // Fixes in flight: their replies will never be read (generation changed).
    const auto fixes = std::exchange(m_pendingFixes, {});
    for (const FixDone &done : fixes)
        done({QString::fromLatin1(dbuserror::Unavailable),
              QStringLiteral("NetworkManager left the bus during the fix; check the connection with "
                             "`nmcli connection show` once it is back, and retry")});
    setState(DeviceState::Unknown);
    recompute();
    Q_EMIT runningChanged(false);
}

void NetworkManagerWatcher::subscribe(bool on)
{
    struct Hook
    {
        const char *path, *interface, *member, *slot;
    };
    static const Hook hooks[] = {
        {nm::kPath, nm::kInterface, "DeviceAdded", SLOT(onDeviceAdded(QDBusMessage))},
        {nm::kPath, nm::kInterface, "DeviceRemoved", SLOT(onDeviceRemoved(QDBusMessage))},
        {nm::kSettingsPath, "org.freedesktop.NetworkManager.Settings", "NewConnection",
         SLOT(onNewConnection(QDBusMessage))},
        {nm::kSettingsPath, "org.freedesktop.NetworkManager.Settings", "ConnectionRemoved",
         SLOT(onConnectionRemoved(QDBusMessage))},
    };
    for (const Hook &h : hooks) {
        const QString path = QString::fromLatin1(h.path), interface = QString::fromLatin1(h.interface),
                      member = QString::fromLatin1(h.member);
        if (on && !m_bus.connect(service(), path, interface, member, this, h.slot))
            qCWarning(lcNm).noquote() << "cannot subscribe to NetworkManager's" << member << ":"
                                      << m_bus.lastError().message();
        else if (on)
            continue;
        else
            m_bus.disconnect(service(), path, interface, member, this, h.slot);
    }
}

void NetworkManagerWatcher::onDeviceAdded(const QDBusMessage &)
{
    if (m_running && !m_device)
        lookUpDevice();
}

void NetworkManagerWatcher::onDeviceRemoved(const QDBusMessage &signal)
{
    const QDBusObjectPath path = pathOf(signal);
    if (!m_running || path.path() != m_devicePath)
        return;
    dropDevice();
    setState(DeviceState::Unknown);
    lookUpDevice(); // another device may carry the name now
}

void NetworkManagerWatcher::onNewConnection(const QDBusMessage &signal)
{
    const QDBusObjectPath path = pathOf(signal);
    addConnection(path.path());
}

void NetworkManagerWatcher::onConnectionRemoved(const QDBusMessage &signal)
{
    const QDBusObjectPath path = pathOf(signal);
    removeConnection(path.path());
}

void NetworkManagerWatcher::whenDone(const QDBusPendingCall &call, std::function<void(const QDBusPendingCall &)> f)
{
    auto *watch = new QDBusPendingCallWatcher(call, this);
    const quint64 generation = m_generation;
    connect(watch, &QDBusPendingCallWatcher::finished, this, [this, watch, generation, f = std::move(f)] {
        watch->deleteLater();
        if (generation == m_generation)
            f(*watch);
    });
}

QDBusPendingCall NetworkManagerWatcher::getProperty(const QString &path, const char *interface, const char *name) const
{
    QDBusMessage m = QDBusMessage::createMethodCall(service(), path, QStringLiteral("org.freedesktop.DBus.Properties"),
                                                    QStringLiteral("Get"));
    m << QString::fromLatin1(interface) << QString::fromLatin1(name);
    return m_bus.asyncCall(m);
}

// ---- the main interface --------------------------------------------------------------

void NetworkManagerWatcher::lookUpDevice()
{
    if (m_mainInterface.isEmpty() || !m_manager)
        return;
    whenDone(m_manager->GetDeviceByIpIface(m_mainInterface), [this](const QDBusPendingCall &call) {
        const QDBusPendingReply<QDBusObjectPath> reply = call;
        if (reply.isError()) {
            qCInfo(lcNm).noquote() << "NetworkManager has no device" << m_mainInterface << "(" + reply.error().message()
                                          + "): the main interface is not followed";
            setState(DeviceState::Unknown);
            return;
        }
        if (!m_device || reply.value().path() != m_devicePath)
            followDevice(reply.value().path());
    });
}

void NetworkManagerWatcher::followDevice(const QString &path)
{
    dropDevice();
    m_devicePath = path;
    m_device = new NmDeviceProxy(service(), path, m_bus, this);
    // Subscribed before the state is read: no change can fall between the two.
    connect(m_device, &NmDeviceProxy::StateChanged, this,
            [this](uint state, uint, uint) { setDeviceState(state); });
    whenDone(getProperty(path, nm::kDeviceInterface, "State"), [this, path](const QDBusPendingCall &call) {
        const QDBusPendingReply<QDBusVariant> reply = call;
        if (path != m_devicePath)
            return;
        if (reply.isError()) {
            qCWarning(lcNm).noquote() << "cannot read the state of" << m_mainInterface << ":" << reply.error().message();
            return;
        }
        setDeviceState(reply.value().variant().toUInt());
    });
}

void NetworkManagerWatcher::dropDevice()
{
    delete m_device;
    m_device = nullptr;
    m_devicePath.clear();
}

void NetworkManagerWatcher::setDeviceState(uint nmState)
{
    qCDebug(lcNm) << m_mainInterface << "NetworkManager device state" << nmState;
    setState(nmState == nm::kDeviceStateActivated   ? DeviceState::Up
             : nmState == nm::kDeviceStateUnmanaged ? DeviceState::Unmanaged
             : nmState == nm::kDeviceStateUnknown   ? DeviceState::Unknown
                                                    : DeviceState::Down);
}

void NetworkManagerWatcher::setState(DeviceState state)
{
    if (state == m_state)
        return;
    m_state = state;
    qCInfo(lcNm).noquote() << "main interface" << m_mainInterface << "is" << toString(state);
    Q_EMIT mainInterfaceStateChanged(state);
}

// ---- connections and their conflicts --------------------------------------------------

void NetworkManagerWatcher::addConnection(const QString &path)
{
    if (m_connections.contains(path) || !m_running)
        return;
    Connection c;
    c.proxy = new NmSettingsConnectionProxy(service(), path, m_bus, this);
    connect(c.proxy, &NmSettingsConnectionProxy::Updated, this, [this, path] { readConnection(path); });
    m_connections.insert(path, c);
    readConnection(path);
}

void NetworkManagerWatcher::removeConnection(const QString &path)
{
    const auto it = m_connections.find(path);
    if (it == m_connections.end())
        return;
    delete it->proxy;
    m_connections.erase(it);
    recompute();
}

void NetworkManagerWatcher::readConnection(const QString &path, std::function<void()> then)
{
    const auto it = m_connections.find(path);
    if (it == m_connections.end()) {
        if (then) then();
        return;
    }
    const quint64 read = ++it->reads;
    // Flags first (nm-generated/external connections are exempt), then the settings.
    whenDone(getProperty(path, nm::kConnectionInterface, "Flags"), [this, path, read, then](const QDBusPendingCall &call) {
        const QDBusPendingReply<QDBusVariant> flagsReply = call;
        const uint flags = flagsReply.isError() ? 0 : flagsReply.value().variant().toUInt();
        const auto it = m_connections.find(path);
        if (it == m_connections.end() || it->reads != read) {
            if (then) then();
            return;
        }
        whenDone(it->proxy->GetSettings(), [this, path, read, flags, then](const QDBusPendingCall &call) {
            const QDBusPendingReply<NMVariantMapMap> reply = call;
            const auto it = m_connections.find(path);
            if (it != m_connections.end() && it->reads == read) {
                if (reply.isError()) {
                    // Removed meanwhile (ConnectionRemoved follows) or not readable.
                    qCDebug(lcNm).noquote() << "cannot read" << path << ":" << reply.error().message();
                } else {
                    const NMVariantMapMap settings = reply.value();
                    const QVariantMap connection = settings.value(QStringLiteral("connection"));
                    it->uuid = connection.value(QStringLiteral("uuid")).toString();
                    it->name = connection.value(QStringLiteral("id")).toString();
                    it->conflicts = Ipv6SettingsConflict::find(settings, flags);
                    recompute();
                }
            }
            if (then) then();
        });
    });
}

void NetworkManagerWatcher::recompute()
{
    QList<Ipv6SettingsConflict> all;
    for (const Connection &c : std::as_const(m_connections))
        all += c.conflicts;
    std::stable_sort(all.begin(), all.end(), [](const Ipv6SettingsConflict &a, const Ipv6SettingsConflict &b) {
        return std::tie(a.name, a.connection) < std::tie(b.name, b.connection);
    });
    auto records = [](const QList<Ipv6SettingsConflict> &list) {
        QList<QVariantMap> out;
        for (const auto &c : list) out << c.toVariantMap();
        return out;
    };
    if (records(all) == records(m_conflicts))
        return;
    m_conflicts = all;
    Q_EMIT conflictsChanged();
}

// ---- FixConflict ---------------------------------------------------------------------

void NetworkManagerWatcher::fix(const QString &uuid, FixDone done)
{
    const quint64 id = ++m_fixes;
    m_pendingFixes.insert(id, std::move(done));
    auto finish = [this, id](const char *name, const QString &message) {
        const FixDone done = m_pendingFixes.take(id);
        if (done) done({name ? QString::fromLatin1(name) : QString(), message});
    };
    auto later = [this, finish](const char *name, const QString &message) {
        QMetaObject::invokeMethod(this, [finish, name, message] { finish(name, message); }, Qt::QueuedConnection);
    };
    if (!m_running)
        return later(dbuserror::Unavailable, QStringLiteral("NetworkManager is not running on the system bus; "
                                                            "start it (systemctl start NetworkManager) and retry"));
    QString path;
    for (auto it = m_connections.cbegin(); it != m_connections.cend(); ++it)
        if (it->uuid == uuid && !it->conflicts.isEmpty())
            path = it.key();
    if (path.isEmpty())
        return later(dbuserror::NotFound, QStringLiteral("no NetworkManager connection with UUID '%1' has a "
                                                         "conflict; read the Conflicts property for the current list")
                                              .arg(uuid.left(100)));
    const QString name = m_connections.value(path).name;
    auto failed = [finish, uuid, name](const QString &what, const QDBusError &error) {
        finish(dbuserror::Failed, QStringLiteral("NetworkManager refused to %1 connection '%2' (%3); change it by "
                                                 "hand with %4")
                                      .arg(what, name, error.message(), byHand(uuid)));
    };
    auto gone = [finish, name] {
        finish(dbuserror::NotFound, QStringLiteral("connection '%1' was removed meanwhile").arg(name));
    };
    // Fresh settings: Update2 replaces all of them, a stale copy would undo other edits.
    whenDone(m_connections.value(path).proxy->GetSettings(), [=, this](const QDBusPendingCall &call) {
        const QDBusPendingReply<NMVariantMapMap> reply = call;
        if (reply.isError())
            return failed(QStringLiteral("read"), reply.error());
        NmSettingsConnectionProxy *proxy = m_connections.value(path).proxy;
        if (!proxy)
            return gone();
        const NMVariantMapMap patched = Ipv6SettingsConflict::fixed(reply.value());
        whenDone(proxy->Update2(patched, nm::kUpdate2ToDisk, {}), [=, this](const QDBusPendingCall &call) {
            if (call.isError())
                return failed(QStringLiteral("update"), call.error());
            qCInfo(lcNm).noquote() << "fixed the IPv6 settings of NetworkManager connection" << name << uuid;
            reapply(uuid, [=, this](const QString &error) {
                // Answer once Conflicts shows the new settings.
                readConnection(path, [=] {
                    if (error.isEmpty())
                        return finish(nullptr, QString());
                    finish(dbuserror::Failed, QStringLiteral("connection '%1' is fixed and saved, but NetworkManager "
                                                             "could not apply it to its active device (%2); "
                                                             "reactivate it with `nmcli connection up %1`")
                                                  .arg(name, error));
                });
            });
        });
    });
}

// Reapply (current settings) on every device where the connection `uuid` is active.
void NetworkManagerWatcher::reapply(const QString &uuid, std::function<void(const QString &error)> done)
{
    struct Join
    {
        int pending = 1;
        QStringList errors;
        std::function<void(const QString &)> done;
        void finish()
        {
            if (--pending == 0) done(errors.join(QStringLiteral("; ")));
        }
    };
    auto join = std::make_shared<Join>();
    join->done = std::move(done);
    whenDone(getProperty(QString::fromLatin1(nm::kPath), nm::kInterface, "ActiveConnections"),
             [this, uuid, join](const QDBusPendingCall &call) {
                 const QDBusPendingReply<QDBusVariant> reply = call;
                 const auto actives = reply.isError() ? QList<QDBusObjectPath>()
                                                      : qdbus_cast<QList<QDBusObjectPath>>(reply.value().variant());
                 for (const QDBusObjectPath &active : actives) {
                     ++join->pending;
                     whenDone(getProperty(active.path(), nm::kActiveInterface, "Uuid"),
                              [this, uuid, join, active](const QDBusPendingCall &call) {
                                  const QDBusPendingReply<QDBusVariant> reply = call;
                                  if (reply.isError() || reply.value().variant().toString() != uuid)
                                      return join->finish();
                                  whenDone(getProperty(active.path(), nm::kActiveInterface, "Devices"),
                                           [this, join](const QDBusPendingCall &call) {
                                               const QDBusPendingReply<QDBusVariant> reply = call;
                                               const auto devices =
                                                   reply.isError() ? QList<QDBusObjectPath>()
                                                                   : qdbus_cast<QList<QDBusObjectPath>>(
                                                                         reply.value().variant());
                                               for (const QDBusObjectPath &device : devices) {
                                                   ++join->pending;
                                                   auto *proxy = new NmDeviceProxy(service(), device.path(), m_bus, this);
                                                   whenDone(proxy->Reapply({}, 0, 0),
                                                            [join, proxy](const QDBusPendingCall &call) {
                                                                proxy->deleteLater();
                                                                if (call.isError())
                                                                    join->errors << call.error().message();
                                                                join->finish();
                                                            });
                                               }
                                               join->finish();
                                           });
                              });
                 }
                 join->finish();
             });
}

} // namespace re6st::daemon
