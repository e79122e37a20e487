// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/Ipv6SettingsConflict.h"

#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusObjectPath>
#include <QDBusPendingCall>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <functional>

class QDBusServiceWatcher;
class NmDeviceProxy;
class NmManagerProxy;
class NmSettingsConnectionProxy;
class NmSettingsProxy;

namespace re6st::daemon {

// Follows NetworkManager over D-Bus (issue 6 §1), through the proxies generated from
// dbus/nm/*.xml; every call is asynchronous (the daemon never blocks on NetworkManager).
//  - NetworkManager on the bus: NameOwnerChanged of org.freedesktop.NetworkManager;
//    everything is re-read when it (re)appears and forgotten when it leaves.
//  - The main interface: GetDeviceByIpIface, then the device's StateChanged (again
//    on DeviceAdded/DeviceRemoved: the interface may come and go).
//  - Conflicts: every settings connection (ListConnections, NewConnection,
//    ConnectionRemoved, each one's Updated), judged by Ipv6SettingsConflict.
//  - fix(): Update2 (saved to disk) with ipv6.ignore-auto-routes/never-default set, then
//    Reapply on the devices where the connection is active.
class NetworkManagerWatcher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NetworkManagerWatcher)
public:
    enum class DeviceState {
        Unknown,   // no NetworkManager, no main interface ("lo" or empty), or no such device
        Up,        // NMDeviceState ACTIVATED
        Down,      // managed, any other state
        Unmanaged  // NetworkManager does not manage it: not followed
    };
    struct FixResult
    {
        QString errorName; // empty: done; else one of daemon/DBusErrors.h
        QString message;
    };
    using FixDone = std::function<void(const FixResult &)>;

    // `mainInterface`: --main-interface; "lo" and "" mean none.
    NetworkManagerWatcher(const QDBusConnection &bus, const QString &mainInterface, QObject *parent = nullptr);
    ~NetworkManagerWatcher() override;

    void start();

    bool isRunning() const { return m_running; }
    QString mainInterface() const { return m_mainInterface; }
    DeviceState mainInterfaceState() const { return m_state; }
    static QString toString(DeviceState state);
    QList<Ipv6SettingsConflict> conflicts() const { return m_conflicts; }

    // Fixes every conflict of the connection with this UUID; `done` runs later, once.
    void fix(const QString &uuid, FixDone done);

Q_SIGNALS:
    void runningChanged(bool running);
    void mainInterfaceStateChanged(re6st::daemon::NetworkManagerWatcher::DeviceState state);
    void conflictsChanged();

private Q_SLOTS:
    void onDeviceAdded(const QDBusMessage &signal);
    void onDeviceRemoved(const QDBusMessage &signal);
    void onNewConnection(const QDBusMessage &signal);
    void onConnectionRemoved(const QDBusMessage &signal);

private:
    void subscribe(bool on);
    struct Connection
    {
        NmSettingsConnectionProxy *proxy = nullptr;
        QList<Ipv6SettingsConflict> conflicts;
        QString uuid, name;
        quint64 reads = 0; // the latest read wins
    };

    void ownerChanged(const QString &owner);
    void appeared();
    void vanished();
    void lookUpDevice();
    void followDevice(const QString &path);
    void dropDevice();
    void setDeviceState(uint nmState);
    void setState(DeviceState state);
    void addConnection(const QString &path);
    void removeConnection(const QString &path);
    void readConnection(const QString &path, std::function<void()> then = {});
    void recompute();
    void reapply(const QString &uuid, std::function<void(const QString &error)> done);
    QDBusPendingCall getProperty(const QString &path, const char *interface, const char *name) const;
    // Runs `f(reply)` when `call` answers, unless NetworkManager left or came back since.
    void whenDone(const QDBusPendingCall &call, std::function<void(const QDBusPendingCall &)> f);

    QDBusConnection m_bus;
    QString m_mainInterface;
    QDBusServiceWatcher *m_serviceWatcher = nullptr;
    QString m_owner;
    bool m_running = false;
    quint64 m_generation = 0;
    NmManagerProxy *m_manager = nullptr;
    NmSettingsProxy *m_settings = nullptr;
    NmDeviceProxy *m_device = nullptr;
    QString m_devicePath;
    DeviceState m_state = DeviceState::Unknown;
    QHash<QString, Connection> m_connections; // by object path
    QList<Ipv6SettingsConflict> m_conflicts;
    QHash<quint64, FixDone> m_pendingFixes;
    quint64 m_fixes = 0;
};

} // namespace re6st::daemon
